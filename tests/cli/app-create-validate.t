#!/usr/bin/env bash
# app-create-validate.t: gitops-app-create checks the source as argocd app create does, against the
# real git server (basic auth): the repository answers with the token of the environment,
# --password-file or --password-stdin; the revision resolves; the path is a directory at it (a
# case mismatch or a typo names the nearest directories); the path renders (gitops-render at the
# resolved commit, its message relayed). Unreachable or refused: exit 3, one line, no token;
# unknown revision, missing path, a render error: exit 2, nothing on stdout. --validate=false
# skips it all; --apply and --upsert behave as before once the source checks out.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"

SRC=$TMP/src
mkdir -p "$SRC/charts" "$SRC/overlays" "$SRC/apps/broken" "$SRC/apps/empty"
echo "# nothing to deploy yet" >"$SRC/apps/empty/README.md"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$SRC/charts/guestbook"
cp -r "$TOP/tests/fixtures/render-kustomize/shop" "$SRC/overlays/shop"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: routes\ndata:\n  routes: [/v1\n' >"$SRC/apps/broken/cm.yaml"
git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
git clone -q "$URL" "$TMP/work" && git -C "$TMP/work" tag v1.0 && git -C "$TMP/work" push -q origin v1.0
TOKEN=$GIT_SERVER_PASSWORD

create() { gitops-app-create guestbook --repo "$URL" --dest-namespace shop "$@"; }

# ---- a source that checks out ----
run env GITOPS_GIT_TOKEN="$TOKEN" gitops-app-create guestbook --repo "$URL" --path charts/guestbook --dest-namespace shop -o json
is "$RC" 0 "a reachable repo, HEAD, a chart that renders: the Application (token from GITOPS_GIT_TOKEN)"
is "$(jq -r .spec.source.path <<<"$OUT")" charts/guestbook "  as before"
printf '%s\n' "$TOKEN" >"$TMP/token"
run create --path overlays/shop/base --revision v1.0 --password-file "$TMP/token" -o json
is "$RC" 0 "--password-file, a tag, a Kustomize overlay"
run create --path charts/guestbook --revision main --password-stdin -o json <<<"$TOKEN"
is "$RC" 0 "--password-stdin, a branch"
run create --path charts/guestbook --revision "$(git -C "$TMP/work" rev-parse --short HEAD)" --password-stdin -o json <<<"$TOKEN"
is "$RC" 0 "a short SHA"

# ---- unreachable, refused: exit 3, one line ----
run create --path charts/guestbook -o json
is "$RC:$OUT" "3:" "no token for a repo that needs one: exit 3, nothing on stdout"
like "$ERR" '^gitops-app-create: .*wants credentials and no token was given' "  saying so"
is "$(wc -l <<<"$ERR")" 1 "  in one line"
run env GITOPS_GIT_TOKEN=wrong-token-4e1c gitops-app-create guestbook --repo "$URL" --path charts/guestbook -o json
is "$RC:$OUT" "3:" "a wrong token: exit 3"
like "$ERR" 'authentication failed' "  authentication failed"
unlike "$ERR" 'wrong-token-4e1c' "  the token is not printed"
run env GITOPS_GIT_TOKEN="$TOKEN" gitops-app-create guestbook --repo http://127.0.0.1:9/nowhere.git --path charts/guestbook --timeout 5 -o json
is "$RC:$OUT" "3:" "a closed port: exit 3"
is "$(wc -l <<<"$ERR")" 1 "  in one line"

# ---- revision and path: exit 2, the nearest paths named ----
export GITOPS_GIT_TOKEN=$TOKEN
run create --path charts/guestbook --revision v9.9 -o json
is "$RC:$OUT" "2:" "an unknown revision: exit 2"
like "$ERR" "no such revision 'v9.9'" "  naming it"
run create --path charts/GuestBook -o json
is "$RC:$OUT" "2:" "a path that exists only in another case: exit 2"
is "$ERR" "gitops-app-create: --path charts/GuestBook: no such directory at HEAD in $URL; did you mean charts/guestbook?" \
	"  naming the directory that differs in case"
run create --path overlay/shop/base -o json
is "$RC" 2 "a misspelt path: exit 2"
like "$ERR" 'did you mean overlays/shop/base\?$' "  naming the nearest directory"
run create --path charts/guestbook/values.yaml -o json
is "$RC" 2 "a file, not a directory: exit 2"
like "$ERR" 'charts/guestbook/values.yaml: a file at HEAD' "  saying so"
run create --path nothing/like/it -o json
is "$RC" 2 "a path far from any: exit 2"
like "$ERR" 'no such directory at HEAD in [^;]*$' "  no guess"
git -C "$TMP/work" mv charts/guestbook charts/guest && git -C "$TMP/work" commit -qm "rename the chart" &&
	git -C "$TMP/work" push -q origin main
run create --path charts/guestbook -o json
is "$RC" 2 "the path as it is at the revision, fetched anew: gone after a rename"
like "$ERR" 'did you mean charts/guest\?$' "  and the new name offered"
run create --path charts/guestbook --revision v1.0 -o json
is "$RC" 0 "  still there at the tag"

# ---- the render ----
run create --path apps/broken -o json
is "$RC:$OUT" "2:" "a path that does not render: exit 2, nothing on stdout"
like "$ERR" '^gitops-app-create: --path apps/broken does not render at HEAD: gitops-render: .*cm.yaml:[0-9]+:[0-9]+' \
	"  with the engine's message"
run create --path apps/empty -o json
is "$RC" 0 "a path with no objects yet renders (Argo CD takes an app with no resources)"
run create --path charts/guest --helm-set 'image.tag=1.2.3' --release-name gb -o json
is "$RC" 0 "Helm parameters and the release name reach the render"

# ---- --validate=false: nothing checked ----
run create --path charts/GuestBook --revision v9.9 --validate=false -o json
is "$RC" 0 "--validate=false: neither revision nor path checked"
run env -u GITOPS_GIT_TOKEN gitops-app-create guestbook --repo http://127.0.0.1:9/nowhere.git --validate false -o json
is "$RC" 0 "--validate false: an unreachable repo is written"
run create --validate maybe -o json
is "$RC" 2 "--validate takes true or false"

# ---- --apply and --upsert, after the check ----
kube_start --ready-delay 0
kubectl apply -f "$TOP/tests/fixtures/app-create/application-crd.yaml" >/dev/null
kubectl create namespace argocd >/dev/null
run create --path charts/guest --apply -o json
is "$RC" 0 "--apply after the check"
is "$(kube_get Application argocd guestbook | jq -r .spec.source.path)" charts/guest "  lands"
run create --path charts/Guest --apply --upsert -o json
is "$RC" 2 "--apply --upsert with a bad path: refused before the cluster is touched"
is "$(kube_get Application argocd guestbook | jq -r .spec.source.path)" charts/guest "  the Application unchanged"
run create --path overlays/shop/base --apply -o json
is "$RC" 1 "another spec without --upsert: exit 1 as before"
run create --path overlays/shop/base --apply --upsert -o json
is "$RC:$(kube_get Application argocd guestbook | jq -r .spec.source.path)" 0:overlays/shop/base "--upsert replaces it"

done_testing
