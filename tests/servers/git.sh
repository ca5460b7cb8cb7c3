# tests/servers/git.sh: a real git server for a test (bash): lighttpd + `git http-backend` (smart
# HTTP(S)) with basic auth on 127.0.0.1. Source after tests/lib.sh:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/servers/git.sh"
#   git_server_start                     # or: git_server_start --https
#   url=$(git_repo_create demo --from "$TOP/tests/fixtures/demo")
#   git_cli_env                          # the git CLI now authenticates by itself
#   git clone -q "$url" "$TMP/demo"
#
# Call git_server_start and git_server_hung in the test's own shell, not in $(...), a pipeline or
# ( ... ): the servers are children that die with the shell that started them (and they export
# variables). Everything is stopped at exit (lib.sh at_exit), also on failure, INT, TERM, HUP;
# a SIGKILLed test takes its servers with it (setpriv --pdeathsig KILL).
#
#   git_server_start [--https] [--user U] [--password P]
#       start a server; user `gitops` and a random password unless given. Basic auth on every
#       URL, so fetch and push both need it. A second call starts another server (new port, new
#       empty GIT_SERVER_ROOT) and re-exports the variables for it; the first keeps running.
#       HTTPS uses https://localhost:PORT (libgit2's mbedTLS ignores IP SANs); its certificate
#       (self-signed EC, CN and SAN localhost + IP 127.0.0.1) is made once per test.
#   git_server_stop [--all]              stop the current server now (its URL then refuses
#                                        connections; its files stay); --all: every git server
#                                        and hung server of this test
#   git_repo_create NAME [--from DIR] [--branch B]
#       a bare repo GIT_SERVER_ROOT/NAME.git (push enabled), HEAD -> B (default main); with
#       --from, the files of DIR (all of them, .gitignore not applied, .git skipped) are its
#       first commit on B, by a fixed author at a fixed date (same DIR => same commit id).
#       Prints the repo URL (GIT_SERVER_URL/NAME.git, no credentials).
#   git_repo_hook NAME HOOK SCRIPT
#       install hook HOOK (pre-receive, update, post-receive...) in repo NAME. SCRIPT is a file
#       to copy, `-` for stdin, or else the script text itself (#!/bin/sh added if missing).
#       Hooks run with the test's PATH; stderr reaches the client as "remote: ...".
#   git_server_hung                      a TCP server on 127.0.0.1 that accepts connections and
#                                        never answers (for timeouts); exports HUNG_URL,
#                                        HUNG_PORT, HUNG_PID
#   git_cli_env                          set up the environment for the git CLI: a temp global
#                                        config (credential helper, user, init.defaultBranch),
#                                        no system config, no prompts, GIT_SSL_CAINFO
#
# Exported by git_server_start: GIT_SERVER_URL (http://127.0.0.1:PORT/git or
# https://localhost:PORT/git, no credentials), GIT_SERVER_USER, GIT_SERVER_PASSWORD,
# GIT_SERVER_ROOT (directory of the bare repos), GIT_SERVER_CA (HTTPS: the certificate, which is
# its own CA; empty for HTTP), GIT_SERVER_PORT, GIT_SERVER_PID, GIT_SERVER_DIR (its files:
# lighttpd.conf, error.log, cgi-stderr.log with http-backend's stderr, access.log after stop).
#
# The git CLI after git_cli_env: GIT_CONFIG_GLOBAL=$TMP/git-cli/gitconfig, GIT_CONFIG_NOSYSTEM=1,
# GIT_TERMINAL_PROMPT=0, GIT_ASKPASS/SSH_ASKPASS unset, GIT_SSL_CAINFO=GIT_SERVER_CA (if an HTTPS
# server was started, now or later). Its credential helper reads the environment at the time of
# the request, so the password is never in a URL, argv or a git config: GIT_CLI_USER /
# GIT_CLI_PASSWORD when set (e.g. `GIT_CLI_PASSWORD=wrong git ls-remote ...`), else the user and
# password of the server on the URL's port (GIT_SERVER_USER_<PORT> / GIT_SERVER_PASSWORD_<PORT>,
# exported by git_server_start, so every server of the test works), else GIT_SERVER_USER /
# GIT_SERVER_PASSWORD. Anonymous: `git -c credential.helper= ...` (fails: no prompts).

