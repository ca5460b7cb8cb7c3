#!/usr/bin/env bash
# gitops-repo-add: the Secret argocd repo add writes (names from the reference's FNV-1a vectors,
# every flag's key), access tests against the real smart-HTTP(S) git server, --apply through the
# real kubectl against the Kubernetes API stand-in, and the password nowhere it must not be.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME https_proxy HTTPS_PROXY http_proxy HTTP_PROXY
export no_proxy=localhost,127.0.0.1 NO_PROXY=localhost,127.0.0.1
# Everything the tool may write goes below $WORK: grepped for the password at the end.
WORK=$TMP/work
mkdir -p "$WORK/tmp" "$WORK/cache" "$TMP/secret"
export TMPDIR=$WORK/tmp XDG_CACHE_HOME=$WORK/cache

# kubectl, as the tool runs it: record argv, the environment and the parent's argv (the test's
# own kubectl calls are not recorded).
REAL_KUBECTL=$(command -v kubectl)
KUBECTL_LOG=$TMP/kubectl.log
mkdir -p "$TMP/wrap"
cat >"$TMP/wrap/kubectl" <<EOF
#!/bin/sh
case \$(tr '\\0' ' ' </proc/\$PPID/cmdline) in gitops-*) ;; *) exec "$REAL_KUBECTL" "\$@" ;; esac
{ printf 'argv:'; printf ' %s' "\$@"; printf '\n'
  printf 'parent: '; tr '\\0' ' ' </proc/\$PPID/cmdline; printf '\n'
  env | sed 's/^/env: /'; } >>"$KUBECTL_LOG"
exec "$REAL_KUBECTL" "\$@"
EOF
chmod +x "$TMP/wrap/kubectl"
export PATH="$TMP/wrap:$PATH"

sd() { jq -r ".stringData.$1 // \"(none)\"" <<<"$OUT"; } # a stringData key of the printed Secret
keys() { jq -r '.stringData | keys_unsorted | join(",")' <<<"$OUT"; }

# ---- names: util/db/repository_test.go's vectors ----
run gitops-repo-add --no-verify https://github.com/argoproj/argo-cd -o json
is "$(jq -r .metadata.name <<<"$OUT")" repo-42374749 "vector: https://github.com/argoproj/argo-cd -> repo-42374749"
run gitops-repo-add --no-verify --project foobar https://github.com/argoproj/argo-cd -o json
is "$(jq -r .metadata.name <<<"$OUT")" repo-1894545728 "vector: same URL, project foobar -> repo-1894545728"
run gitops-repo-add --no-verify https://github.com/argoproj/argo-cd.git -o json
is "$(jq -r .metadata.name <<<"$OUT")" repo-821842295 "vector: with .git -> repo-821842295 (hashed as typed)"
run gitops-repo-add --no-verify ssh://git@github.com/argoproj/argo-cd.git -o json
is "$(jq -r .metadata.name <<<"$OUT")" repo-3569564120 "vector: ssh://git@github.com/argoproj/argo-cd.git -> repo-3569564120"
run gitops-repo-add --creds git@github.com:argoproj -o json
is "$RC:$(jq -r .metadata.name <<<"$OUT")" 0:creds-2666065091 "vector: template git@github.com:argoproj -> creds-2666065091"
is "$ERR" "" "a template is not verified, silently (argocd repocreds add tests nothing)"
run gitops-repo-add --no-verify HTTPS://GitHub.com/argoproj/argo-cd -o json
isnt_name=$(jq -r .metadata.name <<<"$OUT")
[ "$isnt_name" != repo-42374749 ]
ok $? "case matters: the URL is hashed exactly as typed ($isnt_name)"

# ---- the Secret: labels, annotation, only the keys that are set ----
run gitops-repo-add --no-verify https://github.com/argoproj/argo-cd -o json
is "$(jq -c '[.apiVersion, .kind, .metadata.namespace]' <<<"$OUT")" '["v1","Secret","argocd"]' "a v1 Secret in argocd"
is "$(jq -r '.metadata.labels["argocd.argoproj.io/secret-type"]' <<<"$OUT")" repository "label secret-type: repository"
is "$(jq -r '.metadata.annotations["managed-by"]' <<<"$OUT")" argocd.argoproj.io "annotation managed-by: argocd.argoproj.io"
is "$(keys)" url,type "no credentials: only url and type"
is "$(jq -r '.data // "none"' <<<"$OUT")" none "keys go in stringData"

