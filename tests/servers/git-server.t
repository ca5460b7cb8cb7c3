#!/usr/bin/env bash
# git-server.t: the git test server (tests/servers/git.sh) with the real git CLI, over HTTP and
# HTTPS: clone and push with basic auth, wrong password and anonymous refused (401), a
# pre-receive hook's rejection reported, the hung server times out, the password never in any
# process's argv; and the lifecycle: a sub-test (this file run again as a child) leaves no
# process and no directory behind, whether it passes, fails, or is killed by TERM, INT or KILL.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/git.sh"

# --- Child mode: a sub-test with two git servers and a hung server (lifecycle checks below). ---
if [ -n "${GIT_SERVER_T_CHILD:-}" ]; then
	git_server_start && git_server_start --https && git_server_hung || exit 3
	echo "$TMP" >"$GIT_SERVER_T_INFO.tmp" && mv "$GIT_SERVER_T_INFO.tmp" "$GIT_SERVER_T_INFO"
	case $GIT_SERVER_T_CHILD in
	pass) ok 0 "child passes"; done_testing ;;
	fail) ok 1 "child fails"; done_testing ;;
	wait) # until the parent's signal; sleep dies with us even on KILL
		setpriv --pdeathsig KILL sleep 300 &
		at_exit "kill $! 2>/dev/null"
		: >"$GIT_SERVER_T_INFO.waiting" # the parent signals only now that everything is in place
		wait ;;
	esac
	exit 0
fi

ms() { echo $(($(date +%s%N) / 1000000)); } # for the log only: nothing is asserted on time

# --- The password must never be in argv: sample /proc/*/cmdline all along (grep -f: the
# patterns come from a file, not argv), and check git's own trace of what it runs. ---
PAT=$TMP/passwords
: >"$PAT"
(
	n=0
	while [ ! -e "$TMP/sampler.stop" ]; do
		grep -laF -f "$PAT" /proc/[0-9]*/cmdline 2>/dev/null | while read -r f; do
			{ tr '\0' ' ' <"$f"; echo; } 2>/dev/null
		done
		n=$((n + 1))
	done >"$TMP/sampler.hits"
	echo "$n" >"$TMP/sampler.done"
) &
SAMPLER=$!
at_exit "touch '$TMP/sampler.stop'; wait $SAMPLER"

mkdir -p "$TMP/src/apps/demo"
printf 'replicas: 1\nimage: demo:1.0\n' >"$TMP/src/apps/demo/values.yaml"
echo "# demo" >"$TMP/src/README.md"

