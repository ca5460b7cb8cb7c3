#!/usr/bin/env bash
# set-image-helm.t: --image NAME=REF on Helm values files, against a real git server: the image is
# found by its repository in the layouts charts use (image.repository + image.tag; bitnami's
# image.registry + image.repository + image.tag + image.digest; image: repo:tag strings; the same
# nested per component), the tag (and digest) is set next to it, and real helm renders the result.
# Two places naming the image is exit 2 naming both; nothing is pushed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/helm
VALUES=charts/shop/values.yaml
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$FIX")
ROOT=$GIT_SERVER_ROOT
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD

show() { git --git-dir="$ROOT/manifests.git" show "$1"; }
head_of() { git --git-dir="$ROOT/manifests.git" rev-parse main; }
# The diff main^..main of PATH, only its -/+ lines.
changed_lines() { git --git-dir="$ROOT/manifests.git" diff -U0 main^ main -- "$1" | grep '^[-+] '; }
# The images real helm renders from the chart on the branch (with extra values files, paths on the branch).
rendered_images() {
	local d=$TMP/render.$RANDOM args=()
	mkdir -p "$d"
	git --git-dir="$ROOT/manifests.git" archive main | tar -x -C "$d"
	for f in "$@"; do args+=(-f "$d/$f"); done
	"$HELM" template shop "$d/charts/shop" "${args[@]}" | sed -n 's/^ *image: //p' | tr -d '"' | sort
}
SHA_A=sha256:$(printf 'a%.0s' {1..64})
SHA_B=sha256:$(printf 'b%.0s' {1..64})

# ---- image.repository + image.tag: the tag next to the repository, nothing else ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/web=registry.example.com/shop/web:1.4.2 -o json
is "$RC" 0 "image.repository + image.tag: exit 0"
is "$(jq -r '.changes[0] | .name + " " + .old + " -> " + .new' <<<"$OUT")" \
	"registry.example.com/shop/web registry.example.com/shop/web -> registry.example.com/shop/web:1.4.2" \
	"record: the empty tag read as none, the new reference"
is "$(jq -r '.changes[0].path' <<<"$OUT")" "image.tag" "record: path is the key set, image.tag"
is "$(git --git-dir="$ROOT/manifests.git" rev-parse main^)" "$before" "one commit on the old tip"
is "$(changed_lines "$VALUES")" $'-  tag: ""\n+  tag: "1.4.2"' "only image.tag changed, its quoting kept"
like "$(rendered_images)" "registry.example.com/shop/web:1.4.2" "helm renders the new tag"

# ---- nested per-component block and a repository:tag string, in one commit ----
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/worker=registry.example.com/shop/worker:1.4.2 \
	--image registry.example.com/shop/migrate=registry.example.com/shop/migrate:1.4.2 -o json
is "$RC" 0 "worker.image and migrations.image: exit 0"
is "$(changed_lines "$VALUES")" \
	$'-    tag: "1.4.1"\n+    tag: "1.4.2"\n-  image: registry.example.com/shop/migrate:1.4.1   # one string: repository:tag\n+  image: registry.example.com/shop/migrate:1.4.2   # one string: repository:tag' \
	"worker.image.tag and the string changed, comment kept"
is "$(jq -r '[.changes[].path] | join(" ")' <<<"$OUT")" "worker.image.tag migrations.image" \
	"record: each change's path is the key set (nested tag, the string itself)"
is "$(git --git-dir="$ROOT/manifests.git" log -1 --format=%s main)" \
	"Update $VALUES: registry.example.com/shop/worker registry.example.com/shop/worker:1.4.1 -> registry.example.com/shop/worker:1.4.2, registry.example.com/shop/migrate registry.example.com/shop/migrate:1.4.1 -> registry.example.com/shop/migrate:1.4.2" \
	"one commit, both in its message"
is "$(rendered_images)" "$(printf '%s\n' docker.io/bitnami/redis:7.2.4-debian-12-r9 registry.example.com/shop/migrate:1.4.2 \
	registry.example.com/shop/web:1.4.2 registry.example.com/shop/worker:1.4.2)" "helm renders all four as meant"