printf 'pem-ssh-key\nline2\n' >"$TMP/secret/id_ed25519"
printf -- '-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n' >"$TMP/secret/client.crt"
printf -- '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n' >"$TMP/secret/client.key"
run env GITOPS_GIT_TOKEN=tok-1234 gitops-repo-add --no-verify --username bot --name shop --project team-a \
	--argocd-namespace gitops --insecure-skip-server-verification --force-http-basic-auth --enable-lfs \
	--proxy http://proxy.example:3128 --no-proxy .internal,10.0.0.0/8 --depth 1 \
	--tls-client-cert-path "$TMP/secret/client.crt" --tls-client-cert-key-path "$TMP/secret/client.key" \
	https://git.example.com/shop.git --show-secrets -o json
is "$RC" 0 "every https flag at once"
is "$(keys)" url,type,name,project,username,password,tlsClientCertData,tlsClientCertKey,insecure,enableLfs,forceHttpBasicAuth,proxy,noProxy,depth \
	"Argo CD's key names, each flag its key"
is "$(jq -c '.stringData | [.name, .project, .username, .password, .insecure, .forceHttpBasicAuth, .enableLfs, .proxy, .noProxy, .depth]' <<<"$OUT")" \
	'["shop","team-a","bot","tok-1234","true","true","true","http://proxy.example:3128",".internal,10.0.0.0/8","1"]' \
	"values: strings as given, booleans \"true\", ints in decimal"
is "$(sd tlsClientCertData)" "$(cat "$TMP/secret/client.crt")" "tlsClientCertData: the certificate file"
is "$(sd tlsClientCertKey)" "$(cat "$TMP/secret/client.key")" "tlsClientCertKey: the key file"
is "$(jq -r .metadata.namespace <<<"$OUT")" gitops "--argocd-namespace"
run gitops-repo-add --no-verify --ssh-private-key-path "$TMP/secret/id_ed25519" git@ssh.dev.azure.com:v3/org/proj/repo --show-secrets -o json
is "$(sd sshPrivateKey)" "$(cat "$TMP/secret/id_ed25519")" "--ssh-private-key-path: sshPrivateKey"
run gitops-repo-add --no-verify --type helm --name charts https://charts.example.com -o json
is "$(jq -c '.stringData | [.type, .name]' <<<"$OUT")" '["helm","charts"]' "--type helm --name"
run env GITOPS_GIT_TOKEN=tok-1234 gitops-repo-add --creds --username bot https://dev.azure.com/org -o json
like "$(jq -r '.metadata.labels["argocd.argoproj.io/secret-type"] + " " + .metadata.name' <<<"$OUT")" \
	'^repo-creds creds-[0-9]+$' "--creds: label repo-creds, name creds-"
is "$(keys)" url,type,username,password "a template has the credential keys"
run gitops-repo-add --no-verify --depth 0 https://x.example/r -o json
is "$(keys)" url,type "--depth 0 writes nothing (a full clone)"

# ---- credentials ----
run env GITOPS_GIT_TOKEN=tok-1234 gitops-repo-add --no-verify https://git.example.com/r --show-secrets -o json
is "$(keys):$(sd username):$(sd password)" url,type,username,password:x-access-token:tok-1234 \
	"GITOPS_GIT_TOKEN; no user name: x-access-token, what Argo CD sends and what was verified, is written"
echo "tok-from-file" >"$TMP/secret/pw"
run gitops-repo-add --no-verify --password-file "$TMP/secret/pw" https://git.example.com/r --show-secrets -o json
is "$(sd password)" tok-from-file "--password-file"
run gitops-repo-add --no-verify --password-stdin https://git.example.com/r --show-secrets -o json <<<"tok-from-stdin"
is "$(sd password)" tok-from-stdin "--password-stdin"
run env GITOPS_GIT_USERNAME=envbot GITOPS_GIT_TOKEN=tok-1234 gitops-repo-add --no-verify https://git.example.com/r -o json
is "$(sd username)" envbot "GITOPS_GIT_USERNAME"
run env SYSTEM_ACCESSTOKEN=job-token-5678 gitops-repo-add --no-verify https://dev.azure.com/org/p/_git/r -o json
is "$RC:$(sd password)" "0:(none)" "SYSTEM_ACCESSTOKEN (a job token that expires) is not stored"
like "$ERR" 'SYSTEM_ACCESSTOKEN .*expires' "and the user is told why"
run gitops-repo-add --no-verify --password secret-on-argv https://git.example.com/r
is "$RC:$OUT" "2:" "--password VALUE is refused (exit 2)"
like "$ERR" '--password-stdin, --password-file FILE or GITOPS_GIT_TOKEN' "and says how to pass it safely"
unlike "$ERR" 'secret-on-argv' "without repeating the value"
run env GITOPS_GIT_TOKEN=tok-1234 gitops-repo-add --no-verify https://bot:pw-in-url@git.example.com/r
is "$RC" 2 "a URL with a password in it is refused"
unlike "$ERR" 'pw-in-url' "and the message does not show it"
run gitops-repo-add --no-verify --username bot https://git.example.com/r
is "$RC" 2 "--username without a password is refused (argocd would prompt)"
like "$ERR" '--username bot needs a password' "with the reason"

