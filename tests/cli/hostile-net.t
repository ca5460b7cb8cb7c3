#!/usr/bin/env bash
# hostile-net.t: a hostile git server. Redirects never take the token to another host, port or
# scheme, on fetch (render, history) and on push (set-image): another host's redirect is refused,
# and the credentials callback refuses another origin even where libgit2 follows the redirect (a
# second port on the same host). A redirect within the origin still works. A server that streams
# its ref advertisement forever (libgit2 calls no callback while reading it) is stopped by
# --max-refs-size or --timeout, and SIGTERM ends the run at once; the message says which.
# The servers are small Python programs on 127.0.0.1 written below; the real git server
# (tests/servers/git.sh) holds the repository.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$TOP/tests/fixtures/set-image/repo")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
TOKEN_B64=$(printf 'gitops:%s' "$GIT_SERVER_PASSWORD" | base64)
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }

cat >"$TMP/hostile-http.py" <<'EOF'
# hostile-http.py MODE PORTFILE LOG [ARG]: one HTTP server on 127.0.0.1 (port written to PORTFILE,
# every request and its Authorization header appended to LOG).
#   redirect URL     every request: 302 to URL + the request's path
#   auth             every request: 401 asking for Basic credentials (a host that wants the token)
#   proxy UPSTREAM REDIRECT
#                    forwards to UPSTREAM (the real git server), except pushes (git-receive-pack),
#                    which get 302 to REDIRECT + path; /git/old.git/ is 301 to /git/manifests.git/ here
#   flood            a ref advertisement that never ends, as fast as it can
#   trickle          a ref advertisement that never ends, one ref every 20 ms
import http.client, http.server, socketserver, sys, time, urllib.parse

mode, portfile, logfile = sys.argv[1:4]
args = sys.argv[4:]
SHA = b'0123456789abcdef0123456789abcdef01234567'


def pkt(data):
    return b'%04x' % (len(data) + 4) + data


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def log_message(self, *a):
        pass

    def log(self):
        with open(logfile, 'a') as f:
            f.write('%s %s auth=%s\n' % (self.command, self.path, self.headers.get('Authorization', '-')))

    def body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            out = b''
            while True:
                n = int(self.rfile.readline().split(b';')[0], 16)
                chunk = self.rfile.read(n + 2)[:n]
                if n == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return out
                out += chunk
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def reply(self, code, headers=(), data=b''):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def forward(self, data):
        up = urllib.parse.urlsplit(args[0])
        c = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ('host', 'transfer-encoding', 'content-length', 'connection')}
        c.request(self.command, self.path, body=data if self.command == 'POST' else None, headers=hdrs)
        r = c.getresponse()
        out = r.read()
        self.reply(r.status, [(k, v) for k, v in r.getheaders() if k.lower() not in ('content-length', 'transfer-encoding', 'connection')], out)

    def stream(self, pause):
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-git-upload-pack-advertisement')
        self.end_headers()
        self.wfile.write(pkt(b'# service=git-upload-pack\n') + b'0000')
        self.wfile.write(pkt(SHA + b' HEAD\0multi_ack side-band-64k ofs-delta\n'))
        block = b''.join(pkt(SHA + b' refs/heads/b%07d\n' % i) for i in range(20000))
        i = 0
        while True:
            if pause:
                self.wfile.write(pkt(SHA + b' refs/heads/t%09d\n' % i))
                self.wfile.flush()
                time.sleep(pause)
                i += 1
            else:
                self.wfile.write(block)

    def handle_any(self):
        self.log()
        data = self.body() if self.command == 'POST' else b''
        if mode == 'redirect':
            self.reply(302, [('Location', args[0] + self.path)])
        elif mode == 'auth':
            self.reply(401, [('WWW-Authenticate', 'Basic realm="other"')])
        elif mode == 'proxy':
            if self.path.startswith('/git/old.git/'):
                self.reply(301, [('Location', self.path.replace('/git/old.git/', '/git/manifests.git/', 1))])
            elif 'git-receive-pack' in self.path:
                self.reply(302, [('Location', args[1] + self.path)])
            else:
                self.forward(data)
        else:
            try:
                self.stream(0.02 if mode == 'trickle' else 0)
            except (BrokenPipeError, ConnectionResetError):
                pass

    do_GET = do_POST = handle_any


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