declare -F at_exit >/dev/null || { echo "git.sh: source tests/lib.sh first" >&2; return 1; }
GIT_SERVER_PID=
_GIT_SRV_PIDS=()  # "PID DIR" of every live server (lighttpd and hung) of this test
_GIT_SRV_N=0
_GIT_SRV_CLI=

# Make INT/TERM/HUP run lib.sh's EXIT trap (bash does not run it on a fatal signal), unless the
# test has its own trap. (A trap runs once the current foreground command has returned.)
for _git_srv_s in INT:130 TERM:143 HUP:129; do
	# shellcheck disable=SC2064 # (the exit status is fixed now)
	[ -n "$(trap -p "${_git_srv_s%%:*}")" ] || trap "exit ${_git_srv_s#*:}" "${_git_srv_s%%:*}"
done
unset _git_srv_s

# git for server-side work: no user/system config, no inherited repo (e.g. GIT_DIR from a hook).
_git_srv_git() {
	env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE -u GIT_OBJECT_DIRECTORY \
		-u GIT_ALTERNATE_OBJECT_DIRECTORIES -u GIT_COMMON_DIR -u GIT_NAMESPACE -u GIT_CEILING_DIRECTORIES \
		GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git "$@"
}

# A lighttpd config string literal.
_git_srv_q() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

_git_srv_at_exit() {
	if [ -z "${_GIT_SRV_AT_EXIT:-}" ]; then
		at_exit git_server_stop --all
		_GIT_SRV_AT_EXIT=1
	fi
}