# ---- bitnami: registry + repository is the name; the digest has its own key ----
run gitops-set-image --repo "$URL" --file "$VALUES" --image "docker.io/bitnami/redis=docker.io/bitnami/redis:7.2.5-debian-12-r0@$SHA_A" -o json
is "$RC" 0 "bitnami layout by registry/repository: exit 0"
is "$(jq -r '.changes[0].old' <<<"$OUT")" "docker.io/bitnami/redis:7.2.4-debian-12-r9" "record: old is registry/repository:tag"
is "$(jq -r '.changes[0].path' <<<"$OUT")" "redis.image.tag" "record: path redis.image.tag"
is "$(changed_lines "$VALUES")" "$(printf -- '-    tag: 7.2.4-debian-12-r9\n-    digest: ""\n+    tag: 7.2.5-debian-12-r0\n+    digest: "%s"' "$SHA_A")" \
	"redis.image.tag and .digest set; the exporter's image (another repository) untouched"
like "$(rendered_images)" "docker.io/bitnami/redis@$SHA_A" "helm renders the digest"
run gitops-set-image --repo "$URL" --file "$VALUES" --image bitnami/redis=bitnami/redis:7.2.5-debian-12-r1 -o json
is "$RC" 0 "Docker Hub's short name finds registry docker.io + bitnami/redis"
is "$(changed_lines "$VALUES")" "$(printf -- '-    tag: 7.2.5-debian-12-r0\n-    digest: "%s"\n+    tag: 7.2.5-debian-12-r1\n+    digest: ""' "$SHA_A")" \
	"a new tag without a digest empties the old digest (the chart would keep running the old image)"
like "$(rendered_images)" "docker.io/bitnami/redis:7.2.5-debian-12-r1" "helm renders the new tag"

# ---- no tag key yet: added next to the repository; a digest without digest: rides on the tag ----
run gitops-set-image --repo "$URL" --file environments/prod/values.yaml --image "registry.example.com/shop/web=registry.example.com/shop/web:1.4.2@$SHA_B" -o json
is "$RC" 0 "an override file without image.tag: exit 0"
is "$(show main:environments/prod/values.yaml)" "$(sed 's|^  repository: .*$|&\n  tag: 1.4.2@'"$SHA_B"'|' "$FIX/environments/prod/values.yaml")" \
	"image.tag added after the last key of image:, as TAG@DIGEST"
like "$(rendered_images environments/prod/values.yaml)" "registry.example.com/shop/web:1.4.2@$SHA_B" \
	"helm renders a valid pinned reference from repository:tag"

# ---- the guards still hold ----
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/worker=registry.example.com/shop/worker:1.4.0 -o json
is "$RC" 1 "an older tag is refused (exit 1)"
like "$ERR" "1.4.0 is older than the current" "saying so"
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/worker=registry.example.com/shop/worker:1.4.2 -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:unchanged" "the same tag again: unchanged, nothing pushed"

# ---- a REF in another repository moves the image there (registry and repository for bitnami's) ----
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/worker=ghcr.io/acme/worker:1.5.0 \
	--image docker.io/bitnami/redis-exporter=quay.io/oliver006/redis_exporter:v1.62.0 -o json
is "$RC" 0 "moving two images: exit 0"
is "$(changed_lines "$VALUES")" "$(printf -- '%s\n' '-    repository: registry.example.com/shop/worker' '-    tag: "1.4.2"' \
	'+    repository: ghcr.io/acme/worker' '+    tag: "1.5.0"' '-      registry: docker.io' '-      repository: bitnami/redis-exporter' \
	'-      tag: 1.58.0-debian-12-r4' '+      registry: quay.io' '+      repository: oliver006/redis_exporter' '+      tag: v1.62.0')" \
	"worker.image.repository; redis.metrics.image.registry and .repository split from the new name"

# ---- ambiguous or missing: exit 2, nothing pushed ----
before=$(head_of)
run gitops-set-image --repo "$URL" --file environments/staging/values.yaml --image registry.example.com/shop/web=registry.example.com/shop/web:1.4.2 -o json
is "$RC" 2 "two places name the image: exit 2"
like "$ERR" "storefront\.image and admin\.image" "naming both paths"
like "$ERR" "--set storefront\.image\.tag=" "and how to pick one"
run gitops-set-image --repo "$URL" --file "$VALUES" --image registry.example.com/shop/nope=registry.example.com/shop/nope:1 -o json
is "$RC" 2 "no such image: exit 2"
like "$ERR" "no container image with repository registry.example.com/shop/nope, nor a Helm value naming it" "saying where it looked"
is "$(head_of)" "$before" "nothing was pushed"
is "$OUT" "" "no record"

done_testing
