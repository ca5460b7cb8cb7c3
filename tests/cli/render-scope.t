#!/usr/bin/env bash
# gitops-render -n gives a namespace to namespaced objects only. Which kinds are cluster-scoped: the
# CRDs in the render, the cluster's discovery when asked (real kubectl against the API stand-in),
# --api-resources FILE (kubectl api-resources, offline), then the built-in table of popular CRDs'
# kinds; a kind none of them knows gets no namespace and a warning, once.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
export XDG_CACHE_HOME=$TMP/cache

# ns_of KIND NAME: the rendered object's namespace ("-" when none)
ns_of() { jq -r "select(.kind == \"$1\" and .metadata.name == \"$2\") | .metadata.namespace // \"-\"" <<<"$OUT"; }
crd() { # crd GROUP KIND PLURAL SCOPE: a CRD as JSON
	printf '{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"%s.%s"},"spec":{"group":"%s","scope":"%s","names":{"kind":"%s","plural":"%s","singular":"%s","listKind":"%sList"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}\n' \
		"$3" "$1" "$1" "$4" "$2" "$3" "$3" "$2"
}

# ---- the built-in table: one object of each row, no CRD, no cluster, no file ----
# Each row's scope as its project's CRD says (spec.scope), written here apart from common/obj.c.
ROWS="apiextensions.crossplane.io Composition Cluster
apiextensions.crossplane.io CompositeResourceDefinition Cluster
apiextensions.crossplane.io CompositionRevision Cluster
apiextensions.crossplane.io EnvironmentConfig Cluster
argoproj.io AnalysisTemplate Namespaced
argoproj.io AppProject Namespaced
argoproj.io Application Namespaced
argoproj.io ApplicationSet Namespaced
argoproj.io ClusterAnalysisTemplate Cluster
argoproj.io ClusterWorkflowTemplate Cluster
argoproj.io CronWorkflow Namespaced
argoproj.io Rollout Namespaced
argoproj.io Workflow Namespaced
argoproj.io WorkflowTemplate Namespaced
aws.upbound.io ProviderConfig Cluster
bitnami.com SealedSecret Namespaced
cert-manager.io Certificate Namespaced
cert-manager.io ClusterIssuer Cluster
cert-manager.io Issuer Namespaced
external-secrets.io ClusterExternalSecret Cluster
external-secrets.io ClusterSecretStore Cluster
external-secrets.io ExternalSecret Namespaced
external-secrets.io SecretStore Namespaced
gateway.networking.k8s.io GRPCRoute Namespaced
gateway.networking.k8s.io Gateway Namespaced
gateway.networking.k8s.io GatewayClass Cluster
gateway.networking.k8s.io HTTPRoute Namespaced
gateway.networking.k8s.io ReferenceGrant Namespaced
helm.crossplane.io ProviderConfig Cluster
karpenter.k8s.aws EC2NodeClass Cluster
karpenter.sh NodeClaim Cluster
karpenter.sh NodePool Cluster
kubernetes.crossplane.io ProviderConfig Cluster
kyverno.io ClusterPolicy Cluster
kyverno.io Policy Namespaced
monitoring.coreos.com Alertmanager Namespaced
monitoring.coreos.com PodMonitor Namespaced
monitoring.coreos.com Prometheus Namespaced
monitoring.coreos.com PrometheusRule Namespaced
monitoring.coreos.com ServiceMonitor Namespaced
networking.istio.io DestinationRule Namespaced
networking.istio.io Gateway Namespaced
networking.istio.io ServiceEntry Namespaced
networking.istio.io VirtualService Namespaced
pkg.crossplane.io Configuration Cluster
pkg.crossplane.io DeploymentRuntimeConfig Cluster
pkg.crossplane.io Function Cluster
pkg.crossplane.io Provider Cluster
security.istio.io AuthorizationPolicy Namespaced
security.istio.io PeerAuthentication Namespaced
snapshot.storage.k8s.io VolumeSnapshot Namespaced
snapshot.storage.k8s.io VolumeSnapshotClass Cluster
snapshot.storage.k8s.io VolumeSnapshotContent Cluster"
mkdir -p "$TMP/table"
i=0
while read -r group kind scope; do
	i=$((i + 1))
	printf '{"apiVersion":"%s/v1","kind":"%s","metadata":{"name":"row%d"}}\n' "$group" "$kind" "$i"