# _git_srv_gone PID: true if PID no longer runs (gone or zombie).
_git_srv_gone() {
	local st
	{ read -r st </proc/"$1"/stat; } 2>/dev/null || return 0
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

# _git_srv_kill PID DIR: stop our server PID (its argv mentions DIR), wait until it has gone.
_git_srv_kill() {
	local pid=$1 dir=$2 i cmd=
	{ cmd=$(tr '\0' ' ' </proc/"$pid"/cmdline); } 2>/dev/null || true
	if [[ "$cmd" == *"$dir"* ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 200; i++)); do
			_git_srv_gone "$pid" && break
			sleep 0.01
		done
		_git_srv_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	fi
	{ wait "$pid"; } 2>/dev/null || true # (reap; its status is of no interest)
	return 0
}

# _git_srv_forget PID
_git_srv_forget() {
	local e keep=()
	for e in "${_GIT_SRV_PIDS[@]}"; do
		[ "${e%% *}" = "$1" ] || keep+=("$e")
	done
	_GIT_SRV_PIDS=("${keep[@]}")
}

git_server_stop() {
	local e
	if [ "${1:-}" = --all ]; then
		for e in "${_GIT_SRV_PIDS[@]}"; do
			_git_srv_kill "${e%% *}" "${e#* }"
		done
		_GIT_SRV_PIDS=()
		GIT_SERVER_PID=
		return 0
	fi
	[ -n "$GIT_SERVER_PID" ] || return 0
	_git_srv_kill "$GIT_SERVER_PID" "$GIT_SERVER_DIR"
	_git_srv_forget "$GIT_SERVER_PID"
	GIT_SERVER_PID=
	return 0
}

# The certificate for localhost, made once per test (EC P-256: fast).
_git_srv_cert() {
	local d=$TMP/git-tls
	[ -s "$d/server.pem" ] && return 0
	mkdir -p "$d" || return 1
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
		-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.crt" >"$d/openssl.log" 2>&1; then
		echo "# git_server_start: openssl req failed:" >&2
		sed 's/^/#   /' "$d/openssl.log" >&2
		return 1
	fi
	cat "$d/server.crt" "$d/server.key" >"$d/server.pem.tmp" && mv "$d/server.pem.tmp" "$d/server.pem"
}

_git_srv_conf() { # DIR PORT HTTPS
	local d=$1 port=$2 https=$3
	{
		echo 'server.modules = ("mod_auth", "mod_authn_file", "mod_alias", "mod_setenv", "mod_cgi", "mod_accesslog")'
		echo 'server.bind = "127.0.0.1"'
		echo "server.port = $port"
		echo "server.document-root = $(_git_srv_q "$d/www")"
		echo "server.errorlog = $(_git_srv_q "$d/error.log")"
		echo "server.breakagelog = $(_git_srv_q "$d/cgi-stderr.log")"
		echo "accesslog.filename = $(_git_srv_q "$d/access.log")"
		echo "server.upload-dirs = ( $(_git_srv_q "$d/upload") )"
		# Request bodies stay buffered (stream-request-body unset): libgit2 pushes chunked, and
		# CGI needs a CONTENT_LENGTH (HTTP 411 otherwise).
		echo 'server.stream-response-body = 2'
		# lighttpd delays every 401 for bad credentials by ~1 s: not in tests.
		echo 'server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )'
		if [ "$https" = 1 ]; then
			echo 'server.modules += ("mod_openssl")'
			echo 'ssl.engine = "enable"'
			echo "ssl.pemfile = $(_git_srv_q "$TMP/git-tls/server.pem")"
		fi
		echo 'alias.url = ( "/git" => "/usr/lib/git-core/git-http-backend" )'
		# shellcheck disable=SC2016 # (lighttpd syntax)
		echo '$HTTP["url"] =~ "^/git/" {'
		echo '  cgi.assign = ( "" => "" )'
		echo "  setenv.set-environment = ( \"GIT_PROJECT_ROOT\" => $(_git_srv_q "$d/repos"), \"GIT_HTTP_EXPORT_ALL\" => \"1\","
		echo "    \"PATH\" => $(_git_srv_q "$PATH"), \"HOME\" => $(_git_srv_q "$d"),"
		echo "    \"GIT_CONFIG_NOSYSTEM\" => \"1\", \"GIT_CONFIG_GLOBAL\" => $(_git_srv_q "$d/backend.gitconfig") )"
		echo '  auth.backend = "plain"'
		echo "  auth.backend.plain.userfile = $(_git_srv_q "$d/users")"
		echo '  auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )'
		echo '}'
	} >"$d/lighttpd.conf"
}

git_server_start() {
	local https=0 user=gitops pw='' d try port pid i up
	while [ $# -gt 0 ]; do
		case $1 in
		--https) https=1 ;;
		--user) user=$2; shift ;;
		--password) pw=$2; shift ;;
		*) echo "git_server_start: unknown argument: $1" >&2; return 2 ;;
		esac
		shift
	done
	[ -n "$pw" ] || pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	if [ "$https" = 1 ]; then _git_srv_cert || return 1; fi
	_git_srv_at_exit
	_GIT_SRV_N=$((_GIT_SRV_N + 1))
	d=$TMP/git-server.$_GIT_SRV_N
	mkdir -p "$d/www" "$d/upload" "$d/repos" || return 1
	(umask 077 && printf '%s:%s\n' "$user" "$pw" >"$d/users") || return 1
	# http-backend's own global config: serve repos whatever their owner (safe.directory).
	printf '[safe]\n\tdirectory = *\n' >"$d/backend.gitconfig"
	for ((try = 0; try < 20; try++)); do
		port=$((20000 + RANDOM % 12000)) # below the usual ephemeral range (32768-60999)
		_git_srv_conf "$d" "$port" "$https"
		: >"$d/error.log"
		setpriv --pdeathsig KILL lighttpd -D -f "$d/lighttpd.conf" </dev/null >"$d/lighttpd.out" 2>&1 &
		pid=$!
		up=
		# Up when lighttpd logged "server started" (it has bound the port) and accepts a
		# connection; a failed bind makes it exit 255 at once: try another port.
		for ((i = 0; i < 500; i++)); do
			if _git_srv_gone "$pid"; then break; fi
			if grep -q 'server started' "$d/error.log" 2>/dev/null &&
				(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				up=1
				break
			fi
			sleep 0.01
		done
		[ -n "$up" ] && break
		_git_srv_kill "$pid" "$d"
		if ! grep -qi 'bind\|address already in use' "$d/lighttpd.out" "$d/error.log" 2>/dev/null; then
			echo "# git_server_start: lighttpd did not start:" >&2
			cat "$d/lighttpd.out" "$d/error.log" | sed 's/^/#   /' >&2
			return 1
		fi
	done
	if [ -z "$up" ]; then
		echo "# git_server_start: no free port after $try tries" >&2
		return 1
	fi
	_GIT_SRV_PIDS+=("$pid $d")
	GIT_SERVER_PID=$pid
	GIT_SERVER_PORT=$port
	GIT_SERVER_DIR=$d
	GIT_SERVER_ROOT=$d/repos
	GIT_SERVER_USER=$user
	GIT_SERVER_PASSWORD=$pw
	if [ "$https" = 1 ]; then
		GIT_SERVER_URL=https://localhost:$port/git
		GIT_SERVER_CA=$TMP/git-tls/server.crt
		[ -z "$_GIT_SRV_CLI" ] || export GIT_SSL_CAINFO=$GIT_SERVER_CA
	else
		GIT_SERVER_URL=http://127.0.0.1:$port/git
		GIT_SERVER_CA=
	fi
	export GIT_SERVER_URL GIT_SERVER_USER GIT_SERVER_PASSWORD GIT_SERVER_ROOT GIT_SERVER_CA \
		GIT_SERVER_PORT GIT_SERVER_PID GIT_SERVER_DIR
	# For git_cli_env's credential helper, which picks the server by the port asked for.
	export "GIT_SERVER_USER_$port=$user" "GIT_SERVER_PASSWORD_$port=$pw"
}

