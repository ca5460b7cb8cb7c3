#!/usr/bin/env bash
# cache.t: the cache the tools share ($XDG_CACHE_HOME/gitops-tools) against the real smart-HTTP git
# server: a first fetch that fails (no such repository, a refused token, nobody listening) leaves
# no empty clone and no lock file behind, a good clone survives a later failure; gitops-render's
# render cache is bounded (--cache-max-size) by last use; gitops-cache lists (ls), measures (du),
# prunes by age and clears the cache, never removing a clone another process holds.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
command -v jq >/dev/null 2>&1 || { echo "1..0 # skip no jq"; exit 0; }

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/xdg TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"
CACHE=$XDG_CACHE_HOME/gitops-tools

# What the clone area holds, one name a line (nothing when the cache was never made).
repos() { ls -A "$CACHE/repos" 2>/dev/null | sed 's/-[0-9a-f]\{16\}\.git/-HASH.git/' | paste -sd' '; }

# A manifest repo: a kustomization of one ConfigMap; each revision a value of the same length, so
# that every render output has the same size.
SRC=$TMP/src
mkdir -p "$SRC/app"
printf 'resources:\n- cm.yaml\n' >"$SRC/app/kustomization.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: "v1"\n' >"$SRC/app/cm.yaml"
git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
W=$TMP/work
git clone -q "$URL" "$W"
for v in 2 3 4; do
	sed -i "s/level: \"v[0-9]\"/level: \"v$v\"/" "$W/app/cm.yaml"
	git -C "$W" commit -qam "level v$v"
	git -C "$W" tag "v$v"
done
git -C "$W" tag v1 HEAD~3
git -C "$W" push -q origin main v1 v2 v3 v4

# ---------------------------------------------------------------------------------------------
# A failed first fetch leaves nothing behind

run env GITOPS_GIT_TOKEN="$GIT_SERVER_PASSWORD" gitops-history --repo "$GIT_SERVER_URL/no-such-repo.git" -o json
is "$RC" 3 "a repository the server does not have: exit 3"
is "$(repos)" "" "no empty clone and no lock file left"
run env GITOPS_GIT_TOKEN=not-the-token gitops-render --repo "$URL" --path app --kustomize kubectl -o json
is "$RC" 3 "a refused token: exit 3"
like "$ERR" "gitops-render: .*(401|auth)" "the refusal is named"
is "$(repos)" "" "no empty clone and no lock file left"
run env GITOPS_GIT_TOKEN="$GIT_SERVER_PASSWORD" gitops-set-image --repo "http://127.0.0.1:1/nobody.git" \
	--file app/cm.yaml --set data.level=v9 --timeout 10
is "$RC" 3 "nobody listening: exit 3"
is "$(repos)" "" "no empty clone and no lock file left"

export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
run gitops-history --repo "$URL" --path app -o json
is "$RC" 0 "a good first fetch: exit 0"
is "$(repos)" "manifests-HASH.git manifests-HASH.git.lock" "the clone and its lock file stay"
run env GITOPS_GIT_TOKEN=not-the-token gitops-history --repo "$URL" --path app -o json
is "$RC" 3 "a later fetch refused: exit 3"
is "$(repos)" "manifests-HASH.git manifests-HASH.git.lock" "the clone fetched before is kept"

# ---------------------------------------------------------------------------------------------
# gitops-render --cache-max-size: the least recently used outputs go after a write

outputs() { find "$CACHE/render/out" -type f 2>/dev/null | wc -l; }
# kustomize itself (--engine exec), so that its version is cached too (the "engine" entry below)
render() { gitops-render --repo "$URL" --revision "$1" --path app --engine exec --kustomize kubectl -v -o json "${@:2}"; }
run render v1
is "$RC" 0 "render v1"
SIZE=$(find "$CACHE/render/out" -type f -exec stat -c %s {} + | head -n 1)
ok "$([ "${SIZE:-0}" -gt 0 ] && echo 0 || echo 1)" "one render output, $SIZE bytes"
BOUND=$((SIZE * 2 + SIZE / 2)) # room for two outputs
run render v2 --cache-max-size "$BOUND"
is "$(outputs)" 2 "two outputs fit under --cache-max-size $BOUND"
run render v1 --cache-max-size "$BOUND"
like "$ERR" "render cache hit" "v1 again: from the cache, and now the most recently used"
run render v3 --cache-max-size "$BOUND"
is "$RC:$(outputs)" "0:2" "a third output: one had to go"
run render v1 --cache-max-size "$BOUND"
like "$ERR" "render cache hit" "v1, used just before, was kept"
run render v2 --cache-max-size "$BOUND"
unlike "$ERR" "render cache hit" "v2, the least recently used, was removed"
is "$(jq -r .data.level <<<"$OUT")" v2 "and renders again from the engine"
run render v4 --cache-max-size 0
is "$RC:$(outputs)" "0:0" "--cache-max-size 0 keeps nothing"
run render v4
is "$(outputs)" 1 "the default bound keeps a new output"
run gitops-render --repo "$URL" --revision v4 --path app --cache-max-size lots
is "$RC" 2 "--cache-max-size that is not a size: exit 2"

# ---------------------------------------------------------------------------------------------
# gitops-cache ls, du