done <<<"$ROWS" >"$TMP/table/objects.json"
run gitops-render -n shop "$TMP/table"
is "$RC" 0 "the table's kinds render"
is "$ERR" "" "no warning: the table knows every one"
i=0
while read -r group kind scope; do
	i=$((i + 1))
	want=shop
	[ "$scope" = Cluster ] && want=-
	is "$(ns_of "$kind" "row$i")" "$want" "built-in table: $kind.$group is $scope"
done <<<"$ROWS"

# ---- Kubernetes' own kinds, the render's CRDs, and a kind nobody knows ----
mkdir -p "$TMP/app"
cat >"$TMP/app/objects.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w2}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1}
---
apiVersion: example.com/v1
kind: Gizmo
metadata: {name: z1, namespace: other}
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
EOF
run gitops-render -n shop "$TMP/app"
is "$RC" 0 "unknown kinds are no error"
is "$(ns_of Deployment web) $(ns_of ClusterRole reader)" "shop -" "Kubernetes' kinds: Deployment namespaced, ClusterRole not"
is "$(ns_of Widget w1) $(ns_of Widget w2) $(ns_of Gadget g1)" "- - -" "a kind nobody knows gets no namespace"
is "$(ns_of Gizmo z1)" "other" "an object's own namespace stays"
is "$ERR" "gitops-render: warning: Widget.example.com: scope unknown, left without a namespace (its CRD in the render, --api-resources or --discovery would tell)
gitops-render: warning: Gadget.example.com: scope unknown, left without a namespace (its CRD in the render, --api-resources or --discovery would tell)" \
	"a warning per unknown kind, once, in order of first use"
is "$(grep -c Widget <<<"$ERR")" 1 "two Widgets, one warning"
OUT_V=$OUT
run gitops-render -q -n shop "$TMP/app"
is "$RC:$ERR" "0:" "-q: errors only, no scope warning"
is "$OUT" "$OUT_V" "-q: the same objects"
run gitops-render "$TMP/app"
is "$ERR" "" "without -n nothing is defaulted, nothing warned"

# A CRD in the render answers first, over the table too
crd example.com Widget widgets Cluster >"$TMP/app/crd-widgets.json"
crd cert-manager.io ClusterIssuer clusterissuers Namespaced >"$TMP/app/crd-issuers.json"
run gitops-render -n shop "$TMP/app"
is "$(ns_of Widget w1) $(ns_of ClusterIssuer letsencrypt)" "- shop" "the render's CRDs decide, over the built-in table"
unlike "$ERR" "Widget" "a kind with its CRD in the render is not warned about"
rm "$TMP/app/crd-widgets.json" "$TMP/app/crd-issuers.json"

# ---- a cluster: the stand-in with the Widget and Gadget CRDs installed ----
kube_start --ready-delay 0
{ crd example.com Widget widgets Cluster; crd example.com Gadget gadgets Namespaced; } | kubectl apply --server-side -f - >/dev/null
for _ in $(seq 1 50); do kubectl get widgets >/dev/null 2>&1 && kubectl get gadgets -n default >/dev/null 2>&1 && break; sleep 0.1; done

# ---- offline: --api-resources, the real kubectl's output, with and without -o wide ----
kubectl api-resources >"$TMP/api-resources.txt"
kubectl api-resources -o wide >"$TMP/api-resources-wide.txt"
kube_log_clear
for f in api-resources.txt api-resources-wide.txt; do
	run gitops-render -n shop --api-resources "$TMP/$f" "$TMP/app"
	is "$RC $(ns_of Widget w1) $(ns_of Gadget g1) $(ns_of Deployment web)" "0 - shop shop" "--api-resources $f: Widget cluster-scoped, Gadget namespaced"
	is "$ERR" "" "--api-resources $f: no warning"
done
is "$(kube_log | grep -c .)" 0 "--api-resources asks no cluster (KUBECONFIG is set)"
run gitops-render -n shop "$TMP/app"
is "$(kube_log | grep -c .)" 0 "nor does a plain render: discovery only when asked for"
printf 'not a table\n' >"$TMP/bad.txt"
run gitops-render -n shop --api-resources "$TMP/bad.txt" "$TMP/app"
is "$RC:$OUT" "2:" "a file that is no api-resources output: exit 2, nothing on stdout"
like "$ERR" "--api-resources: .*bad.txt: no NAMESPACED and KIND columns" "and says why"

