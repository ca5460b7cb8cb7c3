#!/usr/bin/env bash
# render-chart-repo.t: --chart NAME --repo-url URL --chart-version V, a chart from a Helm chart repository
# as Argo CD's Helm source takes it, on both engines, against a repository served on 127.0.0.1 with
# basic auth (packaged and indexed by the reference helm at test time). The version range resolved
# as helm resolves it, the credentials never in argv, on disk or in messages, the archive's digest
# checked against index.yaml, an unreachable repository exit 3, the archive fetched once.
# (OCI registries: render-chart-oci.t.)
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_HELM_USERNAME GITOPS_HELM_PASSWORD
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline
kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
canon() { jq -S -c .; }
SECRET='s3cret-Helm-pw'

# The repository: the guestbook chart as 0.3.1, 0.4.0 and 0.5.0-rc.1 (a pre-release)
REPO=$TMP/repo
mkdir -p "$REPO" "$TMP/src"
for v in 0.3.1 0.4.0 0.5.0-rc.1; do
	rm -rf "$TMP/src/guestbook"
	cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$TMP/src/guestbook"
	sed -i "s/^version: .*/version: $v/" "$TMP/src/guestbook/Chart.yaml"
	"$HELM" package -d "$REPO" "$TMP/src/guestbook" >/dev/null
done
cat >"$TMP/server.py" <<'PY'
import base64, functools, http.server, sys
user, pw, root = sys.argv[1], sys.argv[2], sys.argv[3]
want = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") != want:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="charts"')
            self.end_headers()
            return
        super().do_GET()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=root))
