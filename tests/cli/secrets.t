#!/usr/bin/env bash
# secrets.t: the secret audit. Every tool, on its success and its failure paths, with a known git
# token, a known wrong token, the API stand-in's bearer token and a Secret with known values; then
# grep for them in everything a user or a CI log could see: stdout, stderr, every file written
# (TMPDIR, HOME, XDG_CACHE_HOME with the cached clones, kubectl's cache), what was pushed, the argv
# of every child (git, kubectl and helm on PATH are shims that log their argv and their parent's)
# and /proc/*/cmdline sampled while the tools run.
#
# Where a secret is the data a tool exists to print, stdout is exempt and the test says so:
# gitops-repo-add --show-secrets without --apply prints the repository Secret (that is its output,
# to pipe into kubectl apply), gitops-render prints the Secret objects of the manifests.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY
export no_proxy=localhost,127.0.0.1 NO_PROXY=localhost,127.0.0.1
FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
export GITOPS_HELM=$HELM
# Everything the tools may write goes below $WORK.
WORK=$TMP/work
mkdir -p "$WORK/tmp" "$WORK/cache" "$WORK/home" "$TMP/in" "$TMP/logs"
export TMPDIR=$WORK/tmp XDG_CACHE_HOME=$WORK/cache

git_server_start --password "tok-Gx7qPz9wK3mV2nL8"
git_cli_env
URL=$(git_repo_create manifests --from "$FIX")
TOKEN=$GIT_SERVER_PASSWORD
BAD=wrong-tok-Hq4rT8sY1uJ6
# Put on the command line by the user (the tools refuse them): on argv by the user's doing, so
# audited everywhere but in argv.
URL_PW=url-pw-Mk2Lw9Qe5Rt7
ARGV_PW=argv-pw-Vb6Nc3Xz0Ap4
SECRET_PW=s3cr3t-Db-Pa55w0rd-Zx81
SECRET_KEY=ak-9f8e7d6c5b4a3928
kube_start --ready-delay 0
kubectl create namespace argocd >/dev/null
kubectl apply -f "$TOP/tests/fixtures/app-create/application-crd.yaml" >/dev/null
export HOME=$WORK/home # after kube_start: its kubeconfig is in $TMP, kubectl's cache in KUBECACHEDIR

export HELM_CONFIG_HOME=$WORK/helm/config HELM_CACHE_HOME=$WORK/helm/cache HELM_DATA_HOME=$WORK/helm/data

# Shims for every child a tool may run: argv and the parent's argv, for children of our tools.
mkdir -p "$TMP/shim"
for tool in git kubectl helm; do
	real=$(command -v "$tool") || real=${GITOPS_HELM:-/nonexistent}
	cat >"$TMP/shim/$tool" <<EOF
#!/bin/sh
case \$(tr '\\0' ' ' </proc/\$PPID/cmdline) in
*gitops-*) { printf '$tool argv:'; printf ' %s' "\$@"; printf '\\nparent: '; tr '\\0' ' ' </proc/\$PPID/cmdline; printf '\\n'; } >>"$TMP/logs/children" ;;
esac
exec "$real" "\$@"
EOF
	chmod +x "$TMP/shim/$tool"
done
export PATH="$TMP/shim:$PATH"

# /proc/*/cmdline of the tools and the programs they run, sampled while they run (ps reads
# exactly that). Only this test's descendants, and only processes that are those programs: the
# test's own sed/printf lines carry the secrets on purpose, as do concurrent runs of this test
# elsewhere on the machine; the API stand-in gets its token on its command line from kube_start.
# (Under tests/tools/valgrind a tool's process is valgrind's, named memcheck-ARCH.) Descendants,
# not "ps -s SESSION": a CI runner that never calls setsid leaves every process in session 0,
# which ps refuses ("process ID out of range"), and the sampler then saw nothing at all.
: >"$TMP/logs/proc"
touch "$TMP/sampling"
sample_tools() {
	ps -ww -e -o pid=,ppid=,comm=,args= | awk -v root=$$ '
		{ pid = $1; parent[pid] = $2; comm[pid] = $3; sub(/^ *[0-9]+ +[0-9]+ +/, ""); line[pid] = $0 }
		END {
			for (p in parent) {
				if (comm[p] !~ /^(gitops-|kubectl|git|helm|kustomize|memcheck|valgrind)/) continue
				for (q = parent[p]; q in parent && q != root; q = parent[q]) ;
				if (q == root) print line[p]
			}
		}'
}
(while [ -e "$TMP/sampling" ]; do
	sample_tools >>"$TMP/logs/proc"
	sleep 0.02
done) &
SAMPLER=$!
at_exit "rm -f '$TMP/sampling'; kill $SAMPLER 2>/dev/null; wait $SAMPLER 2>/dev/null"