s = S(('127.0.0.1', 0), H)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(s.server_address[1]))
import os
os.rename(portfile + '.tmp', portfile)
s.serve_forever()
EOF

# start_http NAME MODE [ARG...]: a server in the background; exports NAME_PORT, NAME_LOG.
start_http() {
	local name=$1 mode=$2 pid
	shift 2
	: >"$TMP/$name.log"
	setpriv --pdeathsig KILL python3 -u "$TMP/hostile-http.py" "$mode" "$TMP/$name.port" "$TMP/$name.log" "$@" \
		2>"$TMP/$name.err" &
	pid=$!
	at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	for _ in $(seq 200); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
	printf -v "${name}_PORT" '%s' "$(cat "$TMP/$name.port")"
	printf -v "${name}_LOG" '%s' "$TMP/$name.log"
	printf -v "${name}_PID" '%s' "$pid"
}
token_sent() { grep -c "auth=Basic $TOKEN_B64" "$1"; }

start_http OTHER auth
# ---------------------------------------------------------------------------------------------
# 3. Redirects on fetch: to another host (localhost is not 127.0.0.1), to another port

start_http TOHOST redirect "http://localhost:$OTHER_PORT"
run gitops-render -o json --repo "http://127.0.0.1:$TOHOST_PORT/git/manifests.git" --path plain
is "$RC:$OUT" "3:" "render, a redirect to another host: exit 3"
like "$ERR" "cannot redirect from '127.0.0.1' to 'localhost'" "render: the redirect is refused, and said"
is "$(wc -l <"$OTHER_LOG")" 0 "render: the other host got no request"
run gitops-history --repo "http://127.0.0.1:$TOHOST_PORT/git/manifests.git" --file plain/deploy.yaml
is "$RC" 3 "history, a redirect to another host: exit 3"
is "$(token_sent "$OTHER_LOG")" 0 "history: the token never reached the other host"

start_http TOPORT redirect "http://127.0.0.1:$OTHER_PORT"
run gitops-render -o json --repo "http://127.0.0.1:$TOPORT_PORT/git/manifests.git" --path plain
is "$RC:$OUT" "3:" "render, a redirect to another port of the same host (libgit2 follows it): exit 3"
like "$ERR" "sent us to http://127.0.0.1:$OTHER_PORT, another origin" "render: the other origin is named"
ok "$([ "$(wc -l <"$OTHER_LOG")" -gt 0 ]; echo $?)" "render: the other port was asked (libgit2 followed the redirect)"
is "$(token_sent "$OTHER_LOG")" 0 "render: the token never reached the other port"
run gitops-rollback --repo "http://127.0.0.1:$TOPORT_PORT/git/manifests.git" --path plain --reason test
is "$RC" 3 "rollback, a redirect to another port: exit 3"
is "$(token_sent "$OTHER_LOG")" 0 "rollback: the token never reached the other port"

# ---------------------------------------------------------------------------------------------
# 3. Redirects on push: the fetch goes to the real server through a proxy, the push is redirected

BEFORE=$(git ls-remote "$URL" refs/heads/main | cut -f1)
SI=(--file charts/my-app/values.yaml --set image.tag=9.9.9)
start_http PUSHHOST proxy "${GIT_SERVER_URL%/git}" "http://localhost:$OTHER_PORT"
: >"$OTHER_LOG"
run gitops-set-image --repo "http://127.0.0.1:$PUSHHOST_PORT/git/manifests.git" "${SI[@]}"
is "$RC" 3 "set-image, the push redirected to another host: exit 3"
like "$ERR" "push: cannot redirect from '127.0.0.1' to 'localhost'" "set-image: the push's redirect is refused"
is "$(wc -l <"$OTHER_LOG")" 0 "set-image: the other host got no request"
start_http PUSHPORT proxy "${GIT_SERVER_URL%/git}" "http://127.0.0.1:$OTHER_PORT"
run gitops-set-image --repo "http://127.0.0.1:$PUSHPORT_PORT/git/manifests.git" "${SI[@]}"
is "$RC" 3 "set-image, the push redirected to another port: exit 3"
like "$ERR" "push: the server sent us to http://127.0.0.1:$OTHER_PORT, another origin" "set-image: the other origin is named"
is "$(token_sent "$OTHER_LOG")" 0 "set-image: the token never reached the other port"
is "$(git ls-remote "$URL" refs/heads/main | cut -f1)" "$BEFORE" "set-image: nothing was pushed"