# ---- Azure DevOps URL forms: never rewritten ----
AZ=https://dev.azure.com/your-org/your-project/_git/my-app-gitops
run env GITOPS_GIT_TOKEN=pat-1234 gitops-repo-add --no-verify https://your-org@dev.azure.com/your-org/your-project/_git/my-app-gitops -o json
is "$(sd url):$(sd username)" "https://your-org@dev.azure.com/your-org/your-project/_git/my-app-gitops:your-org" \
	"org@ URL: kept as typed, the org is the user name"
run env GITOPS_GIT_TOKEN=pat-1234 gitops-repo-add --no-verify --username me https://your-org@dev.azure.com/your-org/your-project/_git/my-app-gitops -o json
is "$(sd username)" me "--username wins over the org@ part"
run gitops-repo-add --no-verify https://your-org@dev.azure.com/your-org/your-project/_git/my-app-gitops -o json
is "$(keys)" url,type "no password: no user name either (it would keep credential templates away)"
run gitops-repo-add --no-verify "$AZ.git" -o json
is "$(sd url)" "$AZ.git" "a .git suffix is not removed"
like "$ERR" 'no \.git suffix' "but the user is warned: Azure reads it as another repository"
for u in "$AZ" https://your-org.visualstudio.com/your-project/_git/my-app-gitops \
	https://your-org.visualstudio.com/DefaultCollection/your-project/_git/my-app-gitops \
	git@ssh.dev.azure.com:v3/your-org/your-project/my-app-gitops your-org@vs-ssh.visualstudio.com:v3/your-org/your-project/my-app-gitops; do
	run gitops-repo-add --no-verify "$u" -o json
	is "$RC:$(sd url)" "0:$u" "Azure form kept as typed: $u"
done
run gitops-repo-add --no-verify ssh://git@ssh.dev.azure.com:v3/your-org/your-project/my-app-gitops -o json
like "$ERR" "'v3' reads as a port" "ssh://...:v3/ is the broken form: warned"
run gitops-repo-add --no-verify --depth 1 "$AZ" -o json
like "$ERR" 'shallow fetches' "--depth with Azure DevOps: warned"

# ---- bad input: exit 2 with the flag named, nothing on stdout ----
bad() { # bad REGEX ARGS...: exit 2, nothing on stdout, REGEX in the message
	local re=$1
	shift
	run gitops-repo-add "$@"
	is "$RC:$OUT" "2:" "bad: $*"
	like "$ERR" "$re" "  says: $re"
}
bad '--type svn' --no-verify --type svn https://x.example/r
bad '--type helm.*--name' --no-verify --type helm https://charts.example.com
bad '--project: a credential template' --creds --project p https://x.example
bad '--depth: a credential template' --creds --depth 1 https://x.example
bad '--name: a credential template' --creds --name n https://x.example
bad '--ssh-private-key-path: only for ssh' --no-verify --ssh-private-key-path "$TMP/secret/id_ed25519" https://x.example/r
bad 'go together' --no-verify --tls-client-cert-path "$TMP/secret/client.crt" https://x.example/r
bad '--tls-client-cert-path: only for https' --no-verify --tls-client-cert-path "$TMP/secret/client.crt" \
	--tls-client-cert-key-path "$TMP/secret/client.key" git@host:r