# ---- the cluster's discovery: one kubectl api-resources, cached per cluster ----
kube_log_clear
run gitops-render -n shop --discovery "$TMP/app"
is "$RC $(ns_of Widget w1) $(ns_of Gadget g1) $(ns_of ClusterIssuer letsencrypt)" "0 - shop -" \
	"--discovery: the cluster says Widget is cluster-scoped, Gadget namespaced; the table still answers for the rest"
is "$ERR" "" "--discovery: no warning"
is "$(kube_log | jq -r .path | sort | paste -sd' ')" "/api /apis" "one discovery (kubectl api-resources: /api and /apis)"
ls "$XDG_CACHE_HOME"/gitops-tools/discovery/* >/dev/null 2>&1
ok $? "the answer is cached under the tool's cache directory"
run gitops-cache ls --type discovery -o json
is "$(jq -r .type <<<"$OUT" | sort | uniq -c | tr -s ' ')" " 1 discovery" "gitops-cache lists it: one entry for the one cluster"
kube_log_clear
run gitops-render -n shop --discovery "$TMP/app"
is "$(ns_of Widget w1) $(ns_of Gadget g1)" "- shop" "again, from the cache"
is "$(kube_log | grep -c .)" 0 "the cached answer needs no request"
# the cluster's answer is over the file's
printf 'NAME      SHORTNAMES   APIVERSION       NAMESPACED   KIND\nwidgets                example.com/v1   true         Widget\n' >"$TMP/stale.txt"
run gitops-render -n shop --discovery --api-resources "$TMP/stale.txt" "$TMP/app"
is "$(ns_of Widget w1)" "-" "the cluster's discovery answers before --api-resources"
run gitops-render -n shop --api-resources "$TMP/stale.txt" "$TMP/app"
is "$(ns_of Widget w1)" "shop" "(the file alone says namespaced)"
# --context asks too
run gitops-render -n shop --context "$(kubectl config current-context)" "$TMP/app"
is "$(ns_of Widget w1) $ERR" "- " "--context asks the cluster too"

# A kind the cached answer does not know: a CRD installed since; asked again, as kubectl does
crd example.com Sprocket sprockets Cluster | kubectl apply --server-side -f - >/dev/null
for _ in $(seq 1 50); do kubectl get sprockets >/dev/null 2>&1 && break; sleep 0.1; done
printf 'apiVersion: example.com/v1\nkind: Sprocket\nmetadata: {name: s1}\n' >"$TMP/app/sprocket.yaml"
kube_log_clear
run gitops-render -n shop --discovery "$TMP/app"
is "$(ns_of Sprocket s1) $ERR" "- " "a kind missing from the cache: the cluster is asked again and knows it"
is "$(kube_log | jq -r .path | sort | paste -sd' ')" "/api /apis" "one new discovery"
kube_log_clear
run gitops-render -n shop --discovery --discovery-ttl 0 "$TMP/app"
is "$(kube_log | jq -r .path | sort | paste -sd' ')" "/api /apis" "--discovery-ttl 0: asked every time"
# Kubernetes' kinds and the render's own CRDs need no cluster
mkdir -p "$TMP/plain"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' >"$TMP/plain/cm.yaml"
kube_log_clear
run gitops-render -n shop --discovery --discovery-ttl 0 "$TMP/plain"
is "$(ns_of ConfigMap c) $(kube_log | grep -c .)" "shop 0" "a render of Kubernetes' kinds asks no one"

# The cluster gone: the cached answer serves, with a warning; without one, the table
kube_stop
run gitops-render -n shop --discovery --discovery-ttl 0 "$TMP/app"
is "$RC $(ns_of Widget w1) $(ns_of Sprocket s1) $(ns_of Gadget g1)" "0 - - shop" "an unreachable cluster: its cached answer still serves"
unlike "$ERR" "scope unknown" "no kind unknown"
like "$ERR" "warning: discovery: the cluster did not answer; using its answer from .*/discovery/" "and says so"
rm -rf "$XDG_CACHE_HOME/gitops-tools/discovery"
run gitops-render -n shop --discovery "$TMP/app"
is "$RC $(ns_of Widget w1) $(ns_of Deployment web)" "0 - shop" "no cache either: the render goes on with the table"
like "$ERR" "warning: discovery: the cluster did not answer; scopes from --api-resources and the built-in table" "and says so"
like "$ERR" "Widget.example.com: scope unknown" "the kinds left unknown are warned about"

done_testing
