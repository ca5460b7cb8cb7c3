#!/usr/bin/env bash
# gitops-set-image against a real smart-HTTP git server, checked with the real git CLI.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$FIX")
ROOT=$GIT_SERVER_ROOT
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD

# show REV:PATH of the server's repo (bare, read directly).
show() { git --git-dir="$ROOT/manifests.git" show "$1"; }
head_of() { git --git-dir="$ROOT/manifests.git" rev-parse "${1:-main}"; }
# Every output and file a test run left, to grep for the token.
all_output() { printf '%s\n%s\n' "$OUT" "$ERR"; }

# ---- the CI step: one tag, every other byte kept ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.4 -o json
is "$RC" 0 "bump exits 0"
is "$(jq -r '.kind + " " + .status + " " + .branch' <<<"$OUT")" "Commit pushed main" "record: Commit, pushed, default branch"
is "$(jq -r '.changes[0] | .path + " " + .old + " -> " + .new' <<<"$OUT")" "image.tag 1.2.3 -> 1.2.4" "record: the change"
is "$(jq -r .parent <<<"$OUT")" "$before" "record: parent is the old tip"
is "$(jq -r .commit <<<"$OUT")" "$(head_of)" "record: commit is the new tip on the server"
is "$(jq -r .repo <<<"$OUT")" "$URL" "record: repo URL without credentials"
is "$(jq -r .attempts <<<"$OUT")" 1 "record: one attempt"
is "$(show main:$VALUES)" "$(sed 's/^  tag: "1.2.3"   # keep quoted$/  tag: "1.2.4"   # keep quoted/' "$FIX/$VALUES")" \
	"only the tag's bytes changed (comments, quoting, other tag: lines, anchors kept)"
is "$(git --git-dir="$ROOT/manifests.git" log -1 --format='%s|%an' main)" \
	"Update $VALUES: image.tag 1.2.3 -> 1.2.4|gitops-set-image" "default message and bot author"
is "$(git --git-dir="$ROOT/manifests.git" rev-parse main^)" "$before" "the commit's parent is the old tip"
is "$(git --git-dir="$ROOT/manifests.git" diff --name-only main^ main)" "$VALUES" "one file changed"

# ---- an all-digit build id stays a string ----
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1043 --force -o json
is "$RC" 0 "a build id as tag"
like "$(show main:$VALUES)" '  tag: "1043"   # keep quoted' "written quoted: a YAML reader keeps it a string"
run gitops-set-image --repo "$URL" --file "$VALUES" --set apps.worker.image.tag=1041 --set apps.web.image.tag=1041 -o json
is "$RC" 0 "two keys in one run"
like "$(show main:$VALUES)" "tag: '1041'" "single-quoted string stays single-quoted"
like "$(show main:$VALUES)" $'worker:\n    image:\n      tag: 1041' "a number stays a plain number"
is "$(git --git-dir="$ROOT/manifests.git" log -1 --format=%s main)" \
	"Update $VALUES: apps.worker.image.tag 1040 -> 1041, apps.web.image.tag 1040 -> 1041" "one commit for both"
like "$(show main:$VALUES)" 'tag: v1.29.1' "the sidecar's tag: is untouched"

# ---- no-op ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1043 -o json
is "$RC" 0 "setting the current value exits 0"
is "$(jq -r '.status + " " + (.pushed|tostring) + " " + (.commit|tostring)' <<<"$OUT")" "unchanged false null" "record says unchanged"
is "$(head_of)" "$before" "no commit was made"

# ---- supersession guard ----
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1042 -o json
is "$RC" 1 "an older build id is refused (exit 1)"
like "$ERR" 'older than the current 1043' "and says why"
is "$OUT" "" "nothing on stdout when refused"
is "$(head_of)" "$before" "nothing pushed"
run gitops-set-image --repo "$URL" --file "$VALUES" --set sidecar.image.tag=v1.28.0 -o json
is "$RC" 1 "an older semver is refused"
run gitops-set-image --repo "$URL" --file "$VALUES" --set sidecar.image.tag=v1.30.0-rc.1 -o json
is "$RC" 0 "a newer pre-release is written"
run gitops-set-image --repo "$URL" --file "$VALUES" --set sidecar.image.tag=v1.29.1 --force -o json
is "$RC" 0 "--force writes an older version"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=latest -o json
is "$RC" 0 "values that are not versions are not guarded"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1044 -o json
is "$RC" 0 "from latest to a build id"