git_repo_create() {
	local name=${1:-} from='' branch=main repo tree commit
	[ -n "$name" ] || { echo "usage: git_repo_create NAME [--from DIR] [--branch B]" >&2; return 2; }
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--from) from=$2; shift ;;
		--branch) branch=$2; shift ;;
		*) echo "git_repo_create: unknown argument: $1" >&2; return 2 ;;
		esac
		shift
	done
	[ -n "${GIT_SERVER_ROOT:-}" ] || { echo "git_repo_create: no git server (git_server_start)" >&2; return 1; }
	name=${name%.git}
	repo=$GIT_SERVER_ROOT/$name.git
	[ ! -e "$repo" ] || { echo "git_repo_create: $repo exists" >&2; return 1; }
	_git_srv_git init -q --bare --initial-branch="$branch" "$repo" >&2 || return 1
	_git_srv_git -C "$repo" config http.receivepack true || return 1
	if [ -n "$from" ]; then
		[ -d "$from" ] || { echo "git_repo_create: --from $from: not a directory" >&2; return 1; }
		# Commit DIR's files straight into the bare repo, with a throwaway index.
		tree=$(cd "$from" && export GIT_INDEX_FILE="$repo/seed.index" &&
			_git_srv_git --git-dir="$repo" --work-tree=. add -A -f . >&2 &&
			_git_srv_git --git-dir="$repo" write-tree) || return 1
		rm -f "$repo/seed.index"
		commit=$(echo "Initial commit" | GIT_AUTHOR_NAME="GitOps Seed" GIT_AUTHOR_EMAIL=seed@example.invalid \
			GIT_AUTHOR_DATE="2024-01-01T00:00:00 +0000" GIT_COMMITTER_NAME="GitOps Seed" \
			GIT_COMMITTER_EMAIL=seed@example.invalid GIT_COMMITTER_DATE="2024-01-01T00:00:00 +0000" \
			_git_srv_git --git-dir="$repo" commit-tree "$tree") || return 1
		_git_srv_git --git-dir="$repo" update-ref "refs/heads/$branch" "$commit" || return 1
	fi
	echo "$GIT_SERVER_URL/$name.git"
}