# Every run's stdout and stderr are kept; secret() then greps them all.
N=0
# audit NAME [--data-on-stdout] CMD...: run CMD (stdin from $STDIN or /dev/null), keep its output.
audit() {
	local name=$1 exempt=
	shift
	[ "$1" = --data-on-stdout ] && { exempt=1; shift; }
	N=$((N + 1))
	"$@" <"${STDIN:-/dev/null}" >"$TMP/logs/$N.out" 2>"$TMP/logs/$N.err"
	RC=$?
	OUT=$(cat "$TMP/logs/$N.out")
	ERR=$(cat "$TMP/logs/$N.err")
	[ -n "$exempt" ] && mv "$TMP/logs/$N.out" "$TMP/logs/$N.data"
	echo "# $name: exit $RC${ERR:+: ${ERR%%$'\n'*}}"
}

# ---------------------------------------------------------------------------------------------
# gitops-set-image: push ok (token from the environment, a file, stdin), auth failure, bad URLs.
export GITOPS_GIT_TOKEN=$TOKEN GITOPS_GIT_USERNAME=$GIT_SERVER_USER
audit "set-image ok" gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.4 -o json -v
is "$RC" 0 "set-image: pushed"
printf '%s\n' "$TOKEN" >"$TMP/in/token"
audit "set-image --password-file" env -u GITOPS_GIT_TOKEN gitops-set-image --repo "$URL" --file "$VALUES" \
	--set image.tag=1.2.5 --password-file "$TMP/in/token" -o json
is "$RC" 0 "set-image --password-file: pushed"
# --password-stdin from a pipe the test holds open until the sampler has recorded the waiting
# run: that makes "the sampler saw the tools' command lines" below certain rather than lucky
# (an idle machine runs set-image faster than one sampling interval).
mkfifo "$TMP/in/token-fifo"
(exec 9>"$TMP/in/token-fifo"
	for _ in $(seq 400); do grep -q "gitops-set-image --repo" "$TMP/logs/proc" && break; sleep 0.05; done
	printf '%s\n' "$TOKEN" >&9) &
FEEDER=$!
STDIN=$TMP/in/token-fifo audit "set-image --password-stdin" env -u GITOPS_GIT_TOKEN gitops-set-image --repo "$URL" \
	--file "$VALUES" --set image.tag=1.2.6 --password-stdin -o text
wait $FEEDER
is "$RC" 0 "set-image --password-stdin: pushed"
GITOPS_GIT_TOKEN=$BAD audit "set-image wrong token" gitops-set-image --repo "$URL" --file "$VALUES" \
	--set image.tag=1.2.7 -o json -v
is "$RC" 3 "set-image with a wrong token: exit 3"
audit "set-image URL with the token in it" gitops-set-image --repo "${URL/:\/\//://gitops:$URL_PW@}" \
	--file "$VALUES" --set image.tag=1.2.7 -o json
is "$RC" 2 "set-image with user:token@ in the URL: refused (exit 2)"
audit "set-image unreachable" gitops-set-image --repo "http://127.0.0.1:9/nowhere.git" --file "$VALUES" \
	--set image.tag=1.2.7 -o json -v
is "$RC" 3 "set-image to a closed port: exit 3"
audit "set-image malformed URL" gitops-set-image --repo "ht tp://x/r.git" --file "$VALUES" --set image.tag=1.2.7 -o json
ok $((RC == 0)) "set-image with a malformed URL: an error (exit $RC)"