# ---- author, message, skip-ci ----
run gitops-set-image --repo "$URL" --file "$VALUES" --set replicaCount=3 \
	--author "Azure Pipelines <pipelines@example.com>" -m "Scale my-app" --skip-ci -o text
is "$RC" 0 "--author --message --skip-ci"
is "$(git --git-dir="$ROOT/manifests.git" log -1 --format='%s|%an|%ae|%cn' main)" \
	"Scale my-app [skip ci]|Azure Pipelines|pipelines@example.com|Azure Pipelines" "author, committer and message as given"
like "$OUT" '^pushed [0-9a-f]{12} to .* main: replicaCount 2 -> 3 \(1 attempt\)$' "-o text is one line"
export GIT_AUTHOR_NAME="CI Bot" GIT_AUTHOR_EMAIL=ci@example.com
run gitops-set-image --repo "$URL" --file "$VALUES" --set replicaCount=4 -o json
is "$(git --git-dir="$ROOT/manifests.git" log -1 --format='%an <%ae>' main)" "CI Bot <ci@example.com>" "GIT_AUTHOR_NAME/EMAIL"
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
run gitops-set-image --repo "$URL" --file "$VALUES" --set replicaCount=5 --author "nobody" -o json
is "$RC" 2 "a malformed --author is a usage error"

# ---- --image: kustomization and plain manifests ----
run gitops-set-image --repo "$URL" --file overlays/prod/kustomization.yaml --image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:1044 -o json
is "$RC" 0 "--image in a kustomization"
like "$(show main:overlays/prod/kustomization.yaml)" 'newTag: "1044"' "newTag set, as a string"
run gitops-set-image --repo "$URL" --file plain/deploy.yaml --image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:1044 -o json
is "$RC" 0 "--image in a plain manifest"
is "$(show main:plain/deploy.yaml | od -c | md5sum)" "$(sed 's#my-app:1.2.3#my-app:1044#' "$FIX/plain/deploy.yaml" | od -c | md5sum)" \
	"both containers of that image changed; CRLF, comments, the other image and the missing final newline kept"

# ---- bad input: exit 2, nothing pushed ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.nope=1 -o json
is "$RC" 2 "a key that does not exist"
like "$ERR" 'image.nope' "the message names the key"
run gitops-set-image --repo "$URL" --file nope.yaml --set a=1 -o json
is "$RC" 2 "a file that does not exist"
like "$ERR" 'nope.yaml' "the message names the file"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image=1 -o json
is "$RC" 2 "a key that is a map"
run gitops-set-image --repo "$URL" --file "$VALUES" -o json
is "$RC" 2 "nothing to set"
run gitops-set-image --repo "$URL" --set a=1 -o json
is "$RC" 2 "no --file"
run gitops-set-image --repo "$URL" --file "$VALUES" --set noequals -o json
is "$RC" 2 "--set without ="
is "$(head_of)" "$before" "nothing was pushed by any of them"
run gitops-set-image --repo "$URL" --file "$VALUES" --set newkey.tag=1 --create -o json
is "$RC" 0 "--create adds a missing key"
like "$(show main:$VALUES)" $'newkey:\n  tag: 1' "created at the end with the file's indentation"

# ---- hold ----
hold_repo=$TMP/hold-work
git clone -q "$URL" "$hold_repo" && printf 'reason: bad release\n' >"$hold_repo/charts/my-app/.gitops-hold" &&
	git -C "$hold_repo" add -A && git -C "$hold_repo" commit -qm "Hold my-app" && git -C "$hold_repo" push -q origin main
ok $? "a hold is committed by hand"
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 -o json
is "$RC" 1 "a held file is refused (exit 1)"
like "$ERR" "values.yaml is held: bad release \\(charts/my-app/.gitops-hold\\); lift it with 'gitops-rollback --release --path charts/my-app'" \
	"and says why, where and how to lift it"
like "$ERR" '--if-held skip' "and names --if-held skip"
is "$(head_of)" "$before" "nothing pushed under a hold"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --if-held fail -o json
is "$RC:$OUT" "1:" "--if-held fail is the default: exit 1, no record"
# --if-held skip: a CI build during a hold stays green, and the record says the file was left alone
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --if-held skip -o json
is "$RC" 0 "--if-held skip: exit 0"
is "$(jq -r '.status + " " + (.pushed|tostring) + " " + (.commit|tostring)' <<<"$OUT")" "held false null" \
	"record: held, not pushed, no commit"