bad '--depth -1' --no-verify --depth -1 https://x.example/r
bad '--verify sometimes' --verify sometimes https://x.example/r
bad '--verify and --no-verify' --verify fetch --no-verify https://x.example/r
bad '--upsert: only with --apply' --no-verify --upsert https://x.example/r
bad 'missing operand' --no-verify
bad 'too many operands' --no-verify https://x.example/a https://x.example/b
bad "--argocd-namespace 'Argo_CD'" --no-verify --argocd-namespace Argo_CD https://x.example/r
bad "--argocd-namespace '': not a valid namespace" --no-verify --argocd-namespace "" https://x.example/r # crashed once
bad "--verify and --no-verify: give one of them" --no-verify --verify fetch https://x.example/r
bad 'nope.key: no such file' --no-verify --ssh-private-key-path "$TMP/nope.key" git@host:r
: >"$TMP/secret/empty.key"
bad 'the file is empty' --no-verify --ssh-private-key-path "$TMP/secret/empty.key" git@host:r
bad '--verify: only git repositories' --verify ls-remote --type helm --name c https://charts.example.com
bad '--verify: only http and https' --verify ls-remote git@host:r
bad '-o xml' --no-verify -o xml https://x.example/r

# ---- verification against the real git server ----
mkdir -p "$TMP/seed/charts" && printf 'image:\n  tag: "1.0"\n' >"$TMP/seed/charts/values.yaml"
git_server_start
URL=$(git_repo_create manifests --from "$TMP/seed")
EMPTY=$(git_repo_create empty)
PW=$GIT_SERVER_PASSWORD
export GITOPS_GIT_USERNAME=$GIT_SERVER_USER
export GITOPS_GIT_TOKEN=$PW
HEAD=$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-parse main)

run gitops-repo-add "$URL" -o text
is "$RC" 0 "good token: verified, exit 0"
like "$OUT" "verified: ls-remote, default branch main at ${HEAD:0:12}" "the summary says what was checked"
like "$OUT" '  password: \*\*\*' "-o text masks the password"
unlike "$OUT$ERR" "$PW" "-o text: no password"
run gitops-repo-add "$URL" -o json
is "$RC:$(sd password)" "0:***" "-o json without --apply and --show-secrets: the token is masked (a CI log never holds it)"
unlike "$OUT$ERR" "$PW" "  nowhere in the output"
like "$ERR" "masked.*--show-secrets.*kubectl apply -f -" "  and stderr says how to get it"
run gitops-repo-add "$URL" -o yaml
is "$RC:$(grep -c -- "$PW" <<<"$OUT")" "0:0" "  -o yaml: masked too"
run gitops-repo-add "$URL" --show-secrets -o json
is "$RC:$(sd password)" "0:$PW" "--show-secrets -o json prints the Secret to pipe into kubectl (the token is its data)"
is "$ERR" "" "  without a word on stderr"
run gitops-repo-add "$URL" --verify fetch -o text
is "$RC" 0 "--verify fetch"
like "$OUT" 'verified: fetch, default branch main' "fetched the default branch"
is "$(find "$WORK/tmp" -mindepth 1 | wc -l)" 0 "--verify fetch leaves nothing behind in TMPDIR"
is "$(find "$WORK/cache" -mindepth 1 | wc -l)" 0 "nor in the cache"
run gitops-repo-add "$EMPTY" -o text
is "$RC" 0 "an empty repository verifies (access is what is tested)"
like "$ERR" 'the repository is empty' "with a warning"

run env GITOPS_GIT_TOKEN=wrong-token-0000 gitops-repo-add "$URL" -o text
is "$RC:$OUT" "3:" "wrong token: exit 3, nothing printed"
like "$ERR" '^gitops-repo-add: http://127\.0\.0\.1:[0-9]+/git/manifests\.git: ls-remote: authentication failed' "one line: authentication failed"
is "$(wc -l <<<"$ERR")" 1 "one line"
unlike "$ERR" 'wrong-token-0000' "the rejected token is not shown"
run gitops-repo-add "$GIT_SERVER_URL/nope.git" -o text
is "$RC" 3 "unknown repository: exit 3"
like "$ERR" 'ls-remote: repository not found' "says not found"
run env -u GITOPS_GIT_TOKEN gitops-repo-add "$URL" -o text
is "$RC" 3 "no token for a private repository: exit 3"
like "$ERR" 'wants credentials and no token was given' "says no token was given"
run gitops-repo-add --no-verify "$GIT_SERVER_URL/nope.git" -o json
is "$RC" 0 "--no-verify skips the test"