run gitops-cache ls -o json
is "$RC" 0 "ls: exit 0"
is "$(jq -r '.kind + " " + .type' <<<"$OUT" | sort | uniq -c | awk '{print $1, $3}' | paste -sd,)" \
	"1 clone,1 engine,1 render" "ls: a CacheEntry for the clone, the render output and the engine's version"
like "$(jq -r 'select(.type == "clone") | .name + " " + .lastUsed' <<<"$OUT")" \
	'^manifests-[0-9a-f]{16}\.git [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "ls: the clone's name and when it was last used"
CLONE_BYTES=$(jq -r 'select(.type == "clone") | .bytes' <<<"$OUT")
is "$CLONE_BYTES" "$(find "$CACHE/repos" -type f -exec stat -c %s {} + | awk '{s += $1} END {print s}')" \
	"ls: a clone's bytes are its files' sizes added up"
run gitops-cache ls -o text
like "$(head -n 1 <<<"$OUT")" '^TYPE +SIZE +LAST USED +NAME$' "ls -o text: a table"
like "$OUT" $'\nclone +[0-9.]+ (B|KiB|MiB) +20[0-9-]+T[0-9:]+Z +manifests-' "ls -o text: the clone's row"
run gitops-cache du -o json
is "$(jq -c '[.kind, .types.clone.entries, .types.render.entries, .entries]' <<<"$OUT")" '["CacheUsage",1,1,3]' \
	"du: entries per type and in all"
is "$(jq -r '.bytes == (.types | map(.bytes) | add)' <<<"$OUT")" true "du: the total is the sum of the types"
is "$(jq -r .root <<<"$OUT")" "$CACHE" "du: names the cache it measured"
run gitops-cache --type render du -o text
like "$OUT" $'^TYPE +ENTRIES +SIZE\nrender +1 +[0-9.]+ (B|KiB)\ntotal +1 ' "du --type render -o text: that type only"

# ---------------------------------------------------------------------------------------------
# gitops-cache prune --older-than, clear; a clone in use is never removed

find "$CACHE/render/out" -type f -exec touch -d '3 days ago' {} +
run gitops-render --repo "$URL" --revision v3 --path app --kustomize kubectl -o json
is "$(find "$CACHE/render/out" -type f -mtime +2 | wc -l):$(outputs)" 1:2 "an output last used three days ago, one today"
run gitops-cache prune --older-than 2d --dry-run -o json
is "$RC:$(jq -r '.status + " " + .type' <<<"$OUT")" "0:planned render" "prune --dry-run: names the old output"
is "$(outputs)" 2 "and removes nothing"
run gitops-cache prune --older-than 2d -o text
is "$RC" 0 "prune --older-than 2d: exit 0"
like "$OUT" $'\nremoved +render +' "prune -o text: the removed entry"
like "$OUT" $'\n1 removed \\([0-9.]+ (B|KiB)\\), 0 in use$' "and the count"
is "$(outputs)" 1 "the recent output stays"
is "$(repos)" "manifests-HASH.git manifests-HASH.git.lock" "the clone, used today, stays"

LOCK=$(ls "$CACHE"/repos/*.lock)
# Another process holding the clone, as a running tool does (one process: killing it releases the lock).
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1], "r+"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$LOCK" &
HOLDER=$!
for _ in $(seq 100); do flock -n "$LOCK" true || break; sleep 0.1; done
run gitops-cache clear -o json
is "$RC" 1 "clear while a tool holds the clone: exit 1"
is "$(jq -r 'select(.type == "clone") | .status' <<<"$OUT")" "in use" "the held clone is reported in use"
like "$ERR" "1 in use by a running tool, not removed" "and why it stayed"
is "$(repos)" "manifests-HASH.git manifests-HASH.git.lock" "the held clone is untouched"
is "$(outputs)" 0 "everything else is gone"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
run gitops-cache clear -o json
is "$RC:$(repos)" "0:" "clear once released: the clone and its lock file are gone"
run gitops-history --repo "$URL" --path app -o json
is "$RC" 0 "the next run clones again"

# ---------------------------------------------------------------------------------------------
# Usage

run gitops-cache
is "$RC" 2 "no command: exit 2"
run gitops-cache rm
is "$RC:$ERR" "2:gitops-cache: rm: not a command (ls, du, prune, clear)" "an unknown command: exit 2, the commands named"
run gitops-cache prune
is "$RC:$ERR" "2:gitops-cache: prune: --older-than DURATION is needed: it says which entries are old" "prune without an age: exit 2"
run gitops-cache prune --older-than soon
is "$RC:$ERR" "2:gitops-cache: --older-than soon: not a duration (e.g. 30s, 5m, 1h30m, 300ms; a bare number is seconds)" \
	"an age that is not one: exit 2, the one duration message"
run gitops-cache ls --older-than 1d
is "$RC" 2 "--older-than with ls: exit 2"
run gitops-cache ls --type nothing
is "$RC" 2 "--type that names no type: exit 2"
run gitops-cache --cache-dir "$TMP/never-made" du -o json
is "$RC:$(jq -c '[.entries, .bytes]' <<<"$OUT")" "0:[0,0]" "a cache that does not exist is empty"

done_testing