is "$(jq -r '.heldBy.file + ": " + .heldBy.reason' <<<"$OUT")" "charts/my-app/.gitops-hold: bad release" "record: held by which hold, and why"
is "$(jq -r '.changes[0] | .path + " " + .new + " " + (.changed|tostring)' <<<"$OUT")" "image.tag 1045 false" \
	"record: the change asked for, not made"
like "$ERR" '^gitops-set-image: warning: charts/my-app/values.yaml is held: bad release \(charts/my-app/.gitops-hold\), not changed \(--if-held skip\)$' \
	"a warning on stderr says so"
is "$(head_of)" "$before" "nothing pushed"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --if-held skip -o text
is "$RC:$OUT" "0:$VALUES: held: bad release (charts/my-app/.gitops-hold), not changed" "-o text: one line says held, not changed"
is "$ERR" "" "and no warning besides it"
# examples/azure-pipelines.yml's step, as Azure runs it (macros expanded first, then bash): a warning, exit 0.
step=$("$BUILD/tests/yaml2json" <"$TOP/examples/azure-pipelines.yml" |
	jq -r '.steps[] | select(.displayName == "Set the image tag in the manifest repo") | .script')
step=${step//'$(manifestRepo)'/$URL} step=${step//'$(tag)'/1045} step=${step//'$(imageRepository)'/my-app}
step=${step//'$(Build.BuildNumber)'/20260101.1}
run bash -c "$step"
is "$RC" 0 "the Azure Pipelines example's step: exit 0 during a hold"
like "$OUT" $'\n##vso\\[task.logissue type=warning\\]charts/my-app/values.yaml is held by a rollback \\(bad release\\): not deployed$' \
	"and a build warning saying why"
is "$(head_of)" "$before" "nothing pushed by it"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --if-held skip --override-hold -o json
is "$RC" 2 "--if-held skip with --override-hold is a usage error"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --if-held maybe -o json
is "$RC" 2 "--if-held takes fail or skip"
like "$ERR" 'use fail or skip' "and says so"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1045 --override-hold -o json
is "$RC" 0 "--override-hold"
run gitops-set-image --repo "$URL" --file overlays/prod/kustomization.yaml --image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:1045 -o json
is "$RC" 0 "files outside the held directory are not held"
git -C "$hold_repo" pull -q && git -C "$hold_repo" rm -q charts/my-app/.gitops-hold &&
	git -C "$hold_repo" commit -qm "Release the hold" && git -C "$hold_repo" push -q origin main
ok $? "the hold is lifted by hand"

# ---- dry run ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1046 --dry-run -o json
is "$RC" 0 "--dry-run"
is "$(jq -r '.status + " " + (.pushed|tostring)' <<<"$OUT")" "dry-run false" "record says dry-run, not pushed"
is "$(head_of)" "$before" "nothing pushed"

# ---- branches ----
git -C "$hold_repo" pull -q && git -C "$hold_repo" push -q origin main:release
run gitops-set-image --repo "$URL" --branch release --file "$VALUES" --set image.tag=2000 -o json
is "$RC" 0 "--branch"
like "$(show release:$VALUES)" 'tag: "2000"' "landed on release"
unlike "$(show main:$VALUES)" 'tag: "2000"' "not on main"
run gitops-set-image --repo "$URL" --branch nope --file "$VALUES" --set image.tag=2001 -o json
is "$RC" 2 "a branch that does not exist"
like "$ERR" "no branch 'nope'" "says so"

# ---- credentials ----
run gitops-set-image --repo "${URL/http:\/\//http://gitops:$GIT_SERVER_PASSWORD@}" --file "$VALUES" --set image.tag=2002 -o json
is "$RC" 2 "a URL with a password is refused"
like "$ERR" 'GITOPS_GIT_TOKEN' "and the message says how to pass the token"
unlike "$(all_output)" "$GIT_SERVER_PASSWORD" "the password is not echoed"
before=$(head_of)
GITOPS_GIT_TOKEN=wrong-token-value run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2003 -o json
is "$RC" 3 "a wrong token is a remote failure (exit 3)"
like "$ERR" 'authentication failed' "with a clear message"
is "$(grep -c . <<<"$ERR")" 1 "on one line"
unlike "$(all_output)" 'wrong-token-value' "the token is not printed"
ok $([ "$(git --git-dir="$ROOT/manifests.git" rev-parse main)" = "$before" ]; echo $?) "nothing pushed"
GITOPS_GIT_TOKEN= run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2003 -o json
is "$RC" 3 "no token at all"
like "$ERR" 'no token was given' "says no token was given"
printf '%s\n' "$GIT_SERVER_PASSWORD" >"$TMP/token"
GITOPS_GIT_TOKEN= run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2004 --password-file "$TMP/token" -o json
is "$RC" 0 "--password-file"
GITOPS_GIT_TOKEN= gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2005 --password-stdin -o json <"$TMP/token" >/dev/null 2>&1
is "$?" 0 "--password-stdin"
GITOPS_GIT_TOKEN= SYSTEM_ACCESSTOKEN=$GIT_SERVER_PASSWORD run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2006 -o json
is "$RC" 0 "SYSTEM_ACCESSTOKEN (Azure Pipelines)"
GITOPS_GIT_USERNAME=someone-else run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=2007 -o json
is "$RC" 3 "GITOPS_GIT_USERNAME is used (a wrong user fails)"

# ---- remote failures ----
hook_url=$(git_repo_create hooked --from "$FIX")
git_repo_hook hooked pre-receive 'echo "policy: direct pushes to main are not allowed" >&2; exit 1'
run gitops-set-image --repo "$hook_url" --file "$VALUES" --set image.tag=1.2.4 --max-attempts 5 -o json
is "$RC" 3 "a hook rejection is a remote failure"
like "$ERR" 'rejected: pre-receive hook declined' "names the reason"
unlike "$ERR" 'gave up' "and is not retried"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run gitops-set-image --repo "http://127.0.0.1:$port/git/x.git" --file "$VALUES" --set image.tag=1 -o json
is "$RC" 3 "an unreachable server"
git_server_hung
start=$SECONDS
run timeout 30 gitops-set-image --repo "$HUNG_URL/git/x.git" --file "$VALUES" --set image.tag=1 --timeout 2 -o json
is "$RC" 3 "a server that never answers gives exit 3, not a hang"
like "$ERR" 'timed out after 2 s' "and says it timed out"

# ---- a bare repo path, and local files ----
run gitops-set-image --repo "$ROOT/manifests.git" --file "$VALUES" --set image.tag=3000 -o json
is "$RC" 0 "--repo PATH to a bare repo"
like "$(show main:$VALUES)" 'tag: "3000"' "landed"
cp "$FIX/$VALUES" "$TMP/values.yaml"
run gitops-set-image --file "$TMP/values.yaml" --set image.tag=1.2.4 -o json
is "$RC" 0 "without --repo the file is edited in place"
is "$(jq -r '.status + " " + (.repo|tostring)' <<<"$OUT")" "written null" "record: written, no repo"
is "$(cat "$TMP/values.yaml")" "$(sed 's/"1.2.3"/"1.2.4"/' "$FIX/$VALUES")" "only the tag changed on disk"
ls "$TMP"/values.yaml.tmp.* >/dev/null 2>&1
ok $((! $?)) "no temporary file left"
cp "$TMP/values.yaml" "$TMP/before.yaml"
run gitops-set-image --file "$TMP/values.yaml" --set image.tag=1.2.9 --dry-run -o json
cmp -s "$TMP/values.yaml" "$TMP/before.yaml"
ok $? "--dry-run leaves the file alone"
mkdir -p "$TMP/held/charts/app" && cp "$FIX/$VALUES" "$TMP/held/charts/app/values.yaml" &&
	printf 'reason: canary failed\nauthor: Ann Example <ann@example.com>\ntime: "2026-01-02T03:04:05Z"\n' >"$TMP/held/charts/.gitops-hold"
run gitops-set-image --file "$TMP/held/charts/app/values.yaml" --set image.tag=1.2.9 -o json
is "$RC" 1 "a file on disk below a held directory (a level up) is refused"
like "$ERR" 'is held by Ann Example <ann@example.com> since 2026-01-02T03:04:05Z: canary failed' "by whom, since when, why"
run gitops-set-image --file "$TMP/held/charts/app/values.yaml" --set image.tag=1.2.9 --if-held skip -o json
is "$RC:$(jq -r '.status + " " + .heldBy.author' <<<"$OUT")" "0:held Ann Example <ann@example.com>" "--if-held skip on disk: exit 0, record held"
cmp -s "$TMP/held/charts/app/values.yaml" "$FIX/$VALUES"
ok $? "and the file is untouched"
printf 'a: [1, 2\n' >"$TMP/broken.yaml"
run gitops-set-image --file "$TMP/broken.yaml" --set a=1 -o json
is "$RC" 2 "a YAML error is bad input"
like "$ERR" 'broken.yaml:[0-9]+:[0-9]+: ' "with file:line:column"
is "$(cat "$TMP/broken.yaml")" "a: [1, 2" "and the file is untouched"

# ---- a hold on disk that is a symbolic link: refused, whether it leads somewhere or nowhere ----
mkdir -p "$TMP/held"
cp "$FIX/$VALUES" "$TMP/held/values.yaml"
printf 'reason: planted elsewhere\n' >"$TMP/elsewhere-hold"
ln -s "$TMP/elsewhere-hold" "$TMP/held/.gitops-hold"
run gitops-set-image --file "$TMP/held/values.yaml" --set image.tag=7.7.7 -o json
is "$RC" 2 "a .gitops-hold that is a symbolic link: refused, exit 2"
like "$ERR" "held/\.gitops-hold: a hold must be a file, not a symbolic link" "says why"
rm "$TMP/held/.gitops-hold"
ln -s "$TMP/nothing-there" "$TMP/held/.gitops-hold"
run gitops-set-image --file "$TMP/held/values.yaml" --set image.tag=7.7.7 -o json
is "$RC" 2 "a dangling .gitops-hold link: refused, not taken as 'not held'"
cmp -s "$FIX/$VALUES" "$TMP/held/values.yaml"
ok $? "the file is untouched"

# ---- the token is nowhere on disk ----
grep -rl -- "$GIT_SERVER_PASSWORD" "$XDG_CACHE_HOME" >/dev/null 2>&1
ok $((! $?)) "the token is in no file of the cache"

# ---- concurrency: 20 writers, different keys, all land ----
conc_url=$(git_repo_create conc --from "$FIX")
git clone -q "$conc_url" "$TMP/conc" && for i in $(seq -w 1 20); do echo "key$i: old"; done >>"$TMP/conc/$VALUES" &&
	git -C "$TMP/conc" commit -qam "keys" && git -C "$TMP/conc" push -q origin main
pids=()
for i in $(seq -w 1 20); do
	XDG_CACHE_HOME=$TMP/cache-$i gitops-set-image --repo "$conc_url" --file "$VALUES" --set "key$i=new$i" \
		--max-attempts 40 -o json >"$TMP/conc-$i.out" 2>"$TMP/conc-$i.err" &
	pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the test's servers run in the background too
content=$(git --git-dir="$ROOT/conc.git" show main:$VALUES)
landed=0
for i in $(seq -w 1 20); do grep -qx "key$i: new$i" <<<"$content" && landed=$((landed + 1)); done
is "$landed" 20 "20 concurrent writers to one branch: every update landed"
is "$(git --git-dir="$ROOT/conc.git" rev-list --count main)" 22 "one commit each, history linear"
retried=$(cat "$TMP"/conc-*.out | jq -s '[.[] | select(.attempts > 1)] | length')
ok $([ "$retried" -gt 0 ]; echo $?) "some writers had to retry ($retried), and did"

# ---- concurrency: 10 writers bump one key to increasing build ids: the highest wins ----
pids=()
for i in $(seq 101 110); do
	XDG_CACHE_HOME=$TMP/cache-b$i gitops-set-image --repo "$conc_url" --file "$VALUES" --set "image.tag=$i" \
		--max-attempts 40 -o json >"$TMP/bump-$i.out" 2>"$TMP/bump-$i.err" &
	pids+=($!)
done
wait "${pids[@]}"
like "$(git --git-dir="$ROOT/conc.git" show main:$VALUES)" '  tag: "110"   # keep quoted' \
	"10 concurrent bumps of one key end at the highest build id"
bad=$(cat "$TMP"/bump-*.err | grep -v 'older than the current' | grep -c .)
is "$bad" 0 "the only refusals are older builds losing to newer ones"

# ---- HTTPS ----
git_server_start --https
https_url=$(git_repo_create tls --from "$FIX")
GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD run gitops-set-image --repo "$https_url" --file "$VALUES" --set image.tag=1.2.4 -o json
is "$RC" 3 "an unknown CA is refused"
like "$ERR" 'TLS' "with a TLS message"
GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD run gitops-set-image --repo "$https_url" --file "$VALUES" --set image.tag=1.2.4 --ca-file "$GIT_SERVER_CA" -o json
is "$RC" 0 "--ca-file"
GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD run gitops-set-image --repo "$https_url" --file "$VALUES" --set image.tag=1.2.5 --insecure-skip-tls-verify -o json
is "$RC" 0 "--insecure-skip-tls-verify"
run gitops-set-image --repo "$https_url" --file "$VALUES" --set image.tag=1.2.6 --ca-file "$TMP/nope.pem" -o json
is "$RC" 2 "a missing --ca-file is bad input"

done_testing
