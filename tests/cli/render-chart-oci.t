#!/usr/bin/env bash
# render-chart-oci.t: --chart NAME --repo-url oci://HOST/PATH, a chart in an OCI registry, against
# Debian's docker-registry (distribution 2.8, installed by tests/tools/deps) on 127.0.0.1 with
# htpasswd auth over plain http (--plain-http). Charts are pushed by the reference helm at test
# time. A range resolved from the registry's tags, both engines against helm template, the
# password never in argv or a file left behind, refused credentials and a missing version exit 3,
# an exact version fetched once.
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
require docker-registry
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
export HELM_CONFIG_HOME=$TMP/helmhome/config HELM_CACHE_HOME=$TMP/helmhome/cache HELM_DATA_HOME=$TMP/helmhome/data
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_HELM_USERNAME GITOPS_HELM_PASSWORD
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline
kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
canon() { jq -S -c .; }
SECRET='s3cret-OCI-pw'

# the htpasswd line (bcrypt), made by the native engine's htpasswd function
mkdir -p "$TMP/hp/templates"
printf 'apiVersion: v2\nname: hp\nversion: 0.1.0\n' >"$TMP/hp/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hp\ndata:\n  line: {{ htpasswd "ci" "%s" | quote }}\n' "$SECRET" \
	>"$TMP/hp/templates/cm.yaml"
gitops-render --engine native -o json "$TMP/hp" | jq -r .data.line >"$TMP/htpasswd"

# a free port: bound and released by python, then the registry's
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $TMP/registry
http:
  addr: 127.0.0.1:$PORT
auth:
  htpasswd:
    realm: charts
    path: $TMP/htpasswd
YML
docker-registry serve "$TMP/registry.yml" >"$TMP/registry.log" 2>&1 &
REG_PID=$!
at_exit "kill $REG_PID 2>/dev/null"
for _ in $(seq 100); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
	sleep 0.1
done
URL=oci://127.0.0.1:$PORT/charts

# 0.3.1 and 0.4.0 pushed
for v in 0.3.1 0.4.0; do
	rm -rf "$TMP/src" && mkdir -p "$TMP/src" "$TMP/pkg"
	cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$TMP/src/guestbook"
	sed -i "s/^version: .*/version: $v/" "$TMP/src/guestbook/Chart.yaml"
	"$HELM" package -d "$TMP/pkg" "$TMP/src/guestbook" >/dev/null
done
"$HELM" registry login "127.0.0.1:$PORT" --username ci --password-stdin --insecure <<<"$SECRET" >/dev/null 2>&1
for v in 0.3.1 0.4.0; do
	"$HELM" push "$TMP/pkg/guestbook-$v.tgz" "$URL" --plain-http >/dev/null 2>&1
done
"$HELM" registry logout "127.0.0.1:$PORT" >/dev/null 2>&1
"$HELM" template gb "$TMP/pkg/guestbook-0.4.0.tgz" --include-crds --skip-tests | kdecode >"$TMP/040.want"
"$HELM" template gb "$TMP/pkg/guestbook-0.3.1.tgz" --include-crds --skip-tests | kdecode >"$TMP/031.want"
like "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' "$TMP/040.want")" "guestbook-0.4.0" \
	"the oracle: helm renders 0.4.0 (the registry holds it)"

cat >"$TMP/logging-helm" <<SH
#!/bin/sh
echo "\$*" >>"$TMP/helm-args.log"
exec "$HELM" "\$@"
SH
chmod +x "$TMP/logging-helm"
: >"$TMP/helm-args.log"

export GITOPS_HELM_USERNAME=ci GITOPS_HELM_PASSWORD=$SECRET
for engine in native exec; do
	rm -rf "$XDG_CACHE_HOME"
	run gitops-render -o json --engine "$engine" --helm "$TMP/logging-helm" --release-name gb --chart guestbook \
		--repo-url "$URL" --plain-http --chart-version '^0.3.0 || ~0.4.0'
	is "$RC" 0 "$engine: a range: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$(cat "$TMP/040.want")" "$engine: the highest tag in the range, as helm template renders it"
	run gitops-render -o json --engine "$engine" --helm "$TMP/logging-helm" --release-name gb --chart guestbook \
		--repo-url "$URL" --plain-http --chart-version 0.3.1
	is "$(canon <<<"$OUT")" "$(cat "$TMP/031.want")" "$engine: an exact version"