git_repo_hook() {
	local name=${1:-} hook=${2:-} script=${3:-} f
	[ $# -eq 3 ] || { echo "usage: git_repo_hook NAME HOOK SCRIPT|FILE|-" >&2; return 2; }
	name=${name%.git}
	[ -d "$GIT_SERVER_ROOT/$name.git" ] || { echo "git_repo_hook: no repo $name" >&2; return 1; }
	f=$GIT_SERVER_ROOT/$name.git/hooks/$hook
	mkdir -p "${f%/*}" || return 1
	if [ "$script" = - ]; then
		cat >"$f.tmp"
	elif [ -f "$script" ]; then
		cat "$script" >"$f.tmp"
	elif [[ "$script" == '#!'* ]]; then
		printf '%s\n' "$script" >"$f.tmp"
	else
		printf '#!/bin/sh\n%s\n' "$script" >"$f.tmp"
	fi || return 1
	chmod 755 "$f.tmp" && mv "$f.tmp" "$f"
}

git_server_hung() {
	local d pid i py
	_git_srv_at_exit
	_GIT_SRV_N=$((_GIT_SRV_N + 1))
	d=$TMP/git-hung.$_GIT_SRV_N
	mkdir -p "$d" || return 1
	cat >"$d/hung.py" <<'EOF'
# Accepts connections on 127.0.0.1 and never answers; writes its port to argv[1], and a line to
# argv[1].log per connection it holds.
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(128)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    with open(sys.argv[1] + ".log", "a") as f:
        f.write("held a connection\n")
EOF
	# Stdlib only: the system python3 starts faster than a version manager's shim.
	py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3) || { echo "git_server_hung: no python3" >&2; return 1; }
	setpriv --pdeathsig KILL "$py" "$d/hung.py" "$d/port" </dev/null >"$d/out" 2>&1 &
	pid=$!
	for ((i = 0; i < 1000; i++)); do
		[ -s "$d/port" ] && break
		_git_srv_gone "$pid" && break
		sleep 0.01
	done
	if ! [ -s "$d/port" ]; then
		echo "# git_server_hung: did not start:" >&2
		sed 's/^/#   /' "$d/out" >&2
		_git_srv_kill "$pid" "$d"
		return 1
	fi
	_GIT_SRV_PIDS+=("$pid $d")
	HUNG_PID=$pid
	HUNG_PORT=$(cat "$d/port")
	HUNG_URL=http://127.0.0.1:$HUNG_PORT/git/hung.git
	HUNG_LOG=$d/port.log
	export HUNG_URL HUNG_PORT HUNG_PID HUNG_LOG
}

git_cli_env() {
	local d=$TMP/git-cli
	mkdir -p "$d" || return 1
	# A credential helper that reads the environment: no password in argv, URLs or files.
	cat >"$d/git-credential-test" <<'EOF'
#!/bin/sh
# git credential helper for the tests: `get` answers from the environment.
# Order: GIT_CLI_USER/GIT_CLI_PASSWORD, then the server on the request's port
# (GIT_SERVER_USER_<PORT>/GIT_SERVER_PASSWORD_<PORT>), then GIT_SERVER_USER/GIT_SERVER_PASSWORD.
[ "$1" = get ] || exit 0
port=
while IFS= read -r line && [ -n "$line" ]; do
	case $line in host=*:*) port=${line##*:} ;; esac
done
user= pw=
case $port in
'' | *[!0-9]*) ;;
*) eval "user=\${GIT_SERVER_USER_$port:-} pw=\${GIT_SERVER_PASSWORD_$port:-}" ;;
esac
printf 'username=%s\n' "${GIT_CLI_USER:-${user:-${GIT_SERVER_USER:-}}}"
printf 'password=%s\n' "${GIT_CLI_PASSWORD:-${pw:-${GIT_SERVER_PASSWORD:-}}}"
EOF
	chmod 755 "$d/git-credential-test"
	{
		printf '[user]\n\tname = Test User\n\temail = test@example.invalid\n'
		printf '[init]\n\tdefaultBranch = main\n'
		printf '[advice]\n\tdetachedHead = false\n'
		printf '[credential]\n\thelper =\n\thelper = %s\n' "$d/git-credential-test"
	} >"$d/gitconfig"
	export GIT_CONFIG_GLOBAL=$d/gitconfig GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
	unset GIT_ASKPASS SSH_ASKPASS GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	if [ -n "${GIT_SERVER_CA:-}" ]; then export GIT_SSL_CAINFO=$GIT_SERVER_CA; fi
	_GIT_SRV_CLI=1
}