git_server_hung
# The guard is 20 s: without --timeout's own bound the run would be killed (exit 124), not exit 3.
run timeout 20 gitops-repo-add --timeout 1 "$HUNG_URL" -o text
is "$RC" 3 "a server that never answers: exit 3, --timeout ends it (not the guard)"
like "$ERR" 'ls-remote timed out after 1 s \(--timeout\)' "says timeout"

HTTP_URL=$URL
git_server_start --https
HTTPS_URL=$(git_repo_create manifests --from "$TMP/seed")
PW2=$GIT_SERVER_PASSWORD
export GITOPS_GIT_TOKEN=$PW2
run gitops-repo-add --ca-file "$GIT_SERVER_CA" "$HTTPS_URL" -o text
is "$RC" 0 "HTTPS with --ca-file: verified"
run gitops-repo-add "$HTTPS_URL" -o text
is "$RC" 3 "HTTPS with an unknown CA: exit 3"
like "$ERR" 'ls-remote: TLS: ' "says TLS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$TMP/other.key" -out "$TMP/other.crt" >/dev/null 2>&1
run gitops-repo-add --ca-file "$TMP/other.crt" "$HTTPS_URL" -o text
is "$RC" 3 "HTTPS with the wrong CA: exit 3"
like "$ERR" 'TLS: .*not correctly signed' "says the certificate is not signed by that CA"
run gitops-repo-add --insecure-skip-server-verification "$HTTPS_URL" -o json
is "$RC:$(sd insecure)" 0:true "--insecure-skip-server-verification: verified without the CA, insecure: \"true\" stored"
run env no_proxy= NO_PROXY= gitops-repo-add --ca-file "$GIT_SERVER_CA" --proxy "http://127.0.0.1:9" "$HTTPS_URL" -o text
is "$RC" 3 "--proxy: verification goes through the repository's proxy (here a closed port)"
run env no_proxy= NO_PROXY= gitops-repo-add --ca-file "$GIT_SERVER_CA" --proxy "http://127.0.0.1:9" --no-proxy localhost "$HTTPS_URL" -o json
is "$RC:$(sd noProxy)" 0:localhost "--no-proxy: the host is reached directly"

# ---- --apply through the real kubectl against the API stand-in ----
kube_start --ready-delay 0
kubectl create namespace argocd >/dev/null
export GITOPS_GIT_TOKEN=$PW
secret_data() { kube_get Secret argocd "$1" | jq -c '.data | map_values(@base64d)'; }
NAME=$(gitops-repo-add -q --no-verify "$HTTP_URL" -o json | jq -r .metadata.name)
: >"$KUBECTL_LOG"
run gitops-repo-add --apply "$HTTP_URL" -o text
is "$RC" 0 "--apply: verified and applied"
like "$OUT" 'applied: created' "created"
is "$(secret_data "$NAME")" "{\"password\":\"$PW\",\"type\":\"git\",\"url\":\"$HTTP_URL\",\"username\":\"$GIT_SERVER_USER\"}" \
	"the Secret in the cluster holds url, type, username and password"
is "$(kube_get Secret argocd "$NAME" | jq -r '[.metadata.labels["argocd.argoproj.io/secret-type"], .metadata.annotations["managed-by"]] | join(" ")')" \
	"repository argocd.argoproj.io" "with Argo CD's label and annotation"
like "$(grep '^argv:' "$KUBECTL_LOG")" 'argv: apply --server-side --field-manager=gitops-repo-add --filename=- --output=name --namespace=argocd --request-timeout=60s' \
	"kubectl apply --server-side in the Argo CD namespace, the Secret on stdin"
run gitops-repo-add --apply "$HTTP_URL" -o json
is "$RC" 0 "applying the same again: exit 0"
like "$ERR" "Secret argocd/$NAME unchanged" "unchanged"
is "$(sd password)" '***' "-o json after --apply is a report: the password masked"
run env GITOPS_GIT_TOKEN=rotated-token-1 gitops-repo-add --no-verify --apply "$HTTP_URL" -o text
is "$RC" 1 "other settings without --upsert: refused (exit 1), as argocd repo add"
like "$ERR" "already registered as argocd/$NAME with other settings \\(password\\); use --upsert" "names the differing key, not its value"
unlike "$ERR" 'rotated-token-1' "and shows no password"
run env -u GITOPS_GIT_USERNAME GITOPS_GIT_TOKEN=rotated-token-1 gitops-repo-add --no-verify --apply --upsert "$HTTP_URL" -o text
is "$RC" 0 "--upsert replaces it"
like "$OUT" 'applied: updated' "updated"
is "$(secret_data "$NAME" | jq -c '[.password, .username]')" '["rotated-token-1","x-access-token"]' \
	"the new password, and the user name verified in place of the old one"
