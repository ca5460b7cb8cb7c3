#!/usr/bin/env bash
# render-repo.t: gitops-render --repo URL --revision REV --path P against the real smart-HTTP git
# server (tests/servers/git.sh, basic auth). Rendering an older revision straight from the remote
# equals rendering a checkout of that revision, for a Helm chart, a Kustomize overlay that reaches
# into ../../base, and a plain directory; revisions as tag, branch, full and short SHA, HEAD. The
# render cache makes an unchanged re-render a lookup (a logging engine proves the engine did not
# run), a full SHA needs no server at all once cached; temporary directories go, also on SIGTERM;
# the token is in no file written and no message.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"

canon() { jq -S -c .; }
kinds() { jq -r '"\(.kind)/\(.metadata.name)"' | paste -sd' '; }
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }

# ---------------------------------------------------------------------------------------------
# The manifest repo: a chart, a kustomize base with overlays, plain manifests; three commits

SRC=$TMP/src
mkdir -p "$SRC/apps" "$SRC/plain"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$SRC/apps/guestbook"
cp -r "$TOP/tests/fixtures/render-kustomize/shop" "$SRC/apps/shop"
cp "$TOP/tests/fixtures/render/shop/"*.yaml "$SRC/plain/"
echo "# manifests" >"$SRC/README.md"

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
TOKEN1=$GIT_SERVER_PASSWORD
W=$TMP/work
git clone -q "$URL" "$W"
git -C "$W" tag v1
V1=$(git -C "$W" rev-parse HEAD)
sed -i 's/^replicaCount: 1$/replicaCount: 2/' "$W/apps/guestbook/values.yaml"
sed -i 's|web:1.0.0|web:1.0.1|' "$W/apps/shop/base/deployment.yaml"
git -C "$W" commit -qam "Scale the guestbook, shop 1.0.1"
echo "more docs" >>"$W/README.md"
git -C "$W" commit -qam "Docs only"
git -C "$W" push -q origin main v1
V3=$(git -C "$W" rev-parse HEAD)

# A checkout of v1 as the oracle
git clone -q "$URL" "$TMP/checkout"
git -C "$TMP/checkout" -c advice.detachedHead=false checkout -q v1
CO=$TMP/checkout

R=(--helm "$HELM" -o json)
# ---------------------------------------------------------------------------------------------
# An older revision equals its checkout

run gitops-render "${R[@]}" "$CO/apps/guestbook"
WANT_GB=$(canon <<<"$OUT")
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 1 "the checkout of v1: 1 replica"
for rev in v1 "$V1" "${V1:0:7}"; do
	run gitops-render "${R[@]}" --repo "$URL" --revision "$rev" --path apps/guestbook
	is "$RC" 0 "helm at $rev: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$WANT_GB" "helm at $rev: the objects of the checkout"
done
run gitops-render "${R[@]}" --repo "$URL" --path apps/guestbook
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 2 "no --revision: HEAD, the newest (2 replicas)"
run gitops-render "${R[@]}" --repo "$URL" --revision main --path ./apps/guestbook/
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 2 "--revision main, --path ./apps/guestbook/"

run gitops-render "${R[@]}" "$CO/apps/shop/overlays/production"
WANT_SHOP=$(canon <<<"$OUT")
like "$WANT_SHOP" "web-hardened@sha256" "the checkout of v1 renders the overlay"
run gitops-render "${R[@]}" --repo "$URL" --revision v1 --path apps/shop/overlays/staging
run gitops-render "${R[@]}" --repo "$URL" --revision v1 --path apps/shop/overlays/production
is "$RC" 0 "kustomize at v1 (the overlay reaches into ../../base): exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT_SHOP" "kustomize at v1: the objects of the checkout"
run gitops-render "${R[@]}" --repo "$URL" --revision v1 --path apps/shop/overlays/staging
is "$(jq -r 'select(.kind == "Deployment") | .spec.template.spec.containers[0].image' <<<"$OUT")" \
	"registry.example.com/shop/web:1.1.0-rc.2" "staging at v1"

run gitops-render -o json --repo "$URL" --revision v1 --path plain --recurse
is "$(canon <<<"$OUT")" "$(gitops-render -o json --recurse "$CO/plain" | canon)" "a plain directory at v1: the objects of the checkout"

run gitops-render -o json --repo "$URL" --revision v1 --path apps/guestbook/templates --type directory
is "$RC:$OUT" "2:" "a template read as a plain file: exit 2, nothing on stdout"
like "$ERR" "^gitops-render: apps/guestbook/templates/" "the message names the file by its path in the repository"
unlike "$ERR" "$TMPDIR" "not by the temporary copy"

