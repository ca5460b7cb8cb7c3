#!/usr/bin/env bash
# hostile-engine.t: what a chart, an overlay or an Application can make helm and kustomize do.
# Every engine runs under --timeout and is stopped with everything it started (a helm whose child
# ignores SIGTERM, a template that loops in the native engine, a kustomization whose remote
# resource is on a server that never answers); every
# engine runs in a private empty home, so neither a helm plugin in the user's data directory nor
# the user's repositories file (with its password) is used, unless --user-engine-config; a release
# name from the Application or the command line is never taken as an option (--post-renderer).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export XDG_DATA_HOME=$TMP/xdg-data XDG_CONFIG_HOME=$TMP/xdg-config TMPDIR=$TMP/tmpdir
unset HELM_CONFIG_HOME HELM_CACHE_HOME HELM_DATA_HOME HELM_PLUGINS HELM_REPOSITORY_CONFIG KUBERNETES_SERVICE_HOST
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
mkdir -p "$HOME" "$TMPDIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }
gone() { # gone PID: true once PID has ended (gone or a zombie), waiting up to 10 s
	local st
	for _ in $(seq 200); do
		{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 0
		st=${st##*) }
		[ "${st%% *}" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

CHART=$TMP/chart
mkdir -p "$CHART/templates"
printf 'apiVersion: v2\nname: app\nversion: 1.0.0\n' >"$CHART/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n' >"$CHART/templates/cm.yaml"

# ---------------------------------------------------------------------------------------------
# 7. Every engine under --timeout, stopped with what it started

cat >"$TMP/hanging-helm" <<EOF
#!/bin/sh
[ "\$1" = version ] && { echo v3.17.3; exit 0; }
# a child that ignores SIGTERM and holds the output pipe: only its process group's SIGKILL ends it
sh -c 'trap "" TERM; echo \$\$ >"$TMP/grandchild.pid"; exec sleep 300' &
wait
EOF
chmod +x "$TMP/hanging-helm"
run timeout -k 5 60 "$BIN/gitops-render" --engine exec --helm "$TMP/hanging-helm" --timeout 2 -o json "$CHART"
is "$RC:$OUT" "2:" "helm template that hangs, --timeout 2: exit 2, nothing on stdout"
like "$ERR" "helm template: did not finish within 2 s \(--timeout\); stopped it and everything it started" "said"
GRANDCHILD=$(cat "$TMP/grandchild.pid" 2>/dev/null)
ok "$([ -n "$GRANDCHILD" ] && gone "$GRANDCHILD"; echo $?)" "its child, which ignores SIGTERM, is gone too"
is "$(tmp_left)" 0 "no temporary file left"

# The native Helm engine runs in-process code: in a child of its own, so that a template that
# loops (8 * 10^9 iterations here) is stopped the same way
mkdir -p "$TMP/loop-chart/templates"
cp "$CHART/Chart.yaml" "$TMP/loop-chart/"
printf '{{- range until 2000 }}{{- range until 2000 }}{{- range until 2000 }}{{- end }}{{- end }}{{- end }}\n' \
	>"$TMP/loop-chart/templates/cm.yaml"
cat "$CHART/templates/cm.yaml" >>"$TMP/loop-chart/templates/cm.yaml"
# (auto renders it natively too: it uses nothing the engine leaves to helm)
for engine in native auto; do
	run timeout -k 5 60 "$BIN/gitops-render" --engine $engine --helm "$HELM" --timeout 2 -o json "$TMP/loop-chart"
	is "$RC:$OUT" "2:" "--engine $engine, a template that loops, --timeout 2: exit 2, nothing on stdout"
	like "$ERR" "helm template \(native engine\): did not finish within 2 s \(--timeout\)" "--engine $engine: said"
	is "$(tmp_left)" 0 "--engine $engine: no temporary file left"
done

# A template's error (fail, required) that prints the token: masked with every engine, as helm's
# stderr is
mkdir -p "$TMP/fail-chart/templates"
cp "$CHART/Chart.yaml" "$TMP/fail-chart/"
printf '{{ fail (printf "no access with %%s" .Values.t) }}\n' >"$TMP/fail-chart/templates/cm.yaml"
for engine in native auto exec; do
	run env GITOPS_GIT_TOKEN=tok-secret-9876 "$BIN/gitops-render" --engine $engine --helm "$HELM" -o json \
		--set t=tok-secret-9876 "$TMP/fail-chart"
	like "$RC:$ERR" "^2:.*no access with \*\*\*" "--engine $engine: a template's error naming the token: exit 2, masked"
	unlike "$ERR" "tok-secret-9876" "--engine $engine: the token is not shown"
	is "$(tr -cd '\0' <"$TMP/.err" | wc -c)" 0 "--engine $engine: the messages are whole lines of text (no NUL)"
done

git_server_hung
mkdir -p "$TMP/remote-overlay"
printf 'resources:\n- %s/deployment.yaml\n' "http://127.0.0.1:$HUNG_PORT" >"$TMP/remote-overlay/kustomization.yaml"
run timeout -k 5 120 "$BIN/gitops-render" --timeout 3 -o json "$TMP/remote-overlay"
is "$RC:$OUT" "2:" "kustomize with a remote resource on a server that never answers, --timeout 3: exit 2"
like "$ERR" "kustomize build: did not finish within 3 s \(--timeout\)" "said"

# ---------------------------------------------------------------------------------------------
# 1. A private empty home: no plugin, repository or login of the user's

# A helm downloader plugin in the user's data directory, for a scheme a chart may name
mkdir -p "$XDG_DATA_HOME/helm/plugins/evil"
cat >"$XDG_DATA_HOME/helm/plugins/evil/plugin.yaml" <<'EOF'
name: evil
version: 0.1.0
usage: evil
description: evil
command: "$HELM_PLUGIN_DIR/evil.sh"
downloaders:
- command: "evil.sh"
  protocols:
  - "evil"
EOF
printf '#!/bin/sh\ntouch "%s/PWNED"\nexit 1\n' "$TMP" >"$XDG_DATA_HOME/helm/plugins/evil/evil.sh"
chmod +x "$XDG_DATA_HOME/helm/plugins/evil/evil.sh"
mkdir -p "$TMP/plugin-chart/templates"
cp "$CHART/templates/cm.yaml" "$TMP/plugin-chart/templates/"
printf 'apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: dep\n  version: 1.0.0\n  repository: evil://x\n' \
	>"$TMP/plugin-chart/Chart.yaml"
run gitops-render --helm "$HELM" -o json "$TMP/plugin-chart"
is "$RC:$OUT" "2:" "a dependency on evil:// with the plugin in the user's data directory: exit 2"
ok "$([ ! -e "$TMP/PWNED" ]; echo $?)" "the user's plugin did not run"
run gitops-render --helm "$HELM" --user-engine-config -o json "$TMP/plugin-chart"
ok "$([ -e "$TMP/PWNED" ]; echo $?)" "with --user-engine-config helm reads the user's configuration (the plugin runs)"
rm -f "$TMP/PWNED"

# The user's repositories file, with a password, for a dependency named by alias
cat >"$TMP/authlog.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        with open(sys.argv[2], 'a') as f:
            f.write('%s auth=%s\n' % (self.path, self.headers.get('Authorization', '-')))
        self.send_response(404)
        self.send_header('Content-Length', '0')
        self.end_headers()
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
EOF
: >"$TMP/repo.log"
setpriv --pdeathsig KILL python3 "$TMP/authlog.py" "$TMP/repo.port" "$TMP/repo.log" &
LOGPID=$!
at_exit "kill $LOGPID 2>/dev/null; wait $LOGPID 2>/dev/null"
for _ in $(seq 200); do [ -s "$TMP/repo.port" ] && break; sleep 0.05; done
mkdir -p "$XDG_CONFIG_HOME/helm"
cat >"$XDG_CONFIG_HOME/helm/repositories.yaml" <<EOF
apiVersion: ""
generated: "2026-01-01T00:00:00Z"
repositories:
- name: private
  url: http://127.0.0.1:$(cat "$TMP/repo.port")
  username: ci
  password: repo-password-5678
EOF
sed -i 's|repository: evil://x|repository: "@private"|' "$TMP/plugin-chart/Chart.yaml"
run gitops-render --helm "$HELM" -o json "$TMP/plugin-chart"
is "$RC" 2 "a dependency on the user's repository alias: exit 2 (the private home knows none)"
is "$(wc -l <"$TMP/repo.log")" 0 "the user's repository (and its password) was not used"
is "$(tmp_left)" 0 "the private home is removed"

# ---------------------------------------------------------------------------------------------
# 4. A release name is never an option

printf '#!/bin/sh\ntouch "%s/POST-RENDERED"\ncat\n' "$TMP" >"$TMP/evil-post.sh"
chmod +x "$TMP/evil-post.sh"
INJECT=--post-renderer=$TMP/evil-post.sh
run env ARGOCD_APP_NAME=app ARGOCD_APP_NAMESPACE=web ARGOCD_ENV_RELEASE_NAME="$INJECT" \
	"$BIN/gitops-render" --cmp --engine exec --helm "$HELM" "$CHART"
is "$RC:$OUT" "2:" "CMP: ARGOCD_ENV_RELEASE_NAME=--post-renderer=...: exit 2"
like "$ERR" "release name '--post-renderer=.*': helm takes lowercase letters" "the release name is refused as helm refuses it"
ok "$([ ! -e "$TMP/POST-RENDERED" ]; echo $?)" "CMP: no post-renderer ran"
for opt in --release-name --app; do
	run gitops-render --engine exec --helm "$HELM" -o json "$opt=$INJECT" "$CHART"
	is "$RC:$OUT" "2:" "$opt=--post-renderer=...: exit 2"
	ok "$([ ! -e "$TMP/POST-RENDERED" ]; echo $?)" "$opt: no post-renderer ran"
done
run env ARGOCD_APP_NAME=app ARGOCD_APP_NAMESPACE="$INJECT" "$BIN/gitops-render" --cmp --engine exec --helm "$HELM" "$CHART"
ok "$([ ! -e "$TMP/POST-RENDERED" ]; echo $?)" "CMP: a namespace --post-renderer=... is a value, not an option"
run gitops-render --engine native -o json --release-name="$INJECT" "$CHART"
like "$RC:$ERR" "^2:.*release name '--post-renderer=" "the native engine refuses such a release name too"
LONG=$(printf 'a%.0s' {1..54})
run gitops-render --helm "$HELM" -o json --release-name "$LONG" "$CHART"
like "$RC:$ERR" "^2:.*at most 53 characters" "a release name of 54 characters: refused, as helm does"
run gitops-render --helm "$HELM" -o json --release-name my-app.v2 "$CHART"
is "$RC:$(jq -r .metadata.name <<<"$OUT")" "0:my-app.v2" "a release name helm takes: rendered"

done_testing
