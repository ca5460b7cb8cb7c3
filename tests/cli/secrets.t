#!/usr/bin/env bash
# secrets.t: the secret audit. Every tool, on its success and its failure paths, with a known git
# token, a known wrong token, the API stand-in's bearer token and a Secret with known values; then
# grep for them in everything a user or a CI log could see: stdout, stderr, every file written
# (TMPDIR, HOME, XDG_CACHE_HOME with the cached clones, kubectl's cache), what was pushed, the argv
# of every child (git, kubectl and helm on PATH are shims that log their argv and their parent's)
# and /proc/*/cmdline sampled while the tools run.
#
# Where a secret is the data a tool exists to print, stdout is exempt and the test says so:
# gitops-repo-add without --apply prints the repository Secret (that is its output, to pipe into
# kubectl apply), gitops-render prints the Secret objects of the manifests.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY
export no_proxy=localhost,127.0.0.1 NO_PROXY=localhost,127.0.0.1
FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml

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

# /proc/*/cmdline of every process, sampled while the tools run (ps reads exactly that); the
# API stand-in is given its token on its command line by the test's own kube_start: not a tool.
: >"$TMP/logs/proc"
touch "$TMP/sampling"
(while [ -e "$TMP/sampling" ]; do ps -eww -o args= | grep -E 'gitops-|kubectl|git|helm' | grep -v kube-standin.py >>"$TMP/logs/proc"; sleep 0.02; done) &
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
STDIN=$TMP/in/token audit "set-image --password-stdin" env -u GITOPS_GIT_TOKEN gitops-set-image --repo "$URL" \
	--file "$VALUES" --set image.tag=1.2.6 --password-stdin -o text
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
ok $((RC == 0)) "history with user:token@ in the URL: refused (exit $RC; set-image and rollback exit 2)"

# ---------------------------------------------------------------------------------------------
# gitops-repo-add: verified against the git server, applied through kubectl.
audit "repo-add print" --data-on-stdout gitops-repo-add "$URL" -o json -v
is "$RC" 0 "repo-add: verified, the Secret printed"
is "$(jq -r .stringData.password <<<"$OUT")" "$TOKEN" "(repo-add's printed Secret is its data: it holds the token)"
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