# ---------------------------------------------------------------------------------------------
# gitops-rollback and gitops-history.
audit "rollback ok" gitops-rollback --repo "$URL" --path charts/my-app --reason "audit" -o json -v
is "$RC" 0 "rollback: pushed"
GITOPS_GIT_TOKEN=$BAD audit "rollback wrong token" gitops-rollback --repo "$URL" --path charts/my-app -o json
is "$RC" 3 "rollback with a wrong token: exit 3"
audit "rollback URL with the token in it" gitops-rollback --repo "${URL/:\/\//://gitops:$URL_PW@}" --path charts/my-app -o json
is "$RC" 2 "rollback with user:token@ in the URL: refused"
audit "history ok" gitops-history --repo "$URL" --file "$VALUES" --key image.tag -o json -v
is "$RC" 0 "history: listed"
GITOPS_GIT_TOKEN=$BAD audit "history wrong token" gitops-history --repo "$URL" -o json
is "$RC" 3 "history with a wrong token: exit 3"
audit "history URL with the token in it" gitops-history --repo "${URL/:\/\//://gitops:$URL_PW@}" -o text
is "$RC" 2 "history with user:token@ in the URL: refused (exit 2, as set-image and rollback)"

# ---------------------------------------------------------------------------------------------
# gitops-repo-add: verified against the git server, applied through kubectl.
audit "repo-add print" gitops-repo-add "$URL" -o json -v
is "$RC:$(jq -r .stringData.password <<<"$OUT")" "0:***" "repo-add: verified, the Secret printed with the token masked"
audit "repo-add print --show-secrets" --data-on-stdout gitops-repo-add "$URL" --show-secrets -o json -v
is "$RC" 0 "repo-add --show-secrets: verified, the Secret printed"
is "$(jq -r .stringData.password <<<"$OUT")" "$TOKEN" "(repo-add --show-secrets: the printed Secret is its data, it holds the token)"
audit "repo-add --apply" gitops-repo-add --apply "$URL" -o json -v
is "$RC" 0 "repo-add --apply: applied"
is "$(kube_get Secret argocd "$(jq -r .metadata.name <<<"$OUT")" | jq -r '.data.password | @base64d')" "$TOKEN" \
	"(the Secret in the cluster holds the token)"
audit "repo-add --apply again" gitops-repo-add --apply "$URL" -o yaml
is "$RC" 0 "repo-add --apply again: unchanged"
GITOPS_GIT_TOKEN=$BAD audit "repo-add --apply rotated, refused" gitops-repo-add --no-verify --apply "$URL" -o text
is "$RC" 1 "repo-add --apply with another token, no --upsert: refused"
GITOPS_GIT_TOKEN=$BAD audit "repo-add wrong token" gitops-repo-add "$URL" -o json -v
is "$RC" 3 "repo-add verification with a wrong token: exit 3"
audit "repo-add URL with the token in it" gitops-repo-add --no-verify "${URL/:\/\//://gitops:$URL_PW@}" -o json
is "$RC" 2 "repo-add with user:token@ in the URL: refused"
audit "repo-add token on argv" gitops-repo-add --no-verify --password "$ARGV_PW" "$URL" -o json
is "$RC" 2 "repo-add --password VALUE: refused"
audit "repo-add unreachable" gitops-repo-add "http://127.0.0.1:9/nowhere.git" -o json -v
is "$RC" 3 "repo-add to a closed port: exit 3"
audit "repo-add cluster refuses" env KUBECONFIG=/nonexistent gitops-repo-add --no-verify --apply "$URL" -o json --timeout 5
ok $((RC == 0)) "repo-add --apply without a cluster: an error (exit $RC)"

# ---------------------------------------------------------------------------------------------
# gitops-app-create: the cluster's bearer token, and a URL with a password in it.
audit "app-create --apply" gitops-app-create my-app --repo "$URL" --path charts/my-app --apply -o json -v
is "$RC" 0 "app-create --apply: applied"
audit "app-create URL with the token in it" gitops-app-create my-app --repo "${URL/:\/\//://gitops:$URL_PW@}" -o json
is "$RC" 2 "app-create with user:token@ in the URL: refused"
audit "app-create --apply, cluster fails" env KUBECONFIG=/nonexistent gitops-app-create my-app --repo "$URL" --apply -o json --timeout 5
ok $((RC == 0)) "app-create --apply without a cluster: an error (exit $RC)"

# ---------------------------------------------------------------------------------------------
# gitops-render: a Secret with known values (data and stringData); failures around them.
b64() { printf '%s' "$1" | base64 -w0; }
mkdir -p "$TMP/in/ok" "$TMP/in/bad-json" "$TMP/in/bad-yaml" "$TMP/in/bad-nul" "$TMP/in/dup"
secret_yaml() {
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\n'
	printf 'data:\n  password: %s\nstringData:\n  apiKey: %s\n' "$(b64 "$SECRET_PW")" "$SECRET_KEY"
}
secret_yaml >"$TMP/in/ok/secret.yaml"
audit "render ok" --data-on-stdout gitops-render "$TMP/in/ok" -v
is "$RC" 0 "render: the Secret rendered"
printf '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},\n "stringData": {"apiKey": %s}}\n' \
	"$SECRET_KEY" >"$TMP/in/bad-json/secret.json"
