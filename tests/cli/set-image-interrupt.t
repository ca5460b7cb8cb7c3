#!/usr/bin/env bash
# set-image-interrupt.t: Ctrl-C or a CI job's SIGTERM during gitops-set-image (and gitops-rollback)
# says on stderr what state the remote is in, and prints the Commit record when the push landed:
# "interrupted before push: nothing was pushed" or "interrupted after push: COMMIT is on BRANCH".
# The run still dies of the signal. The points are reached by events (a connection to a server
# that never answers, a post-receive hook that has run), not by timing; random kills check that
# what is said always matches what the server holds.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

git_server_start
URL=$(git_repo_create manifests --from "$FIX")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
main() { git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-parse main; }
# wait_for CMD...: until CMD succeeds, at most 20 s; 0 when it did.
wait_for() { local i; for ((i = 0; i < 400; i++)); do "$@" && return 0; sleep 0.05; done; return 1; }
# start CMD...: in the background with SIGINT as a foreground job has it; PID in $PID.
start() { env --default-signal=INT "$@" >"$TMP/run.out" 2>"$TMP/run.err" & PID=$!; }
finish() { wait "$PID"; RC=$?; OUT=$(cat "$TMP/run.out"); ERR=$(cat "$TMP/run.err"); }

# ---- before the push: in the fetch, from a server that never answers ----
git_server_hung
connected() { grep -q ":$(printf '%04X' "$HUNG_PORT") [0-9A-F:]* 01 " /proc/net/tcp; }
start gitops-set-image --repo "$HUNG_URL" --file "$VALUES" --set image.tag=1.2.4 -o json
wait_for connected
ok $? "set-image is connected to the silent server"
kill -INT "$PID"
finish
is "$RC" 130 "SIGINT in the fetch: it dies of the signal"
is "$ERR" "gitops-set-image: interrupted before push: nothing was pushed" "and says nothing was pushed"
is "$OUT" "" "no record"
is "$(ls -A "$XDG_CACHE_HOME/gitops-tools/repos")" "" "and no clone of the silent server is left in the cache, nor its lock file"

# ---- after the push: the branch moved, the hook holds the connection ----
git_repo_hook manifests post-receive "touch '$TMP/landed'; i=0; while [ ! -e '$TMP/go' ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i+1)); done"
before=$(main)
start gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.4 -o json
wait_for test -e "$TMP/landed"
ok $? "the push reached the server"
kill -TERM "$PID"
touch "$TMP/go"
finish
is "$RC" 143 "SIGTERM during the push: it dies of the signal once the push is done"
now=$(main)
isnt_before=$([ "$now" != "$before" ] && echo moved)
is "$isnt_before" moved "the push landed"
is "$ERR" "gitops-set-image: interrupted after push: ${now:0:12} is on main" "stderr: the commit and the branch"
is "$(jq -r '.commit + " " + .status' <<<"$OUT")" "$now pushed" "stdout: the Commit record of what landed"

# ---- rollback: the same ----
rm -f "$TMP/landed" "$TMP/go"
start gitops-rollback --repo "$URL" --path charts/my-app --no-hold -o json
wait_for test -e "$TMP/landed"
kill -INT "$PID"
touch "$TMP/go"
finish
is "$RC:$ERR" "130:gitops-rollback: interrupted after push: $(main | cut -c1-12) is on main" "rollback interrupted after its push says so"
is "$(jq -r .commit <<<"$OUT")" "$(main)" "and prints its record"

# ---- waiting for another run's lock on the cached clone: only the interrupt is said ----
rm -f "$TMP/landed" "$TMP/go"
start gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.5 -o json
FIRST=$PID
wait_for test -e "$TMP/landed" # the first run holds the clone's lock until its push is done
env --default-signal=INT gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.6 -o json \
	>"$TMP/second.out" 2>"$TMP/second.err" &
SECOND=$!
waiting() { grep -q -- "-> FLOCK *ADVISORY *WRITE *$SECOND " /proc/locks; }
wait_for waiting
ok $? "a second run waits for the first one's lock on the cached clone"
kill -INT "$SECOND"
wait "$SECOND"
is "$?:$(cat "$TMP/second.err")" "130:gitops-set-image: interrupted before push: nothing was pushed" \
	"SIGINT while it waits: it dies of the signal and says only that nothing was pushed"
is "$(cat "$TMP/second.out")" "" "no record"
touch "$TMP/go"
PID=$FIRST
finish
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "the first run, undisturbed, pushes"
git_repo_hook manifests post-receive "true"

# ---- random kills: what is said is what the server holds ----
RUNS=${INTERRUPT_RUNS:-12}
said=0 consistent=0
for ((i = 1; i <= RUNS; i++)); do
	before=$(main)
	start gitops-set-image --repo "$URL" --file "$VALUES" --set "image.tag=3.0.$i" -o json
	sleep "$(printf '0.%03d' $((RANDOM % 600)))"
	kill -INT "$PID" 2>/dev/null
	finish
	now=$(main)
	case $ERR in
	"gitops-set-image: interrupted before push: nothing was pushed")
		said=$((said + 1))
		[ "$now" = "$before" ] && [ -z "$OUT" ] && consistent=$((consistent + 1)) ;;
	"gitops-set-image: interrupted after push: ${now:0:12} is on main")
		said=$((said + 1))
		[ "$(jq -r .commit <<<"$OUT")" = "$now" ] && consistent=$((consistent + 1)) ;;
	"")
		# done before the signal, or killed before main() began (the dynamic loader): nothing done
		if [ "$RC" = 0 ] || { [ "$RC" = 130 ] && [ "$now" = "$before" ] && [ -z "$OUT" ]; }; then
			said=$((said + 1)) consistent=$((consistent + 1))
		fi ;;
	*) echo "# run $i: rc $RC: $ERR" ;;
	esac
done
is "$said" "$RUNS" "every run interrupted said where it stopped (or had finished, or not begun)"
is "$consistent" "$RUNS" "and what it said is what the server holds"

done_testing
