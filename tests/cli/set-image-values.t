#!/usr/bin/env bash
# set-image-values.t: values that are mistakes are refused before anything is written or pushed:
# an empty value, a tag that is not a valid OCI tag where the key is an image tag (tag, *.tag,
# --image), and anything that looks like a pipeline variable nobody expanded ($(Build.BuildId),
# ${TAG}, $TAG). Exit 2 with the reason; --allow-any-value lets it through.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME

# ---- through git: the tutorial's CI step with an unset or unexpanded variable pushes nothing ----
git_server_start
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
URL=$(git_repo_create manifests --from "$FIX")
tip=$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-parse main)
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag= -o json
is "$RC" 2 "--set image.tag= (empty): exit 2"
like "$ERR" "image.tag: the value is empty" "saying the value is empty"
# shellcheck disable=SC2016 # (the macro is literal on purpose)
run gitops-set-image --repo "$URL" --file "$VALUES" --set 'image.tag=$(Build.BuildId)' -o json
is "$RC" 2 "--set image.tag='\$(Build.BuildId)': exit 2"
like "$ERR" 'image.tag: \$\(Build.BuildId\) looks like a pipeline variable that was not expanded' "saying why"
like "$ERR" "--allow-any-value" "and naming the way out"
is "$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-parse main)" "$tip" "nothing was pushed"
is "$OUT" "" "no record"

# ---- on disk ----
W=$TMP/work
mkdir -p "$W"
cp "$FIX/$VALUES" "$FIX/plain/deploy.yaml" "$FIX/overlays/prod/kustomization.yaml" "$W/"
orig=$(cat "$W/values.yaml")
refused() { # refused WHY ARGS...: exit 2, the message matches WHY, the file unchanged
	local why=$1
	shift
	run gitops-set-image --file "$W/values.yaml" "$@" -o json
	is "$RC:$(cmp -s "$W/values.yaml" <(printf '%s\n' "$orig") && echo same)" "2:same" "$* is refused, nothing written"
	like "$ERR" "$why" "  because: $why"
}
# shellcheck disable=SC2016
{
	refused 'not a valid image tag' --set 'image.tag=1.2 3'
	refused 'not a valid image tag' --set 'image.tag=-rc1'
	refused 'not a valid image tag' --set 'image.tag=.hidden'
	refused 'not a valid image tag' --set 'sidecar.image.tag=v1.2+build5'
	refused 'not a valid image tag' --set "image.tag=$(printf 'a%.0s' {1..129})"
	refused 'not a valid image tag' --set-string 'apps.web.image.tag=1043/1'
	refused 'the value is empty' --set 'replicaCount='
	refused 'not expanded' --set 'replicaCount=${REPLICAS}'
	refused 'not expanded' --set 'override.retries=$RETRIES'
	refused 'not expanded' --set 'image.repository=$(REGISTRY)/my-app'
	refused 'not expanded' --set 'image.repository=registry/$[variables.app]'
}
run gitops-set-image --file "$W/deploy.yaml" --image 'myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:$(Build.BuildId)' -o json
is "$RC" 2 "--image with an unexpanded tag: exit 2"
like "$ERR" "not expanded" "saying so"
run gitops-set-image --file "$W/kustomization.yaml" --image 'myregistry.azurecr.io/my-app=${REGISTRY}/my-app:1.2.4' -o json
is "$RC" 2 "--image with an unexpanded registry in a kustomization: exit 2"
like "$ERR" "not expanded" "saying so"

# ---- what is fine stays fine ----
run gitops-set-image --file "$W/values.yaml" --set image.tag=1043 --set sidecar.image.tag=v1.29.2_rc-1.x \
	--set 'override.note=costs $5 (a price, not a variable)' --set-string apps.web.image.tag=1044 --create -o json
is "$RC" 0 "valid tags and a dollar sign before a digit are written"
run gitops-set-image --file "$W/values.yaml" --set "image.tag=$(printf 'a%.0s' {1..128})" -o json
is "$RC" 0 "a 128-character tag is valid"

# ---- --allow-any-value ----
# shellcheck disable=SC2016
run gitops-set-image --file "$W/values.yaml" --set 'image.tag=$(Build.BuildId)' --set override.note= --allow-any-value --create -o json
is "$RC" 0 "--allow-any-value writes it"
like "$(cat "$W/values.yaml")" 'tag: "\$\(Build.BuildId\)"' "as given"

done_testing