audit "render unquoted value in JSON" gitops-render "$TMP/in/bad-json"
is "$RC" 2 "render: an unquoted JSON value is an error"
printf '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},\n "stringData": {"apiKey": "%s\0"}}\n' \
	"$SECRET_KEY" >"$TMP/in/bad-nul/secret.json"
audit "render NUL in a JSON value" gitops-render "$TMP/in/bad-nul"
is "$RC" 2 "render: a NUL in a JSON value is an error"
{ secret_yaml; printf '  broken: "%s\n' "$SECRET_KEY"; } >"$TMP/in/bad-yaml/secret.yaml"
audit "render unclosed quote in YAML" gitops-render "$TMP/in/bad-yaml"
is "$RC" 2 "render: an unclosed quote is an error"
{ secret_yaml; printf -- '---\n'; secret_yaml; } >"$TMP/in/dup/secret.yaml"
audit "render duplicate Secret" gitops-render "$TMP/in/dup"
is "$RC" 2 "render: a duplicate Secret is an error"
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  apiKey: !!int %s\n' "$SECRET_KEY" >"$TMP/in/bad-yaml/secret.yaml"
audit "render value against its tag" gitops-render "$TMP/in/bad-yaml"
is "$RC" 2 "render: a value against its tag is an error"

# ---------------------------------------------------------------------------------------------
# gitops-render --repo: helm and kustomize from the remote (token from the environment), the
# render cache, and failures. Its private temporary directories must be gone after every run.
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }
# The fixture's chart has no templates: give the repo one that renders (pushed by the test's git).
git clone -q "$URL" "$TMP/clone"
mkdir -p "$TMP/clone/charts/web/templates"
printf 'apiVersion: v2\nname: web\nversion: 0.1.0\n' >"$TMP/clone/charts/web/Chart.yaml"
printf 'greeting: hello\n' >"$TMP/clone/charts/web/values.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  greeting: {{ .Values.greeting | quote }}\n' \
	>"$TMP/clone/charts/web/templates/configmap.yaml"
git -C "$TMP/clone" add charts/web
git -C "$TMP/clone" -c user.name=t -c user.email=t@example.com commit -qm "A chart that renders"
git -C "$TMP/clone" push -q origin HEAD
R=(--helm "$TMP/shim/helm" --kustomize "$TMP/shim/kubectl" -o json)
audit "render --repo helm" gitops-render --repo "$URL" --path charts/web "${R[@]}" -v
is "$RC" 0 "render --repo, helm chart: rendered"
audit "render --repo helm, cached" gitops-render --repo "$URL" --path charts/web "${R[@]}" -vv
is "$RC" 0 "render --repo, helm chart again: from the render cache"
audit "render --repo kustomize" gitops-render --repo "$URL" --path overlays/prod "${R[@]}" -v
is "$RC" 0 "render --repo, kustomize overlay: rendered"
GITOPS_GIT_TOKEN=$BAD audit "render --repo wrong token" gitops-render --repo "$URL" --path charts/web --no-cache "${R[@]}" -v
is "$RC" 3 "render --repo with a wrong token: exit 3"
audit "render --repo URL with the token in it" gitops-render --repo "${URL/:\/\//://gitops:$URL_PW@}" --path charts/web "${R[@]}"
is "$RC" 2 "render --repo with user:token@ in the URL: refused"
audit "render --repo, missing values" gitops-render --repo "$URL" --path charts/web -f missing-values.yaml "${R[@]}" -v
ok $((RC == 0)) "render --repo with a values file the repository lacks: an error (exit $RC)"
audit "render --repo, helm fails" gitops-render --repo "$URL" --path charts/web --engine exec --set 'x[zz]=1' "${R[@]}" -v
ok $((RC == 0)) "render --repo with a --set helm refuses: an error (exit $RC)"
audit "render --repo, no such path" gitops-render --repo "$URL" --path nowhere "${R[@]}"
ok $((RC == 0)) "render --repo of a path not in the repo: an error (exit $RC)"
is "$(tmp_left)" 0 "render: no temporary directory left in TMPDIR"
[ -n "$(find "$WORK/cache" -path '*/render/*' -type f | head -n 1)" ]
ok $? "(the render cache the audit greps holds entries)"
grep -q "^helm argv: template" "$TMP/logs/children"
ok $? "(the shims saw render's helm runs)"