done
is "$(grep -c -- "$SECRET" "$TMP/helm-args.log")" 0 "the password is in no helm argv"
is "$(grep -rl -- "$SECRET" "$XDG_CACHE_HOME" "$TMPDIR" 2>/dev/null | wc -l)" 0 "nor in any file the runs left"

GITOPS_HELM_PASSWORD=wrong run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" \
	--plain-http --chart-version 0.4.0 --no-cache
is "$RC" 3 "refused credentials: exit 3"
is "$OUT" "" "nothing on stdout"
unlike "$ERR" "$SECRET" "the password is in no message"
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --plain-http --chart-version 9.9.9
is "$RC" 3 "a version the registry lacks: exit 3 (helm's pull fails)"
like "$ERR" "no version '9.9.9' could be pulled" "said"

# An Argo CD Application with a chart from the registry: repoURL as Argo CD writes it, HOST/PATH
# without oci:// (--plain-http from the command line: Argo CD has it in the repository's secret);
# targetRevision a range; the objects of the explicit flags
mkdir -p "$TMP/apps"
for v in "0.4.*" 0.3.1; do
	n=gb-${v//[.*]/}
	printf -- '---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: %s, namespace: argocd}\nspec:\n' "$n"
	printf '  source:\n    chart: guestbook\n    repoURL: %s\n    targetRevision: "%s"\n' "${URL#oci://}" "$v"
	printf '    helm:\n      parameters: [{name: replicaCount, value: "4"}]\n'
	printf '  destination: {server: "https://kubernetes.default.svc", namespace: shop}\n'
done >"$TMP/apps/all.yaml"
sed -n '1,/^  destination/p' "$TMP/apps/all.yaml" >"$TMP/apps/one.yaml"
like "$(cat "$TMP/apps/one.yaml")" "repoURL: 127.0.0.1:$PORT/charts" "the fixture: no oci:// in repoURL"
run gitops-render -o json --helm "$HELM" --plain-http --chart guestbook --repo-url "$URL" --chart-version '0.4.*' \
	--app gb-04 -n shop --set replicaCount=4
is "$RC" 0 "the explicit flags: exit 0" || echo "# $ERR"
WANT=$(canon <<<"$OUT" | sort)
run gitops-render -o json --helm "$HELM" --plain-http --application "$TMP/apps/one.yaml"
is "$RC" 0 "--application, a chart in an OCI registry: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT" | sort)" "$WANT" "the objects of --chart --repo-url oci://... --chart-version"
is "$(jq -r 'select(.kind == "Deployment") | "\(.metadata.labels["helm.sh/chart"]) \(.spec.replicas)"' <<<"$OUT")" \
	"guestbook-0.4.0 4" "0.4.* resolved from the tags; the parameter applied"
run gitops-render -o json --helm "$HELM" --plain-http --applications - <"$TMP/apps/all.yaml"
is "$RC" 0 "--applications -, two chart apps: exit 0" || echo "# $ERR"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' <<<"$OUT" | sort | paste -sd' ')" \
	"guestbook-0.3.1 guestbook-0.4.0" "each at its own version"

# fetched once: the registry gone, the exact version renders from the cache
kill "$REG_PID" 2>/dev/null
wait "$REG_PID" 2>/dev/null
: >"$TMP/helm-args.log"
run gitops-render -o json --helm "$TMP/logging-helm" --release-name gb --chart guestbook --repo-url "$URL" --plain-http \
	--chart-version 0.4.0
is "$RC" 0 "the registry gone, the cached archive: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$(cat "$TMP/040.want")" "the cached archive renders"
is "$(grep -cE '^(registry|pull)' "$TMP/helm-args.log")" 0 "nothing fetched"
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --plain-http --chart-version 0.4.x
is "$RC" 3 "a range needs the registry, which is gone: exit 3"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "every temporary directory is gone"

done_testing
