#!/usr/bin/env bash
# progress.t: a clone (the first fetch into the cache), fetch or push shows its progress on a
# terminal, as git does, and says nothing about it in a pipe, a file or with -q. The terminal is
# a real pty (script(1) from util-linux); stdout goes to a file inside it, so what the pty shows
# is stderr. The remote is the test git server (smart HTTP, basic auth).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

require script

# A manifest repo with enough objects that a clone takes more than one progress step.
FIX=$TMP/fixture
mkdir -p "$FIX/charts/my-app" "$FIX/plain"
printf 'image:\n  repository: registry.example.com/my-app\n  tag: "1040"\nreplicas: 2\n' \
	>"$FIX/charts/my-app/values.yaml"
for i in $(seq 1 150); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-%d\ndata:\n  index: "%d"\n  body: |\n' "$i" "$i" \
		>"$FIX/plain/settings-$i.yaml"
	seq "$i" 7 $((i * 40)) | sed 's/^/    line /' >>"$FIX/plain/settings-$i.yaml"
done

git_server_start
URL=$(git_repo_create manifests --from "$FIX")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD

# on_pty OUT CMD...: run CMD on a pty (stdin, stderr) with stdout into the file OUT; sets PTY to
# what the terminal showed (CR LF as LF, lone CR kept) and RC.
on_pty() {
	local out=$1 cmd
	shift
	cmd=$(printf '%q ' "$@")
	PTY=$(script -qec "$cmd >$(printf '%q' "$out")" /dev/null </dev/null | sed 's/\r$//')
	RC=${PIPESTATUS[0]}
}

# --- in a pipe: nothing about progress -------------------------------------------------------

export XDG_CACHE_HOME=$TMP/cache-pipe
run gitops-history --repo "$URL" --path charts/my-app -o json
is "$RC" 0 "gitops-history clones into an empty cache (stderr a file)"
unlike "$ERR" "receiving objects|resolving deltas|%" "in a file: no progress on stderr"
unlike "$ERR" $'\r' "in a file: no carriage returns on stderr"
run gitops-set-image --repo "$URL" --file charts/my-app/values.yaml --set image.tag=1041 -o json
is "$RC" 0 "gitops-set-image pushes (stderr a file)"
unlike "$ERR" "writing objects|%" "in a file: no push progress on stderr"
out=$(gitops-rollback --repo "$URL" --path charts/my-app --no-hold -o json 2>&1 | cat)
unlike "$out" "objects|%"$'|\r' "in a pipe (2>&1 | cat): no progress"

# --- on a terminal: the clone, then the push --------------------------------------------------

export XDG_CACHE_HOME=$TMP/cache-pty
OBJECTS=$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-list --objects --all | wc -l)
on_pty "$TMP/history.json" gitops-history --repo "$URL" --path charts/my-app -o json
is "$RC" 0 "on a pty: gitops-history exits 0"
like "$PTY" "gitops-history: receiving objects: 100% \\($OBJECTS/$OBJECTS\\), [0-9.]+ (KiB|MiB|bytes), done\\." \
	"on a pty: the clone shows 'receiving objects: 100% ($OBJECTS/$OBJECTS), SIZE, done.' on stderr"
like "$PTY" $'\r'"gitops-history: receiving objects:  *[0-9]{1,2}% \\(" \
	"on a pty: the line is redrawn in place (CR) while objects arrive"
n=$(grep -o 'receiving objects:' <<<"$PTY" | wc -l)
ok $((n <= 101 ? 0 : 1)) "on a pty: at most one draw per whole percent ($n draws)"
is "$(jq -r .kind "$TMP/history.json" | sort -u)" "Revision" "on a pty: stdout (a file) holds only the records"
unlike "$(cat "$TMP/history.json")" $'\r|objects' "on a pty: no progress in stdout"

# Nothing new to fetch: no progress line at all (0 objects).
on_pty "$TMP/again.json" gitops-history --repo "$URL" --path charts/my-app -o json
is "$RC:$PTY" "0:" "on a pty: a fetch that brings nothing new shows no progress"

on_pty "$TMP/set.json" gitops-set-image --repo "$URL" --file charts/my-app/values.yaml --set image.tag=1042 -o json
is "$RC" 0 "on a pty: gitops-set-image exits 0"
like "$PTY" "gitops-set-image: writing objects: 100% \\(([0-9]+)/\\1\\)(, [0-9.]+ (KiB|MiB|bytes))?, done\\." \
	"on a pty: the push shows 'writing objects: 100% (N/N), done.'"
is "$(jq -r .pushed "$TMP/set.json")" true "on a pty: the bump was pushed, its record in stdout"
is "$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" show main:charts/my-app/values.yaml | grep tag:)" '  tag: "1042"' \
	"on a pty: the server has the new tag"

# -q: errors only, so no progress either.
export XDG_CACHE_HOME=$TMP/cache-quiet
on_pty "$TMP/quiet.json" gitops-history -q --repo "$URL" -o json
is "$RC:$PTY" "0:" "on a pty with -q: the clone prints nothing on stderr"
on_pty "$TMP/quiet-set.json" gitops-set-image -q --repo "$URL" --file charts/my-app/values.yaml --set image.tag=1043 -o json
is "$RC:$PTY" "0:" "on a pty with -q: the push prints nothing on stderr"

done_testing