# suite LABEL: the checks against the current server ($GIT_SERVER_URL).
suite() {
	local p=$1 url head work=$TMP/work-$1
	printf '%s\n' "$GIT_SERVER_PASSWORD" >>"$PAT"
	url=$(git_repo_create demo --from "$TMP/src")
	is "$url" "$GIT_SERVER_URL/demo.git" "$p: git_repo_create prints the repo URL"
	is "$(git -C "$GIT_SERVER_ROOT/demo.git" symbolic-ref HEAD)" refs/heads/main "$p: HEAD is main"
	is "$(git -C "$GIT_SERVER_ROOT/demo.git" log --format='%an <%ae> %ad %s' --date=iso main)" \
		"GitOps Seed <seed@example.invalid> 2024-01-01 00:00:00 +0000 Initial commit" \
		"$p: seeded by the fixed author"

	GIT_TRACE=$TMP/trace-$p run git clone -q "$url" "$work"
	is "$RC" 0 "$p: clone with auth works" || echo "# $ERR"
	is "$(cat "$work/apps/demo/values.yaml" 2>&1)" "$(cat "$TMP/src/apps/demo/values.yaml")" "$p: clone has the seeded files"
	like "$(cat "$TMP/trace-$p")" "git-credential-test get" "$p: git ran the credential helper"
	unlike "$(cat "$TMP/trace-$p")" "$GIT_SERVER_PASSWORD" "$p: the password is in nothing git ran (GIT_TRACE)"

	echo 'replicas: 2' >"$work/apps/demo/values.yaml"
	git -C "$work" commit -qam "scale demo"
	head=$(git -C "$work" rev-parse HEAD)
	run git -C "$work" push -q origin main
	is "$RC" 0 "$p: push works" || echo "# $ERR"
	is "$(git -C "$GIT_SERVER_ROOT/demo.git" rev-parse main)" "$head" "$p: the push landed"

	GIT_CLI_PASSWORD=wrong-password GIT_TRACE_CURL=$TMP/curl-$p run git ls-remote "$url"
	is "$((RC != 0))" 1 "$p: wrong password fails"
	like "$ERR" "Authentication failed for '$url/'" "$p: wrong password: 'Authentication failed'"
	like "$(grep -c -E '<= Recv header: HTTP/[0-9.]+ 401' "$TMP/curl-$p")" '^[2-9]' "$p: wrong password: the server said 401 (twice: without, then with the wrong one)"

	GIT_TRACE_CURL=$TMP/curl-anon-$p run git -c credential.helper= ls-remote "$url"
	is "$((RC != 0))" 1 "$p: anonymous fails"
	like "$ERR" "could not read Username" "$p: anonymous: git wanted a username (prompts disabled)"
	like "$(cat "$TMP/curl-anon-$p")" "Recv header: HTTP/[0-9.]+ 401" "$p: anonymous: the server said 401"

	echo 'replicas: 9' >"$work/apps/demo/values.yaml"
	git -C "$work" commit -qam "anonymous change"
	run git -C "$work" -c credential.helper= push -q origin main
	is "$((RC != 0))" 1 "$p: anonymous push fails"
	is "$(git -C "$GIT_SERVER_ROOT/demo.git" rev-parse main)" "$head" "$p: ... nothing landed"

	git_repo_hook demo pre-receive 'echo "policy: pushes to main are closed" >&2; exit 1'
	echo 'replicas: 3' >"$work/apps/demo/values.yaml"
	git -C "$work" commit -qam "scale demo again"
	run git -C "$work" push origin main
	is "$((RC != 0))" 1 "$p: push refused by the pre-receive hook"
	like "$ERR" "remote: policy: pushes to main are closed" "$p: the hook's message reaches the client"
	like "$ERR" "pre-receive hook declined" "$p: 'pre-receive hook declined'"
	is "$(git -C "$GIT_SERVER_ROOT/demo.git" rev-parse main)" "$head" "$p: nothing landed"
}

t0=$(ms); git_server_start; t1=$(ms)
echo "# HTTP server up in $((t1 - t0)) ms at $GIT_SERVER_URL"
like "$GIT_SERVER_URL" '^http://127\.0\.0\.1:[0-9]+/git$' "HTTP: GIT_SERVER_URL"
is "$GIT_SERVER_USER" gitops "default user"
like "$GIT_SERVER_PASSWORD" '^[0-9a-f]{32}$' "random password"
HTTP_PID=$GIT_SERVER_PID HTTP_URL=$GIT_SERVER_URL HTTP_PW=$GIT_SERVER_PASSWORD
git_cli_env
suite http

t0=$(ms); git_server_start --https; t1=$(ms)
echo "# HTTPS server up in $((t1 - t0)) ms at $GIT_SERVER_URL"
like "$GIT_SERVER_URL" '^https://localhost:[0-9]+/git$' "HTTPS: GIT_SERVER_URL uses localhost"
ok "$([ "$GIT_SERVER_PASSWORD" != "$HTTP_PW" ]; echo $?)" "a new password per start"
is "${GIT_SSL_CAINFO:-}" "$GIT_SERVER_CA" "git_cli_env's GIT_SSL_CAINFO follows a later HTTPS start"
suite https
run env -u GIT_SSL_CAINFO git ls-remote "$GIT_SERVER_URL/demo.git"
like "$ERR" "certificate" "HTTPS: without the CA the certificate is refused"
run git ls-remote "$HTTP_URL/demo.git"
is "$RC" 0 "the first server still runs, and the CLI has its password (by port)" ||
	echo "# $ERR"