# ---------------------------------------------------------------------------------------------
# gitops-diff: a Secret with known values against a file and against the cluster. Masked (Argo CD
# style) unless --show-secrets, where the values are the data on stdout.
printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"default"},"type":"Opaque","data":{"password":"%s","apiKey":"%s"}}\n' \
	"$(b64 "old-$SECRET_PW")" "$(b64 "$SECRET_KEY")" >"$TMP/in/secret-live.json"
audit "diff --live-file" gitops-diff -f "$TMP/in/ok/secret.yaml" --live-file "$TMP/in/secret-live.json" -o json
is "$RC" 1 "diff --live-file: the Secret differs (masked)"
audit "diff --live-file text" gitops-diff -f "$TMP/in/ok/secret.yaml" --live-file "$TMP/in/secret-live.json" -o text -v
is "$RC" 1 "diff --live-file -o text: the Secret differs (masked)"
audit "diff --show-secrets" --data-on-stdout gitops-diff -f "$TMP/in/ok/secret.yaml" --live-file "$TMP/in/secret-live.json" --show-secrets -o text
is "$RC" 1 "diff --show-secrets: the Secret differs, values shown"
audit "diff bad desired" gitops-diff -f "$TMP/in/bad-json/secret.json" --live-file "$TMP/in/secret-live.json"
is "$RC" 2 "diff of an unquoted JSON value: an error"
audit "diff bad live" gitops-diff -f "$TMP/in/ok/secret.yaml" --live-file "$TMP/in/bad-nul/secret.json"
is "$RC" 2 "diff with a NUL in a live value: an error"

# ---------------------------------------------------------------------------------------------
# gitops-apply: a Secret applied; failing applies of a Secret. Values never in stderr, Result
# records or kubectl's argv (the children log).
audit "apply Secret" gitops-apply -f "$TMP/in/ok/secret.yaml" -o json -v
is "$RC" 0 "apply: the Secret applied"
is "$(kube_get Secret default db | jq -r '.data.password | @base64d')" "$SECRET_PW" "(the Secret in the cluster holds the value)"
sed 's/^  name: db$/  name: db\n  namespace: no-such-ns/' "$TMP/in/ok/secret.yaml" >"$TMP/in/secret-nons.yaml"
audit "apply Secret, namespace missing" gitops-apply -f "$TMP/in/secret-nons.yaml" -o json -v
ok $((RC == 0)) "apply into a namespace that does not exist: failed (exit $RC)"
audit "apply Secret, cluster fails" env KUBECONFIG=/nonexistent gitops-apply -f "$TMP/in/ok/secret.yaml" -o json --timeout 5
ok $((RC == 0)) "apply without a cluster: an error (exit $RC)"
bin_diff=$(command -v gitops-diff)
"$bin_diff" -f "$TMP/in/ok/secret.yaml" --live-file "$TMP/in/secret-live.json" -o json >"$TMP/in/changes-masked.json"
audit "apply masked Change records" gitops-apply -f "$TMP/in/changes-masked.json" -o json
ok $((RC == 0)) "apply of masked Change records: refused (exit $RC)"
audit "apply bad Secret" gitops-apply -f "$TMP/in/bad-json/secret.json" -o json
is "$RC" 2 "apply of an unquoted JSON value: an error"