# --values with --repo: a path inside the source
run gitops-render "${R[@]}" --repo "$URL" --revision v1 --path apps/guestbook -f values-production.yaml
is "$(canon <<<"$OUT")" "$(gitops-render "${R[@]}" -f values-production.yaml "$CO/apps/guestbook" | canon)" \
	"--values at v1: the checkout's values file"
run gitops-render "${R[@]}" --repo "$URL" --path apps/guestbook -f /etc/passwd
is "$RC:$OUT" "2:" "--values with an absolute path and --repo: exit 2"

# errors
run gitops-render "${R[@]}" --repo "$URL" --revision no-such-branch --path apps/guestbook
is "$RC:$OUT" "2:" "an unknown revision: exit 2"
like "$ERR" "no such revision 'no-such-branch'" "an unknown revision: said"
run gitops-render "${R[@]}" --repo "$URL" --revision v1 --path apps/nothing
is "$RC:$OUT" "2:" "an unknown path: exit 2"
like "$ERR" "no path 'apps/nothing' at v1" "an unknown path: said"
run gitops-render "${R[@]}" --repo "$URL" --path README.md
is "$RC" 2 "a file as --path: exit 2"
run gitops-render "${R[@]}" --repo "$URL" "$CO/apps/guestbook"
is "$RC" 2 "DIR and --repo: exit 2"
run gitops-render "${R[@]}" --revision v1 "$CO/apps/guestbook"
is "$RC" 2 "--revision without --repo: exit 2"
is "$(tmp_left)" 0 "every temporary directory is gone"

# ---------------------------------------------------------------------------------------------
# The render cache: a lookup, keyed by the source tree, the options and the engine

cat >"$TMP/logging-helm" <<EOF
#!/bin/sh
[ "\$1" = template ] && echo "\$*" >>"$TMP/helm-calls.log"
exec "$HELM" "\$@"
EOF
cat >"$TMP/logging-kustomize" <<EOF
#!/bin/sh
[ "\$1" = build ] && echo "\$*" >>"$TMP/kustomize-calls.log"
[ "\$1" = build ] && shift && exec kubectl kustomize "\$@"
exec kubectl "\$@" --client
EOF
chmod +x "$TMP/logging-helm" "$TMP/logging-kustomize"
calls() { if [ -f "$TMP/$1-calls.log" ]; then grep -c . "$TMP/$1-calls.log"; else echo 0; fi; }
# A cache of its own: the renders above are in the default one, under the same engine version
# (the key holds helm's version, not its path, so the wrapper would find them).
C2=$TMP/cache2
# --engine exec: these count helm runs (the native engine caches the same way, keyed on itself)
H=(--engine exec --helm "$TMP/logging-helm" -o json --repo "$URL" --path apps/guestbook --cache-dir "$C2")

run gitops-render "${H[@]}" --revision v1
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:1" "first render at v1: the engine runs"
run gitops-render "${H[@]}" --revision v1
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:1" "second render at v1: the same objects, the engine does not run"
ok "$(ls "$C2"/render/out/*/* >/dev/null 2>&1; echo $?)" "the render is in the cache directory"
run gitops-render "${H[@]}" --revision v1 --no-cache
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:2" "--no-cache: the engine runs"
run gitops-render "${H[@]}" --revision v1 --set replicaCount=7
is "$(calls helm)" 3 "another --set: another key, the engine runs"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 7 "and its output is its own"
run gitops-render "${H[@]}" --revision v1 --app guestbook -n web
is "$(calls helm)" 4 "--namespace is passed to helm: another key"
run gitops-render "${H[@]}" --revision v1 --app other -n web --release-name guestbook
is "$(calls helm)" 4 "--app (with the same release name) only changes what is done after the engine: the same key"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.annotations["argocd.argoproj.io/tracking-id"]' <<<"$OUT")" \
	"other:apps/Deployment:web/guestbook" "a cached render still gets this run's tracking"
run gitops-render "${H[@]}" --revision "$V3~1"
is "$(calls helm)" 5 "a commit that changed the chart: the engine runs"
run gitops-render "${H[@]}" --revision main
is "$(calls helm)" 5 "the next commit changed only README.md: the chart's tree is the same, a cache hit"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 2 "and it is the new revision's render"

K=(--kustomize "$TMP/logging-kustomize" -o json --repo "$URL" --path apps/shop/overlays/staging --cache-dir "$C2")
run gitops-render "${K[@]}" --revision "$V3~1"
run gitops-render "${K[@]}" --revision "$V3~1"
is "$(calls kustomize)" 1 "kustomize: an unchanged re-render is a lookup"
run gitops-render "${K[@]}" --revision main
is "$(calls kustomize)" 2 "kustomize reads outside its path (../../base): any change to the repository is another key"
is "$(tmp_left)" 0 "no temporary directory left"

# A full SHA in the cache needs no fetch: the server can be down.
run gitops-render "${H[@]}" --revision "$V1"
is "$(calls helm)" 5 "v1 by its full SHA: from the cache"