print("port", s.server_address[1], flush=True)
s.serve_forever()
PY
python3 -u "$TMP/server.py" ci "$SECRET" "$REPO" >"$TMP/http.log" 2>&1 &
HTTP_PID=$!
at_exit "kill $HTTP_PID 2>/dev/null"
for _ in $(seq 100); do
	PORT=$(sed -n 's/^port \([0-9]*\).*/\1/p' "$TMP/http.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
URL=http://127.0.0.1:$PORT/charts
mkdir -p "$REPO/charts" && mv "$REPO"/*.tgz "$REPO/charts/"
"$HELM" repo index "$REPO/charts" --url "$URL"

# a helm that logs its arguments, to show no password is among them
cat >"$TMP/logging-helm" <<SH
#!/bin/sh
echo "\$*" >>"$TMP/helm-args.log"
exec "$HELM" "\$@"
SH
chmod +x "$TMP/logging-helm"
: >"$TMP/helm-args.log"

"$HELM" template gb "$REPO/charts/guestbook-0.4.0.tgz" --include-crds --skip-tests | kdecode >"$TMP/040.want"
"$HELM" template gb "$REPO/charts/guestbook-0.3.1.tgz" --include-crds --skip-tests -f "$TOP/tests/fixtures/render-helm/guestbook/values-production.yaml" |
	kdecode >"$TMP/031prod.want"
like "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' "$TMP/040.want")" "guestbook-0.4.0" \
	"the oracle: helm renders 0.4.0"

export GITOPS_HELM_USERNAME=ci GITOPS_HELM_PASSWORD=$SECRET
for engine in native exec; do
	rm -rf "$XDG_CACHE_HOME"
	run gitops-render -o json --engine "$engine" --helm "$TMP/logging-helm" --release-name gb --chart guestbook \
		--repo-url "$URL" --chart-version '^0.3.0 || ~0.4.0'
	is "$RC" 0 "$engine: a range: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$(cat "$TMP/040.want")" "$engine: the highest version in the range, as helm template renders it"
	rm -rf "$XDG_CACHE_HOME"
	run gitops-render -o json --engine "$engine" --helm "$TMP/logging-helm" --release-name gb --chart guestbook --repo-url "$URL"
	is "$(canon <<<"$OUT")" "$(cat "$TMP/040.want")" "$engine: no --chart-version: the newest release (not the pre-release)"
	run gitops-render -o json --engine "$engine" --helm "$TMP/logging-helm" --release-name gb --chart guestbook --repo-url "$URL" \
		--chart-version 0.3.1 -f "$TOP/tests/fixtures/render-helm/guestbook/values-production.yaml"
	is "$(canon <<<"$OUT")" "$(cat "$TMP/031prod.want")" "$engine: an exact version, a values file from the working directory"
done
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 0.5.0-rc.1
like "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' <<<"$OUT")" "guestbook-0.5.0-rc.1" \
	"a pre-release when asked for by name"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.name' <<<"$OUT")" "guestbook" "the release name defaults to the chart's name"

# credentials: never in argv, on disk or in a message
is "$(grep -c -- "$SECRET" "$TMP/helm-args.log")" 0 "the password is in no helm argv"
is "$(grep -rl -- "$SECRET" "$XDG_CACHE_HOME" "$TMPDIR" 2>/dev/null | wc -l)" 0 "nor in any file the runs left"
GITOPS_HELM_PASSWORD=wrong-$SECRET run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 0.4.x
is "$RC" 3 "a wrong password: exit 3"
is "$OUT" "" "nothing on stdout"
unlike "$ERR" "$SECRET" "the password is not in the message"
like "$ERR" "cannot be read" "the repository is named as unreadable"
unset GITOPS_HELM_PASSWORD
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 0.4.x
is "$RC" 3 "no password: exit 3"
run gitops-render -o json --helm "$TMP/logging-helm" --password-stdin --chart guestbook --repo-url "$URL" --chart-version 0.4.x <<<"$SECRET"
is "$RC" 0 "--password-stdin: exit 0" || echo "# $ERR"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' <<<"$OUT")" "guestbook-0.4.0" "--password-stdin: 0.4.x is 0.4.0"
printf '%s\n' "$SECRET" >"$TMP/pw" && chmod 600 "$TMP/pw"
run gitops-render -o json --helm "$TMP/logging-helm" --password-file "$TMP/pw" --chart guestbook --repo-url "$URL" --chart-version 0.4.0
is "$RC" 0 "--password-file: exit 0" || echo "# $ERR"
is "$(grep -c -- "$SECRET" "$TMP/helm-args.log")" 0 "still no password in any helm argv"
export GITOPS_HELM_PASSWORD=$SECRET

# a version the repository does not have; an unknown chart
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 9.9.9
is "$RC" 2 "a version the repository lacks: exit 2"
like "$ERR" "no version matches '9.9.9'" "said"
run gitops-render -o json --helm "$TMP/logging-helm" --chart nosuch --repo-url "$URL"
is "$RC" 2 "an unknown chart: exit 2"
like "$ERR" "no chart named nosuch" "said"

# nothing listens there
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url http://127.0.0.1:1/charts --chart-version 0.4.0
is "$RC" 3 "an unreachable repository: exit 3"
like "$ERR" "cannot be read" "said"
is "$OUT" "" "nothing on stdout"

# An Argo CD Application whose source is the chart (chart:, repoURL the repository, targetRevision
# the version or a range such as 0.4.*): the objects of the equivalent explicit flags, parameters
# and inline values applied, the release named after the app, tracked as the app
mkdir -p "$TMP/apps"
chart_app() { # NAME REVISION [HELM-BLOCK-LINES]
	printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: %s\n  namespace: argocd\nspec:\n' "$1"
	printf '  project: default\n  source:\n    chart: guestbook\n    repoURL: %s\n    targetRevision: "%s"\n' "$URL" "$2"
	[ -z "${3:-}" ] || printf '    helm:\n%s\n' "$3"
	printf '  destination:\n    server: https://kubernetes.default.svc\n    namespace: %s-ns\n' "$1"
}
chart_app gb 0.4.* '      parameters:
        - {name: replicaCount, value: "5"}
        - {name: config.greeting, value: "true", forceString: true}
      values: |
        podAnnotations: {team: storefront}' >"$TMP/apps/gb.yaml"
chart_app plain 0.3.1 >"$TMP/apps/plain.yaml"
printf 'podAnnotations: {team: storefront}\n' >"$TMP/inline.yaml"
for engine in native exec; do
	run gitops-render -o json --engine "$engine" --helm "$HELM" --chart guestbook --repo-url "$URL" --chart-version '0.4.*' \
		--app gb -n gb-ns --set replicaCount=5 --set-string config.greeting=true -f "$TMP/inline.yaml"
	is "$RC" 0 "$engine: the explicit flags: exit 0" || echo "# $ERR"
	WANT=$(canon <<<"$OUT" | sort)
	run gitops-render -o json --engine "$engine" --helm "$HELM" --application "$TMP/apps/gb.yaml"
	is "$RC" 0 "$engine: --application with a chart source: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT" | sort)" "$WANT" "$engine: the objects of --chart --repo-url --chart-version and the helm flags"
done
is "$(jq -r 'select(.kind == "Deployment") | "\(.metadata.labels["helm.sh/chart"]) \(.metadata.name) \(.spec.replicas)"' <<<"$OUT")" \
	"guestbook-0.4.0 gb-guestbook 5" "targetRevision 0.4.* is 0.4.0; the release is the app's name; the parameter applied"
like "$OUT" '"team":"storefront"' "the inline values applied"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.annotations["argocd.argoproj.io/tracking-id"]' <<<"$OUT")" \
	"gb:apps/Deployment:gb-ns/gb-guestbook" "tracked as the app, in its destination namespace"
run gitops-render -o json --helm "$HELM" -v --application "$TMP/apps/gb.yaml" --chart-version 0.3.1
like "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' <<<"$OUT")" "guestbook-0.3.1" \
	"--chart-version wins over targetRevision"
like "$ERR" "--chart-version 0.3.1 given: wins over the Application's targetRevision 0.4.\\*" "-v says so"
# --applications: both chart apps in one run, each tracked as its app
want_many=
for f in gb plain; do
	run gitops-render -o json --helm "$HELM" --application "$TMP/apps/$f.yaml"
	want_many+="$OUT"$'\n'
done
run gitops-render -o json --helm "$HELM" --applications "$TMP/apps"
is "$RC" 0 "--applications with chart sources: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT" | sort)" "$(canon <<<"$want_many" | grep . | sort)" "--applications: the objects of each --application"
like "$(jq -r 'select(.kind == "Deployment") | .metadata.labels["helm.sh/chart"]' <<<"$OUT" | sort | paste -sd' ')" \
	"guestbook-0.3.1 guestbook-0.4.0" "each app at its own version"
# multi-source, the usual shape: the chart from the repository, its values file from a ref source
# (a git repository: here a local bare one)
mkdir -p "$TMP/cfg/envs/prod"
printf 'replicaCount: 6\nconfig:\n  title: "From the config repo"\n' >"$TMP/cfg/envs/prod/guestbook.yaml"
git init -q -b main "$TMP/cfg" && git -C "$TMP/cfg" add -A &&
	git -C "$TMP/cfg" -c user.name=t -c user.email=t@example.com commit -qm values &&
	git clone -q --bare "$TMP/cfg" "$TMP/cfg.git"
cat >"$TMP/multi.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: gb-prod, namespace: argocd}
spec:
  sources:
    - chart: guestbook
      repoURL: $URL
      targetRevision: 0.4.0
      helm:
        valueFiles: [\$values/envs/prod/guestbook.yaml]
    - repoURL: $TMP/cfg.git
      targetRevision: main
      ref: values
  destination: {server: "https://kubernetes.default.svc", namespace: prod}
YAML
run gitops-render -o json --helm "$HELM" --chart guestbook --repo-url "$URL" --chart-version 0.4.0 --app gb-prod -n prod \
	-f "$TMP/cfg/envs/prod/guestbook.yaml"
WANT=$(canon <<<"$OUT" | sort)
run gitops-render -o json --helm "$HELM" --application "$TMP/multi.yaml"
is "$RC" 0 "a chart source with a \$values ref source: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT" | sort)" "$WANT" "the objects of the explicit flags with the ref source's file as -f"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 6 "the ref source's values applied"
# what cannot be honoured is refused, naming the field and the file
chart_app vf 0.4.0 '      valueFiles: [values-production.yaml]' >"$TMP/vf.yaml"
run gitops-render -o json --helm "$HELM" --application "$TMP/vf.yaml"
is "$RC" 2 "valueFiles inside a chart from a repository: exit 2"
like "$ERR" "vf.yaml:1: application vf: spec.source.helm.valueFiles 'values-production.yaml': a file inside a chart from a Helm repository: not supported" \
	"the field and the file named"
chart_app norev "" | sed '/targetRevision/d' >"$TMP/norev.yaml"
run gitops-render -o json --helm "$HELM" --application "$TMP/norev.yaml"
is "$RC" 2 "no targetRevision: exit 2"
like "$ERR" "norev.yaml:1: application norev: spec.source.targetRevision: a chart source needs the chart's version" "said"
sed "s|repoURL: .*|repoURL: ftp://127.0.0.1/charts|" "$TMP/apps/plain.yaml" >"$TMP/ftp.yaml"
run gitops-render -o json --helm "$HELM" --application "$TMP/ftp.yaml"
is "$RC" 2 "a repoURL that is no Helm repository: exit 2"
like "$ERR" "spec.source.repoURL ftp://127.0.0.1/charts: a Helm repository is an http\\(s\\) URL or an OCI registry" "said"

# the archive is not what index.yaml says: refused
cp "$REPO/charts/index.yaml" "$TMP/index.good"
python3 - "$REPO/charts/index.yaml" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
# the 0.3.1 entry's digest: another (valid-looking) sha256
i = s.index("version: 0.3.1"); j = s.rindex("digest:", 0, i)
s = s[:j] + "digest: " + "ab" * 32 + s[s.index("\n", j):]
open(p, "w").write(s)
PY
rm -rf "$XDG_CACHE_HOME"
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 0.3.1
is "$RC" 2 "a digest mismatch: exit 2"
is "$OUT" "" "nothing on stdout"
like "$ERR" "the archive's sha256 is [0-9a-f]{64}, the repository's index.yaml says (ab){32}" "the mismatch is named"
cp "$TMP/index.good" "$REPO/charts/index.yaml"

# fetched once: an exact version in the cache needs no repository
run gitops-render -o json --helm "$TMP/logging-helm" --release-name gb --chart guestbook --repo-url "$URL" --chart-version 0.4.0
is "$RC" 0 "fill the cache: exit 0"
run gitops-cache ls -t chart -o json
is "$(jq -r .type <<<"$OUT" | sort -u)" "chart" "gitops-cache lists the archives as type chart"
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
: >"$TMP/helm-args.log"
run gitops-render -o json --engine native --helm "$TMP/logging-helm" --release-name gb --chart guestbook --repo-url "$URL" --chart-version 0.4.0
is "$RC" 0 "the repository gone, the cached archive: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$(cat "$TMP/040.want")" "the cached archive renders"
is "$(grep -cE '^(repo|pull)' "$TMP/helm-args.log")" 0 "nothing fetched"
run gitops-render -o json --helm "$TMP/logging-helm" --chart guestbook --repo-url "$URL" --chart-version 0.4.x
is "$RC" 3 "a range needs the index, the repository is unreachable: exit 3"

# usage
run gitops-render --chart guestbook --repo-url "$URL" --plain-http
is "$RC" 2 "--plain-http with an http(s) repository: exit 2 (it is for oci://)"
run gitops-render --chart guestbook
is "$RC" 2 "--chart without --repo-url: exit 2"
run gitops-render --chart guestbook --repo-url "http://ci:$SECRET@127.0.0.1:$PORT/charts"
is "$RC" 2 "a password in the URL: exit 2"
unlike "$ERR" "$SECRET" "and not repeated"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "every temporary directory is gone"

done_testing
