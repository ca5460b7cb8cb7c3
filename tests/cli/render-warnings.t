#!/usr/bin/env bash
# render-warnings.t: what an engine prints on stderr while it renders successfully (kustomize's
# deprecation notices, helm's coalesce warnings) is relayed on gitops-render's stderr by default
# (issue 20), each line once, as "gitops-render: warning: ENGINE: …"; -q hides it; stdout is the
# same either way. Real kubectl kustomize and the reference helm.
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$1"; }

# A base and an overlay that both use the deprecated commonLabels: kustomize warns twice.
K=$TMP/k
mkdir -p "$K/base" "$K/overlay"
cm shop >"$K/base/cm.yaml"
printf 'commonLabels:\n  app: shop\nresources:\n- cm.yaml\n' >"$K/base/kustomization.yaml"
printf 'commonLabels:\n  env: prod\nresources:\n- ../base\n' >"$K/overlay/kustomization.yaml"
want_k=$(kubectl kustomize "$K/overlay" 2>&1 >/dev/null | sort -u)
is "$(kubectl kustomize "$K/overlay" 2>&1 >/dev/null | wc -l)" 2 "kustomize itself warns twice"

# The external kustomize's stderr (the native engine prints no deprecation notices of its own yet).
run gitops-render --engine exec -o json "$K/overlay"
is "$RC" 0 "an overlay with deprecated fields renders"
is "$ERR" "gitops-render: warning: kustomize: $want_k" "kustomize's warning is relayed once, named"
OUT1=$OUT
run gitops-render --engine exec -q -o json "$K/overlay"
is "$RC" 0 "-q: renders"
is "$ERR" "" "-q: no warning"
is "$OUT" "$OUT1" "-q: the same objects"

# helm: a user value that is a table where the chart has a scalar (coalesce.go: skipped value)
H=$TMP/chart
mkdir -p "$H/templates"
printf 'apiVersion: v2\nname: warn\nversion: 0.1.0\n' >"$H/Chart.yaml"
printf 'c: 3\n' >"$H/values.yaml"
printf 'c:\n  d: 1\n' >"$H/table.yaml"
cm warn >"$H/templates/cm.yaml"
want_h=$(cd "$H" && "$HELM" template warn . -f table.yaml 2>&1 >/dev/null)
like "$want_h" "warning: skipped value for warn.c" "helm itself warns"
run gitops-render --engine exec --helm "$HELM" -f table.yaml -o json "$H"
is "$RC" 0 "helm: renders"
is "$ERR" "gitops-render: warning: helm: $want_h" "helm's warning is relayed, named"
run gitops-render -q --engine exec --helm "$HELM" -f table.yaml -o json "$H"
is "$ERR" "" "helm with -q: no warning"
# the native engine prints none of its own (it skips as helm does, silently)
run gitops-render --engine native -f table.yaml -o json "$H"
is "$RC" 0 "native helm: renders"
is "$ERR" "" "native helm: nothing on stderr"

done_testing