# The key holds the engine: a native render is not what --engine exec reuses, nor the other way
N=(--helm "$TMP/logging-helm" -o json --repo "$URL" --path apps/guestbook --cache-dir "$TMP/cache3" --revision "$V1")
run gitops-render --engine native "${N[@]}"
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:5" "--engine native: rendered without helm"
run gitops-render --engine exec "${N[@]}"
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:6" "--engine exec after a native render of the same tree: helm runs"
run gitops-render --engine native "${N[@]}"
is "$(canon <<<"$OUT"):$(calls helm)" "$WANT_GB:6" "--engine native again: its own render, from the cache"
ok "$(ls "$TMP/cache3"/render/out/*/* | wc -l | grep -qx 2; echo $?)" "two renders in the cache, one per engine"

# ---------------------------------------------------------------------------------------------
# SIGTERM while the engine runs: the temporary copy goes

cat >"$TMP/slow-helm" <<EOF
#!/bin/sh
[ "\$1" = version ] && exec "$HELM" "\$@"
touch "$TMP/slow-started"
exec sleep 30
EOF
chmod +x "$TMP/slow-helm"
gitops-render --engine exec --helm "$TMP/slow-helm" --no-cache --repo "$URL" --path apps/guestbook >"$TMP/slow.out" 2>"$TMP/slow.err" &
SLOW=$!
for _ in $(seq 200); do [ -e "$TMP/slow-started" ] && break; sleep 0.05; done
ok "$([ -e "$TMP/slow-started" ]; echo $?)" "the slow engine started"
ok "$([ "$(tmp_left)" -gt 0 ]; echo $?)" "a temporary copy exists while the engine runs"
kill -TERM "$SLOW"
wait "$SLOW"
is "$?" 143 "SIGTERM: gitops-render dies of it (143)"
is "$(cat "$TMP/slow.out")" "" "SIGTERM: nothing on stdout"
is "$(tmp_left)" 0 "SIGTERM: the temporary copy is gone"

# ---------------------------------------------------------------------------------------------
# Credentials

run env GITOPS_GIT_TOKEN=wrong-token-value "$BIN/gitops-render" "${R[@]}" --repo "$URL" --path apps/guestbook --cache-dir "$TMP/other-cache"
is "$RC:$OUT" "3:" "a wrong token: exit 3, nothing on stdout"
unlike "$ERR" "wrong-token-value" "a wrong token: not echoed"
run gitops-render "${R[@]}" --repo "${URL/http:\/\//http://gitops:$GIT_SERVER_PASSWORD@}" --path apps/guestbook
is "$RC" 2 "a token in the URL: refused (exit 2)"
unlike "$ERR" "$GIT_SERVER_PASSWORD" "a token in the URL: not echoed"
printf '%s\n' "$GIT_SERVER_PASSWORD" >"$TMP/token"
run env -u GITOPS_GIT_TOKEN "$BIN/gitops-render" "${R[@]}" --repo "$URL" --path apps/guestbook --password-file "$TMP/token" --no-cache
is "$RC" 0 "--password-file: exit 0"
# HTTPS: the server's certificate through --ca-file (libgit2 is loaded lazily, its TLS options too)
git_server_start --https
https_url=$(git_repo_create tls --from "$SRC")
GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD run gitops-render "${R[@]}" --repo "$https_url" --path apps/guestbook
is "$RC:$OUT" "3:" "https with an unknown certificate: exit 3"
GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD run gitops-render "${R[@]}" --repo "$https_url" --path apps/guestbook --ca-file "$GIT_SERVER_CA"
is "$RC:$(canon <<<"$OUT")" "0:$WANT_GB" "https with --ca-file: renders"
git_server_stop --all
run gitops-render "${R[@]}" --repo "$URL" --path apps/guestbook --revision "$V1" --no-cache
is "$RC:$(canon <<<"$OUT")" "0:$WANT_GB" "the server down: a full SHA already in the cache still renders (no fetch)"
run gitops-render "${R[@]}" --repo "$URL" --path apps/guestbook --revision v1
is "$RC:$OUT" "3:" "the server down: a tag needs a fetch, exit 3"
for tok in "$TOKEN1" "$GIT_SERVER_PASSWORD"; do
	ok "$(grep -rl -- "$tok" "$XDG_CACHE_HOME" "$C2" "$TMP/other-cache" "$TMPDIR" >/dev/null 2>&1; [ $? -eq 1 ]; echo $?)" \
		"the token is in no file of the caches or the temp dir"
	ok "$(grep -l -- "$tok" "$TMP"/*.log "$TMP"/slow.* "$TMP/.err" >/dev/null 2>&1; [ $? -eq 1 ]; echo $?)" \
		"the token is in no output or log"
done

done_testing
