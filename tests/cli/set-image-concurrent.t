#!/usr/bin/env bash
# set-image-concurrent.t: gitops-set-image under many concurrent writers on one branch, with the
# defaults (no --max-attempts, no --timeout): the retries are bounded by a deadline, not a count,
# so 50 pipelines bumping different keys of one file all land, and 10 bumping the same key end at
# the highest build id (the older ones refused, exit 1). Counts, not timings; checked with git.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
WRITERS=${CONCURRENT_WRITERS:-50}
SAME=${CONCURRENT_SAME_KEY:-10}

git_server_start
git_cli_env
mkdir -p "$TMP/seed"
{
	echo "# one key per pipeline"
	for ((i = 1; i <= WRITERS; i++)); do printf 'k%02d: old\n' "$i"; done
	echo "image:"
	echo "  tag: \"1000\""
} >"$TMP/seed/values.yaml"
URL=$(git_repo_create manifests --from "$TMP/seed")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
G() { git --git-dir="$GIT_SERVER_ROOT/manifests.git" "$@"; }

# ---- 50 writers, 50 keys: every one lands ----
pids=()
for ((i = 1; i <= WRITERS; i++)); do
	k=$(printf 'k%02d' "$i")
	# each pipeline runs on its own agent: its own cache
	XDG_CACHE_HOME=$TMP/c-$i gitops-set-image --repo "$URL" --file values.yaml --set "$k=new$i" -o json \
		>"$TMP/w-$i.out" 2>"$TMP/w-$i.err" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
is "$failed" 0 "all $WRITERS writers exit 0 with the defaults"
[ "$failed" = 0 ] || for ((i = 1; i <= WRITERS; i++)); do [ -s "$TMP/w-$i.err" ] && sed "s/^/# w$i: /" "$TMP/w-$i.err" | head -2; done
content=$(G show main:values.yaml)
landed=0
for ((i = 1; i <= WRITERS; i++)); do grep -qx "$(printf 'k%02d' "$i"): new$i" <<<"$content" && landed=$((landed + 1)); done
is "$landed" "$WRITERS" "every key landed: no update lost"
is "$(G rev-list --count main)" "$((WRITERS + 1))" "one commit each, on a straight line"
echo "# attempts: max $(jq -s 'map(.attempts) | max' "$TMP"/w-*.out), total $(jq -s 'map(.attempts) | add' "$TMP"/w-*.out)"

# ---- 10 writers, one key: the highest build id wins whatever the order ----
pids=()
for ((i = 1; i <= SAME; i++)); do
	XDG_CACHE_HOME=$TMP/s-$i gitops-set-image --repo "$URL" --file values.yaml --set "image.tag=$((1000 + i))" -o json \
		>"$TMP/s-$i.out" 2>"$TMP/s-$i.err" &
	pids+=($!)
done
codes=()
for p in "${pids[@]}"; do wait "$p"; codes+=($?); done
is "$(printf '%s\n' "${codes[@]}" | grep -cv '^[01]$')" 0 "each same-key writer pushed (0) or was refused as older (1), none failed"
like "$(G show main:values.yaml)" "tag: \"$((1000 + SAME))\"" "the branch ends at the highest build id, $((1000 + SAME))"
is "$(cat "$TMP"/s-*.err | grep -cv 'is older than the current')" 0 "the only messages are refusals of older ids"

done_testing