git_server_start --user alice --password 'p@ss: w"rd'
printf '%s\n' "$GIT_SERVER_PASSWORD" >>"$PAT"
url=$(git_repo_create team/empty.git --branch trunk)
is "$url" "$GIT_SERVER_URL/team/empty.git" "repo name with a slash and .git"
run git ls-remote --symref "$url"
is "$RC" 0 "--user/--password with odd characters work" || echo "# $ERR"
run git clone -q "$url" "$TMP/empty"
like "$ERR" "empty repository" "an empty repo clones (with a warning)"
echo x >"$TMP/empty/x" && git -C "$TMP/empty" add x && git -C "$TMP/empty" commit -qm x
run git -C "$TMP/empty" push -q origin HEAD:trunk
is "$RC" 0 "push to an empty repo" || echo "# $ERR"
is "$(git -C "$GIT_SERVER_ROOT/team/empty.git" symbolic-ref HEAD)" refs/heads/trunk "--branch sets HEAD"
git_server_stop
run git ls-remote "$url"
like "$ERR" "Failed to connect|Couldn't connect|Connection refused" "git_server_stop: the URL refuses connections"
ok "$(_git_srv_gone "$HTTP_PID"; echo $((1 - $?)))" "git_server_stop left the other servers running"

# The same seed makes the next start pick the same first port: it must retry on another.
RANDOM=4242; git_server_start; P1=$GIT_SERVER_PORT
RANDOM=4242; git_server_start; P2=$GIT_SERVER_PORT
ok "$([ "$P1" != "$P2" ]; echo $?)" "a port in use: the next start retries on another ($P1, $P2)"
run git ls-remote "http://127.0.0.1:$P1/git/nothing.git"
like "$ERR" "not found" "... the first server answers (authenticated: 404 for a missing repo)"
run git ls-remote "http://127.0.0.1:$P2/git/nothing.git"
like "$ERR" "not found" "... and the second"

touch "$TMP/sampler.stop"
wait "$SAMPLER"
is "$(cat "$TMP/sampler.hits")" "" "no process had a password in its argv"
like "$(cat "$TMP/sampler.done")" '^[0-9]{2,}$' "the argv sampler ran ($(cat "$TMP/sampler.done") passes)"
echo "# $(grep -c '' "$PAT") passwords sampled"

git_server_hung
like "$HUNG_URL" '^http://127\.0\.0\.1:[0-9]+/' "HUNG_URL"
run timeout 3 git ls-remote "$HUNG_URL"
is "$RC" 124 "the hung server makes 'timeout 3 git ls-remote' time out"
like "$(cat "$HUNG_LOG" 2>/dev/null)" "^held a connection" "it held git's connection without answering"

# --- Lifecycle: a sub-test leaves nothing behind. ---
# child MODE [SIGNAL]: run this file as a child; prints its TMP once it is up.
child() {
	local mode=$1 sig=${2:-} info=$TMP/child-$1${2:+-$2} pid i
	if [ -z "$sig" ]; then
		GIT_SERVER_T_CHILD=$mode GIT_SERVER_T_INFO=$info bash "$0" >"$info.out" 2>&1
		echo "$?" >"$info.rc"
	else
		# A background child ignores INT unless told otherwise (bash sets it to SIG_IGN).
		GIT_SERVER_T_CHILD=$mode GIT_SERVER_T_INFO=$info env --default-signal=INT bash "$0" >"$info.out" 2>&1 &
		pid=$!
		wait_for 120 test -e "$info.waiting" || echo "# child $mode: not up after 120 s" >&2
		kill -"$sig" "$pid"
		wait "$pid"
		echo "$?" >"$info.rc"
	fi
	cat "$info"
}
# leftovers DIR: the processes whose argv mentions DIR, once they are gone (or after 60 s).
leftovers() {
	wait_for 60 eval "! pgrep -f -- $(printf %q "$1") >/dev/null" || pgrep -af -- "$1"
}
for m in pass fail wait:TERM wait:INT wait:KILL; do
	t0=$(ms)
	ctmp=$(child "${m%%:*}" "$(echo "$m" | sed -n 's/.*://p')")
	t1=$(ms)
	info=$TMP/child-${m/:/-}
	like "$ctmp" '^/.*/gitops-test\.' "child $m: started its servers ($((t1 - t0)) ms)" || sed 's/^/#   /' "$info.out"
	case $m in
	pass) want=0 ;; fail) want=1 ;; *TERM) want=143 ;; *INT) want=130 ;; *KILL) want=137 ;;
	esac
	is "$(cat "$info.rc")" "$want" "child $m: exit status"
	is "$(leftovers "$ctmp")" "" "child $m: no process left"
	if [ "$m" = wait:KILL ]; then
		rm -rf "$ctmp"
	else
		ok "$([ ! -e "$ctmp" ]; echo $?)" "child $m: its TMP is gone"
	fi
done

done_testing