# A redirect within the origin (a renamed repository) is followed, with the token
run gitops-render -o json --repo "http://127.0.0.1:$PUSHPORT_PORT/git/old.git" --path plain
is "$RC" 0 "a redirect within the origin (old.git -> manifests.git): followed" || echo "# $ERR"
like "$(grep -c "auth=Basic $TOKEN_B64" "$PUSHPORT_LOG")" "^[1-9]" "the token went to the origin it is for"

# ---------------------------------------------------------------------------------------------
# 6. A ref advertisement that never ends

start_http FLOOD flood
run /usr/bin/time -f '%M' -o "$TMP/rss" "$BIN/gitops-render" -o json --timeout 60 \
	--repo "http://127.0.0.1:$FLOOD_PORT/git/x.git"
is "$RC:$OUT" "3:" "an endless ref advertisement, as fast as it comes: exit 3"
like "$ERR" "fetch: the server sent more than 67108864 bytes \(--max-refs-size\); stopped" "stopped at --max-refs-size (64M), and said"
RSS=$(tail -n 1 "$TMP/rss")
if [ "$BIN" = "$TOP/bin" ]; then
	ok "$([ "$RSS" -lt 524288 ]; echo $?)" "memory stays bounded (peak $RSS KiB)"
else
	skip "peak memory is measured on the real binary, not a wrapper (GITOPS_TEST_BIN)"
fi
run gitops-render -o json --max-refs-size 1M --repo "http://127.0.0.1:$FLOOD_PORT/git/x.git"
like "$RC:$ERR" "^3:.*more than 1048576 bytes \(--max-refs-size\)" "--max-refs-size 1M: stopped there"
run gitops-set-image --max-refs-size 1M --repo "http://127.0.0.1:$FLOOD_PORT/git/x.git" "${SI[@]}"
like "$RC:$ERR" "^3:.*more than 1048576 bytes \(--max-refs-size\)" "set-image: the same"

start_http TRICKLE trickle
run gitops-render -o json --timeout 2 --repo "http://127.0.0.1:$TRICKLE_PORT/git/x.git"
is "$RC:$OUT" "3:" "an endless ref advertisement, slowly: exit 3"
like "$ERR" "fetch timed out after 2 s \(--timeout\)" "--timeout 2: timed out, and said so"
unlike "$ERR" "more than" "not mistaken for too large"

# SIGTERM while the advertisement streams (slowly, and as fast as it comes with no cap that would
# stop it first): the run ends at once, its temporary files gone
for server in TRICKLE FLOOD; do
	log=${server}_LOG port=${server}_PORT
	: >"${!log}"
	"$BIN/gitops-render" -o json --timeout 600 --max-refs-size 4G --repo "http://127.0.0.1:${!port}/git/x.git" \
		>"$TMP/term.out" 2>"$TMP/term.err" &
	PID=$!
	for _ in $(seq 400); do [ -s "${!log}" ] && break; sleep 0.05; done
	ok "$([ -s "${!log}" ]; echo $?)" "$server: the render is reading the advertisement"
	sleep 0.3
	kill -TERM "$PID"
	for _ in $(seq 200); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
	ok "$(! kill -0 "$PID" 2>/dev/null; echo $?)" "$server, SIGTERM: the render ended within 10 s (not at --timeout 600)"
	kill -KILL "$PID" 2>/dev/null
	wait "$PID"
	is "$?" 143 "$server, SIGTERM: it died of the signal, as a killed program does"
	like "$(cat "$TMP/term.err")" "interrupted \(signal 15\)" "$server, SIGTERM: said"
	is "$(tmp_left)" 0 "$server, SIGTERM: no temporary file left"
done

done_testing
