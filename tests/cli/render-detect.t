#!/usr/bin/env bash
# render-detect.t: the source type gitops-render picks is the one Argo CD's repo-server picks
# (argo-cd util/app/discovery Discover): the directory's entries that are not directories, in byte
# order; a name ending in "Chart.yaml" says helm, kustomization.yaml, kustomization.yml or
# Kustomization says kustomize, the last one wins; nothing says directory. So a chart with a
# kustomization beside it is a Kustomize source (issue 20), on disk and from --repo (real git
# server), rendered by the real helm and kubectl kustomize; --type still decides when given.
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

names() { jq -r '"\(.kind)/\(.metadata.name)"' | paste -sd' '; }
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$1"; }
# The type gitops-render says it picked (-vv), for sources no engine can render.
picked() { gitops-render -vv "$@" 2>&1 >/dev/null | sed -n 's/^gitops-render: source type: //p'; }

# A chart (ConfigMap from-helm) and, beside it, a kustomization (ConfigMap from-kustomize).
chart() { # DIR
	mkdir -p "$1/templates" "$1/res"
	printf 'apiVersion: v2\nname: both\nversion: 0.1.0\n' >"$1/Chart.yaml"
	cm from-helm >"$1/templates/cm.yaml"
}
kust() { # DIR FILE-NAME
	mkdir -p "$1/res"
	cm from-kustomize >"$1/res/cm.yaml"
	printf 'resources:\n- res/cm.yaml\n' >"$1/$2"
}

S=$TMP/src
chart "$S/only-chart"
kust "$S/only-kust" kustomization.yaml
chart "$S/both" && kust "$S/both" kustomization.yaml
chart "$S/both-yml" && kust "$S/both-yml" kustomization.yml
chart "$S/both-capital" && kust "$S/both-capital" Kustomization
# "values.Chart.yaml" ends in Chart.yaml and sorts after kustomization.yaml: helm again
chart "$S/late-chart" && kust "$S/late-chart" kustomization.yaml
cm unused >"$S/late-chart/values.Chart.yaml"
mkdir -p "$S/plain/Chart.yaml" "$S/plain/sub"
cm from-plain >"$S/plain/cm.yaml"
printf 'resources: []\n' >"$S/plain/sub/kustomization.yaml"

R=(--helm "$HELM" -o json)
run gitops-render "${R[@]}" "$S/only-chart"
is "$(names <<<"$OUT")" "ConfigMap/from-helm" "Chart.yaml alone: helm" || echo "# $ERR"
run gitops-render "${R[@]}" "$S/only-kust"
is "$(names <<<"$OUT")" "ConfigMap/from-kustomize" "a kustomization alone: kustomize" || echo "# $ERR"
for d in both both-yml both-capital; do
	run gitops-render "${R[@]}" "$S/$d"
	is "$(names <<<"$OUT")" "ConfigMap/from-kustomize" "$d: Chart.yaml and a kustomization: kustomize, as Argo CD" ||
		echo "# $ERR"
done
run gitops-render "${R[@]}" "$S/late-chart"
is "$(names <<<"$OUT")" "ConfigMap/from-helm" "a name ending in Chart.yaml after the kustomization: helm" ||
	echo "# $ERR"
run gitops-render "${R[@]}" "$S/plain"
is "$(names <<<"$OUT")" "ConfigMap/from-plain" \
	"a directory named Chart.yaml, a kustomization only in a subdirectory: a directory source" || echo "# $ERR"
is "$(picked "$S/plain")" "directory" "the directory source is what -vv names"

# Names Argo CD reads as a chart that helm cannot render: the type shows in -vv.
mkdir -p "$TMP/odd/my" "$TMP/odd/link" "$TMP/odd/target"
cm x >"$TMP/odd/my/MyChart.yaml"
ln -s ../target "$TMP/odd/link/Chart.yaml"
is "$(picked "${R[@]}" "$TMP/odd/my")" "helm" "MyChart.yaml: helm (the name ends in Chart.yaml)"
is "$(picked "${R[@]}" "$TMP/odd/link")" "helm" \
	"a link named Chart.yaml to a directory: helm (filepath.Walk does not follow it)"

# --type decides when given
run gitops-render "${R[@]}" --type helm "$S/both"
is "$(names <<<"$OUT")" "ConfigMap/from-helm" "--type helm on Chart.yaml and a kustomization: helm" || echo "# $ERR"
run gitops-render "${R[@]}" --type kustomize "$S/late-chart"
is "$(names <<<"$OUT")" "ConfigMap/from-kustomize" "--type kustomize overrides the late chart name" || echo "# $ERR"
run gitops-render "${R[@]}" --type directory --include 'res/*' --recurse "$S/both"
is "$(names <<<"$OUT")" "ConfigMap/from-kustomize" "--type directory reads the files" || echo "# $ERR"

# The same rule on a commit's tree (--repo, real git server)
git_server_start
git_cli_env
URL=$(git_repo_create detect --from "$S")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
for c in only-chart:from-helm only-kust:from-kustomize both:from-kustomize both-capital:from-kustomize \
	late-chart:from-helm plain:from-plain; do
	run gitops-render "${R[@]}" --repo "$URL" --path "${c%%:*}"
	is "$(names <<<"$OUT")" "ConfigMap/${c#*:}" "--repo --path ${c%%:*}: as on disk" || echo "# $ERR"
done
run gitops-render "${R[@]}" --repo "$URL" --path both --type helm
is "$(names <<<"$OUT")" "ConfigMap/from-helm" "--repo: --type helm overrides" || echo "# $ERR"
git_server_stop --all

done_testing