# ---------------------------------------------------------------------------------------------
# gitops-diff --cluster and gitops-health against the stand-in, which holds the Secret now.
sed "s/$(b64 "$SECRET_PW")/$(b64 "new-$SECRET_PW")/" "$TMP/in/ok/secret.yaml" >"$TMP/in/secret-v2.yaml"
audit "diff --cluster" gitops-diff -f "$TMP/in/secret-v2.yaml" --cluster -n default -o json -v
is "$RC" 1 "diff --cluster: the Secret differs (masked)"
audit "diff --cluster --show-secrets" --data-on-stdout gitops-diff -f "$TMP/in/secret-v2.yaml" --cluster -n default --show-secrets -o json
is "$RC" 1 "diff --cluster --show-secrets: values shown"
audit "diff --cluster, cluster fails" env KUBECONFIG=/nonexistent gitops-diff -f "$TMP/in/secret-v2.yaml" --cluster --timeout 5
ok $((RC == 0)) "diff --cluster without a cluster: an error (exit $RC)"
audit "health --wait --cluster" gitops-health -f "$TMP/in/ok/secret.yaml" --wait --cluster -n default --timeout 60s --interval 1s -o json -v
is "$RC" 0 "health --wait --cluster: the Secret is Healthy"
audit "health --cluster, missing" gitops-health -f "$TMP/in/secret-nons.yaml" --cluster -o json
is "$RC" 1 "health --cluster of a Secret that is not there: not healthy"
audit "health, cluster fails" env KUBECONFIG=/nonexistent gitops-health -f "$TMP/in/ok/secret.yaml" --cluster -o text
ok $((RC == 0)) "health without a cluster: an error (exit $RC)"

# ---------------------------------------------------------------------------------------------
# An engine that prints the token (a chart that fails with a URL it was given, credentials and
# all): gitops-render relays the message with the token masked, the native engine's and helm's.
mkdir -p "$TMP/in/echo-chart/templates"
printf 'apiVersion: v2\nname: echo\nversion: 0.1.0\n' >"$TMP/in/echo-chart/Chart.yaml"
printf 'chartRepo: https://gitops:%s@charts.example.invalid/\n' "$TOKEN" >"$TMP/in/echo-chart/values.yaml"
printf '{{ fail (printf "cannot reach %%s" .Values.chartRepo) }}\n' >"$TMP/in/echo-chart/templates/fail.yaml"
for engine in native exec; do
	audit "render --engine $engine, helm prints the token" gitops-render --engine $engine --helm "$TMP/shim/helm" \
		"$TMP/in/echo-chart" -o json
	is "$RC" 2 "render --engine $engine of a chart whose error holds the token: exit 2"
	like "$ERR" 'cannot reach https://gitops:\*\*\*@charts.example.invalid/' "--engine $engine: the message is relayed, the token masked"
done

rm -f "$TMP/sampling"
wait "$SAMPLER" 2>/dev/null

# ---------------------------------------------------------------------------------------------
# The audit.
names=(TOKEN BAD SECRET_PW SECRET_KEY KUBE_TOKEN)
# forms VALUE: the value, and its base64 (Secret data, basic auth headers).
forms() { printf '%s\n%s\n%s\n' "$1" "$(b64 "$1")" "$(b64 "gitops:$1")"; }
for n in "${names[@]}" URL_PW ARGV_PW; do
	v=${!n}
	forms "$v" >"$TMP/pat"
	! cat "$TMP"/logs/*.out "$TMP"/logs/*.err | grep -qF -f "$TMP/pat"
	ok $? "$n: in no stdout (but the exempt data) and no stderr of $N runs"
	hits=$(grep -rlF -f "$TMP/pat" "$WORK" "$KUBECACHEDIR" 2>/dev/null)
	is "$hits" "" "$n: in no file written (TMPDIR, HOME, cache with the cached clones, kubectl's cache)"
	! grep -qF -f "$TMP/pat" "$TMP/logs/children" 2>/dev/null
	ok $? "$n: in no child's argv"
	! git --git-dir="$GIT_SERVER_ROOT/manifests.git" log -p --all | grep -qF -f "$TMP/pat"
	ok $? "$n: in nothing pushed"
	case $n in URL_PW | ARGV_PW) continue ;; esac
	! grep -qF -f "$TMP/pat" "$TMP/logs/proc"
	ok $? "$n: in no /proc/*/cmdline sampled while the tools ran"
done
# The audit could see what it looks for.
grep -q "^kubectl argv: apply" "$TMP/logs/children"
ok $? "(the shims saw the tools' kubectl runs)"
grep -q "gitops-set-image --repo" "$TMP/logs/proc"
ok $? "(the sampler saw the tools' command lines: $(wc -l <"$TMP/logs/proc") lines)"
[ -n "$(find "$WORK/cache" -name config -path '*.git*' -o -name config -path '*clone*' | head -n 1)" ] ||
	[ -n "$(find "$WORK/cache" -type f | head -n 1)" ]
ok $? "(the cache holds the cached clones the audit grepped)"
grep -qF "$SECRET_KEY" "$TMP"/logs/*.data
ok $? "(the exempt data did hold the Secret's values: the grep would find them)"

done_testing