run env -u GITOPS_GIT_USERNAME GITOPS_GIT_TOKEN=rotated-token-1 gitops-repo-add --no-verify --apply "$HTTP_URL" -o text
like "$RC:$OUT" '^0:.*applied: unchanged' "a cleared key reads as unset: the same settings again are unchanged"

TAKEN=$(gitops-repo-add -q --no-verify https://x.example/taken -o json | jq -r .metadata.name)
kubectl create secret generic "$TAKEN" -n argocd --from-literal=foo=bar >/dev/null
run gitops-repo-add --no-verify --apply https://x.example/taken -o text
is "$RC" 1 "a Secret of that name without the type label is not overwritten"
like "$ERR" 'exists without the label argocd.argoproj.io/secret-type: repository' "says why"

run gitops-repo-add --no-verify --apply --argocd-namespace nowhere https://x.example/r -o text
is "$RC" 3 "a namespace that does not exist: exit 3"
like "$ERR" 'kubectl: .*namespaces "nowhere" not found' "kubectl's reason relayed"

# The same Azure DevOps repository under two forms, and a URL Argo CD normalises to one registered.
run env GITOPS_GIT_TOKEN=pat-1234 gitops-repo-add --no-verify --apply "$AZ" -o text
is "$RC" 0 "Azure repository registered in its https form"
run env GITOPS_GIT_TOKEN=pat-1234 gitops-repo-add --no-verify --apply git@ssh.dev.azure.com:v3/your-org/your-project/my-app-gitops -o text
is "$RC" 0 "the same repository in its ssh form is registered too"
like "$ERR" "already registered as argocd/repo-[0-9]+ with URL $AZ: two forms of one Azure DevOps repository" \
	"and the user is told it is the same repository twice"
run env GITOPS_GIT_TOKEN=pat-1234 gitops-repo-add --no-verify --apply https://your-org.visualstudio.com/your-project/_git/my-app-gitops -o json
like "$ERR" 'two forms of one Azure DevOps repository' "the legacy visualstudio.com form too"
run gitops-repo-add --no-verify --apply "$HTTP_URL/" -o json
unlike "$ERR" 'already registered' "another repository is not reported"
run env GITOPS_GIT_TOKEN=rotated-token-1 gitops-repo-add --no-verify --apply "${HTTP_URL%.git}" -o json
like "$ERR" 'Argo CD takes both URLs for one repository' "with and without .git: Argo CD's SameURL matches both"

# Through a pipe, the printed Secret is what kubectl applies.
run env GITOPS_GIT_TOKEN=pipe-token-1 gitops-repo-add --no-verify https://pipe.example/r --show-secrets -o yaml
printf '%s\n' "$OUT" | kubectl apply --server-side -f - >/dev/null
ok $? "--show-secrets -o yaml | kubectl apply --server-side -f - works"
is "$(secret_data "$(gitops-repo-add -q --no-verify https://pipe.example/r -o json | jq -r .metadata.name)" | jq -r .password)" \
	pipe-token-1 "and lands"

# ---- the password: never in argv, a message, the environment of kubectl or a file ----
for p in "$PW" "$PW2" rotated-token-1; do
	b64=$(printf '%s' "$p" | base64 -w0)
	# (GIT_SERVER_PASSWORD* are the test server's own variables, exported by git.sh)
	! grep -v '^env: GIT_SERVER_PASSWORD' "$KUBECTL_LOG" | grep -qF -e "$p" -e "$b64"
	ok $? "kubectl's argv, environment and parent argv never held ${p:0:6}… (plain or base64)"
	! grep -rqF -- "$p" "$WORK" "$KUBE_DIR/cache"
	ok $? "no file written holds ${p:0:6}… (TMPDIR, cache, kubectl's cache)"
done
grep -q '^parent: gitops-repo-add ' "$KUBECTL_LOG"
ok $? "(the log did see the parents' argv)"
grep -q '^env: GITOPS_GIT_TOKEN=' "$KUBECTL_LOG"
is "$?" 1 "kubectl does not inherit GITOPS_GIT_TOKEN"

done_testing
