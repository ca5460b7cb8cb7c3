#!/usr/bin/env bash
# hostile-repo.t: a manifest repo written by an attacker (raw git trees made with `git hash-object
# --literally`, which a server takes because receive.fsckObjects is off by default), rendered with
# gitops-render --repo from the real git server, and local directories with hostile links: nothing
# is written, read or run outside the source. Entry names git refuses ('..', '/', .git in any
# disguise, a name twice) are refused; a chain of links that leaves the root only on disk is
# refused; values paths from a repo or an Application stay inside; only what the engine reads is
# written (nothing of a sibling app); a tree bomb and a huge blob stay within --max-tree-files and
# --max-tree-size; names with control characters are printed escaped; with HOME unset the cache
# is a private directory, never a shared one.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export XDG_DATA_HOME=$TMP/xdg XDG_CONFIG_HOME=$TMP/config TMPDIR=$TMP/tmpdir
unset HELM_CONFIG_HOME HELM_CACHE_HOME HELM_DATA_HOME HELM_PLUGINS KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"

git_server_start
git_cli_env
URL=$(git_repo_create hostile)
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
R=(--helm "$HELM" -o json)

# ---------------------------------------------------------------------------------------------
# Raw objects: blob TEXT, tree "MODE|NAME|ID"... (in git's order, names as they are), and
# publish BRANCH TREE (a commit of TREE pushed as BRANCH).

RAW=$TMP/raw.git
git init -q --bare "$RAW"
blob() { printf '%s' "$1" | git -C "$RAW" hash-object -w --stdin; }
tree() {
	python3 -c '
import sys
ents = []
for e in sys.argv[1:]:
    mode, rest = e.split("|", 1)
    name, oid = rest.rsplit("|", 1)
    ents.append((mode, name.encode("utf-8", "surrogateescape"), bytes.fromhex(oid)))
# git order (a tree sorts as NAME/); stable, so a name given twice stays twice
ents.sort(key=lambda x: x[1] + (b"/" if x[0] == "040000" else b""))
sys.stdout.buffer.write(b"".join(m.encode() + b" " + n + b"\0" + o for m, n, o in ents))
' "$@" | git -C "$RAW" hash-object -w --literally -t tree --stdin
}
publish() {
	local c
	c=$(git -C "$RAW" commit-tree "$2" -m "$1") || return 1
	git -C "$RAW" push -q -f "$URL" "$c:refs/heads/$1" 2>"$TMP/push.err" || { sed 's/^/# push: /' "$TMP/push.err"; return 1; }
}
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }
# What the test's directory holds, to tell that nothing appeared next to the temp dirs.
top_names() { ls -A "$TMP" | grep -v '^\.\(out\|err\)$' | paste -sd' '; }

CHART=$(blob $'apiVersion: v2\nname: app\nversion: 1.0.0\n')
CM=$(blob $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  v: {{ .Values.v | default "none" | quote }}\n')
TEMPLATES=$(tree "100644|cm.yaml|$CM")
PLAIN_CM=$(blob $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n')

# ---------------------------------------------------------------------------------------------
# 1. Entry names git refuses: '..' that would climb out of the temp dir, a name with '/'

# The attack of the issue: '..' entries drop a helm downloader plugin into the renderer's
# $XDG_DATA_HOME, and the chart's dependency on evil:// makes `helm dependency build` run it.
PLUGIN=$(blob $'name: evil\nversion: 0.1.0\nusage: evil\ndescription: evil\ncommand: "$HELM_PLUGIN_DIR/evil.sh"\ndownloaders:\n- command: "evil.sh"\n  protocols:\n  - "evil"\n')
EVIL=$(blob "#!/bin/sh
touch '$TMP/PWNED'
exit 1
")
PLUG_DIR=$(tree "100644|plugin.yaml|$PLUGIN" "100755|evil.sh|$EVIL")
XDG=$(tree "040000|xdg|$(tree "040000|helm|$(tree "040000|plugins|$(tree "040000|evil|$PLUG_DIR")")")")
# TMPDIR/gitops-render.XXXXXX/app/.. is the temp dir; two more '..' are $TMP, where XDG_DATA_HOME is
UP2=$(tree "040000|..|$(tree "040000|..|$XDG")")
EVIL_CHART=$(blob $'apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: dep\n  version: 1.0.0\n  repository: evil://x\n')
publish dotdot "$(tree "040000|app|$(tree "100644|Chart.yaml|$EVIL_CHART" "040000|templates|$TEMPLATES" "040000|..|$UP2")")"
before=$(top_names)
run gitops-render "${R[@]}" --repo "$URL" --revision dotdot --path app
is "$RC:$OUT" "2:" "'..' entries: exit 2, nothing on stdout"
like "$ERR" "entry git refuses to check out: '\.\.'" "'..' entries: the name is refused"
ok "$([ ! -e "$TMP/xdg/helm" ] && [ ! -e "$TMP/tmpdir/xdg" ]; echo $?)" "'..' entries: no plugin written outside the temp dir"
ok "$([ ! -e "$TMP/PWNED" ]; echo $?)" "'..' entries: the plugin never ran"
is "$(top_names)" "$before" "'..' entries: nothing new next to the temp dirs"

for p in .. app/.. app/../app ../x; do
	run gitops-render "${R[@]}" --repo "$URL" --revision dotdot --path "$p"
	like "$RC:$ERR" "^2:.*--path .*: give a directory inside the repository" "--path $p: refused"
done

# A name with '/' in it
SLASHED=$(blob 'written outside')
publish slash "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "100644|../../../slash-escape.txt|$SLASHED")")"
run gitops-render "${R[@]}" --repo "$URL" --revision slash --path app
is "$RC:$OUT" "2:" "a name with '/': exit 2"
like "$ERR" "a name with '/' in it" "a name with '/': said"
ok "$([ ! -e "$TMP/slash-escape.txt" ] && [ ! -e "$TMPDIR/slash-escape.txt" ]; echo $?)" "a name with '/': nothing written outside"

# .git in any case or disguise: git's checkout refuses all of these
for name in .git .GIT .Git git~1 GIT~1 .git. ".git " ".git::\$INDEX_ALLOCATION" $'.g\u200cit' $'\u200b.git'; do
	[ "$name" = $'\u200b.git' ] && continue # (U+200B is not one HFS+ ignores: a plain name)
	publish dotgit "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "040000|$name|$(tree "100644|config|$SLASHED")")")"
	run gitops-render "${R[@]}" --repo "$URL" --revision dotgit --path app
	is "$RC:$OUT" "2:" "a directory named '$name': exit 2"
	like "$ERR" "a name git reserves" "a directory named '$name': refused as git refuses it"
done
publish zwsp "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "040000|$'\u200b'.git|$(tree "100644|config|$SLASHED")")")"
run gitops-render "${R[@]}" --repo "$URL" --revision zwsp --path app
is "$RC" 0 "a name git accepts (a zero-width space before .git is not ignored by HFS+): rendered" || echo "# $ERR"

# A link, then a directory of the same name: the directory would be written through the link.
# The link climbs out only on disk (d/up -> .. makes d/up/d/up the directory itself), so it passes
# a check by name; the second 'x' is a name twice.
UPLINK=$(blob '..')
publish dup "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" \
	"040000|d|$(tree "120000|up|$UPLINK")" "120000|x|$(blob 'd/up/d/up/d/up/../../..')" \
	"040000|x|$(tree "100644|dup-escape.txt|$SLASHED")")")"
run gitops-render "${R[@]}" --repo "$URL" --revision dup --path app
is "$RC:$OUT" "2:" "a link and a directory named alike: exit 2"
like "$ERR" "the same name twice in one directory: 'x'|'x'.*the same name twice" "a name twice: refused"
ok "$([ ! -e "$TMP/dup-escape.txt" ] && [ ! -e "$TMPDIR/dup-escape.txt" ]; echo $?)" "a name twice: nothing written through the link"

# ---------------------------------------------------------------------------------------------
# 2. Links resolved on disk, following earlier links: a chain that leaves the root only on disk

cat >"$TMP/stolen.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: other-app-secret
stringData:
  password: stolen-password-1234
EOF
publish chain "$(tree "040000|plain|$(tree "100644|cm.yaml|$PLAIN_CM" "040000|d|$(tree "120000|up|$UPLINK")" \
	"120000|secret.yaml|$(blob 'd/up/d/up/../../../stolen.yaml')")")"
run gitops-render -o json --repo "$URL" --revision chain --path plain
is "$RC:$OUT" "2:" "a chain of links out of the root (directory source): exit 2, nothing on stdout"
like "$ERR" "plain/secret.yaml: the symbolic link leads outside the repository" "the link is named"
unlike "$OUT$ERR" "stolen-password" "the outside Secret is not read"
# the same chain to a chart's template
publish chain-chart "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|d|$(tree "120000|up|$UPLINK")" \
	"040000|templates|$(tree "100644|cm.yaml|$CM" "120000|secret.yaml|$(blob '../d/up/d/up/../../../../stolen.yaml')")")")"
run gitops-render "${R[@]}" --repo "$URL" --revision chain-chart --path app
is "$RC:$OUT" "2:" "a chain of links out of the root (chart): exit 2, nothing on stdout"
unlike "$OUT$ERR" "stolen-password" "the outside Secret is not rendered"
# a link that stays inside is followed, as in a checkout
publish inside "$(tree "040000|shared|$(tree "100644|cm.yaml|$PLAIN_CM")" \
	"040000|plain|$(tree "120000|cm.yaml|$(blob '../shared/cm.yaml')")")"
run gitops-render -o json --repo "$URL" --revision inside --path plain
is "$RC:$(jq -r .metadata.name <<<"$OUT")" "0:plain" "a link inside the repository (to ../shared) is followed" || echo "# $ERR"

# A local directory: a symlinked manifest to a file outside it, absolute or as a chain
mkdir -p "$TMP/local/d" "$TMP/local-chart/templates"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n' >"$TMP/local/cm.yaml"
ln -s "$TMP/stolen.yaml" "$TMP/local/secret.yaml"
run gitops-render -o json "$TMP/local"
is "$RC:$OUT" "2:" "local directory, an absolute link outside: exit 2"
like "$ERR" "secret.yaml: the symbolic link leads outside the source" "local directory: the link is named"
rm "$TMP/local/secret.yaml"
ln -s .. "$TMP/local/d/up"
ln -s d/up/d/up/../stolen.yaml "$TMP/local/secret.yaml"
run gitops-render -o json "$TMP/local"
is "$RC:$OUT" "2:" "local directory, a chain of links outside: exit 2"
unlike "$OUT" "stolen-password" "local directory: the outside Secret is not read"
rm "$TMP/local/secret.yaml"
ln -s cm.yaml "$TMP/local/same.yml"
run gitops-render -o json --allow-empty "$TMP/local"
is "$RC" 2 "local directory, a link inside: read (two objects of one identity)"
# a local chart with a template linked outside
printf 'apiVersion: v2\nname: local\nversion: 1.0.0\n' >"$TMP/local-chart/Chart.yaml"
ln -s "$TMP/stolen.yaml" "$TMP/local-chart/templates/secret.yaml"
run gitops-render --helm "$HELM" -o json "$TMP/local-chart"
is "$RC:$OUT" "2:" "local chart, a template linked outside: exit 2"
like "$ERR" "templates/secret.yaml: the symbolic link leads outside the source" "local chart: the link is named"
rm "$TMP/local-chart/templates/secret.yaml"
# a file linked outside that a template reads with .Files.Get, whichever engine renders it
mkdir -p "$TMP/local-chart/files"
ln -s "$TMP/stolen.yaml" "$TMP/local-chart/files/s.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata:\n  s: {{ .Files.Get "files/s.yaml" | quote }}\n' \
	>"$TMP/local-chart/templates/cm.yaml"
for engine in native auto exec; do
	run gitops-render --engine $engine --helm "$HELM" -o json "$TMP/local-chart"
	is "$RC:$OUT" "2:" "local chart, --engine $engine, .Files.Get of a file linked outside: exit 2"
	like "$ERR" "files/s.yaml: the symbolic link leads outside the source" "--engine $engine: the link is named"
done
rm -r "$TMP/local-chart/files" "$TMP/local-chart/templates/cm.yaml"

# ---------------------------------------------------------------------------------------------
# 5. Values and set-file paths from a repository or an Application stay inside the source

mkdir -p "$TMP/outside"
printf 'v: stolen-kubeconfig-token\n' >"$TMP/outside/values.yaml"
VALUES_APP=(100644\|Chart.yaml\|"$CHART" 040000\|templates\|"$TEMPLATES" 100644\|values-prod.yaml\|"$(blob 'v: prod')")
publish values "$(tree "040000|apps|$(tree "040000|app|$(tree "${VALUES_APP[@]}")")")"
publish values-linked "$(tree "040000|apps|$(tree "040000|app|$(tree "${VALUES_APP[@]}" \
	"120000|linked.yaml|$(blob "$TMP/outside/values.yaml")")")")"
run gitops-render "${R[@]}" --repo "$URL" --revision values --path apps/app -f values-prod.yaml
is "$RC:$(jq -r .data.v <<<"$OUT")" "0:prod" "--repo -f a file inside the chart: used" || echo "# $ERR"
for v in ../../../outside/values.yaml ../../../../outside/values.yaml; do
	run gitops-render "${R[@]}" --repo "$URL" --revision values --path apps/app -f "$v"
	is "$RC:$OUT" "2:" "--repo -f $v: exit 2"
	like "$ERR" "leads outside the repository" "--repo -f $v: refused"
done
run gitops-render "${R[@]}" --repo "$URL" --revision values-linked --path apps/app -f linked.yaml
is "$RC:$OUT" "2:" "--repo -f a values file linked outside: exit 2"
unlike "$OUT$ERR" "stolen-kubeconfig-token" "--repo: the outside values are not read"
run gitops-render "${R[@]}" --repo "$URL" --revision values --path apps/app --set-file v=/etc/hostname
is "$RC:$OUT" "2:" "--repo --set-file v=/etc/hostname: exit 2"
run gitops-render "${R[@]}" --repo "$URL" --revision values --path apps/app --set-file v=../../../outside/values.yaml
is "$RC:$OUT" "2:" "--repo --set-file v=../../..: exit 2"
run gitops-render "${R[@]}" --repo "$URL" --revision values --path apps/app -f values-prod.yaml,../../../outside/values.yaml
is "$RC:$OUT" "2:" "--repo -f a,b (helm splits at commas): the second is checked too"

# CMP: VALUES_FILES comes from the Application
git clone -q "$URL" "$TMP/checkout" 2>/dev/null # (its HEAD names no branch: a warning)
git -C "$TMP/checkout" -c advice.detachedHead=false checkout -q origin/values
cmp_render() {
	(cd "$TMP/checkout/apps/app" && env ARGOCD_APP_NAME=app ARGOCD_APP_NAMESPACE=web ARGOCD_APP_SOURCE_PATH=apps/app \
		"$@" "$BIN/gitops-render" --helm "$HELM")
}
run cmp_render ARGOCD_ENV_VALUES_FILES=values-prod.yaml
is "$RC:$(grep -o 'v: prod' <<<"$OUT")" "0:v: prod" "CMP VALUES_FILES inside the app: used"
for v in ../../../outside/values.yaml "$TMP/outside/values.yaml" https://169.254.169.254/values.yaml; do
	run cmp_render ARGOCD_ENV_VALUES_FILES="$v"
	is "$RC:$OUT" "2:" "CMP VALUES_FILES=$v: exit 2"
	unlike "$OUT" "stolen-kubeconfig-token" "CMP VALUES_FILES=$v: not read"
done
ln -s "$TMP/outside/values.yaml" "$TMP/checkout/apps/app/linked.yaml"
run cmp_render PARAM_VALUES_FILES_0=linked.yaml
is "$RC:$OUT" "2:" "CMP: a values file linked outside the checkout: exit 2"
rm "$TMP/checkout/apps/app/linked.yaml"
# A plain local render: what the user typed on the command line is theirs
mkdir -p "$TMP/mine/chart/templates"
cp "$TMP/local-chart/Chart.yaml" "$TMP/mine/chart/"
git -C "$RAW" cat-file -p "$CM" >"$TMP/mine/chart/templates/cm.yaml"
run gitops-render --helm "$HELM" -o json -f "$TMP/outside/values.yaml" "$TMP/mine/chart"
is "$RC:$(jq -r .data.v <<<"$OUT")" "0:stolen-kubeconfig-token" "a local render: -f a file the user names outside the chart is read"

# ---------------------------------------------------------------------------------------------
# 1. Only what the engine reads is written: an overlay gets its base, not a sibling team's app

KZ_BASE=$(tree "100644|kustomization.yaml|$(blob $'resources:\n- cm.yaml\n')" "100644|cm.yaml|$PLAIN_CM")
KZ_A=$(tree "100644|kustomization.yaml|$(blob $'resources:\n- ../../base\nnamePrefix: a-\n')")
KZ_B=$(tree "100644|kustomization.yaml|$(blob $'resources:\n- secret.yaml\n')" \
	"100644|secret.yaml|$(blob $'apiVersion: v1\nkind: Secret\nmetadata:\n  name: team-b\nstringData:\n  k: team-b-secret\n')")
publish teams "$(tree "040000|base|$KZ_BASE" "040000|teams|$(tree "040000|a|$KZ_A" "040000|b|$KZ_B")")"
cat >"$TMP/spy-kustomize" <<EOF
#!/bin/sh
# lists what the temp copy holds (cwd is TMP/teams/a), then renders
[ "\$1" = version ] && { echo v5.0.0; exit 0; }
find ../.. -type f | sort >"$TMP/written.log"
shift
exec kubectl kustomize "\$@"
EOF
chmod +x "$TMP/spy-kustomize"
run gitops-render -o json --kustomize "$TMP/spy-kustomize" --repo "$URL" --revision teams --path teams/a
is "$RC:$(jq -r .metadata.name <<<"$OUT")" "0:a-plain" "an overlay with a base in ../../base: rendered" || echo "# $ERR"
is "$(paste -sd' ' "$TMP/written.log")" "../../base/cm.yaml ../../base/kustomization.yaml ../../teams/a/kustomization.yaml" \
	"only the overlay and the base it names are written: nothing of teams/b"
KZ_OUT=$(tree "100644|kustomization.yaml|$(blob $'resources:\n- ../../../../../outside\n')")
publish kz-out "$(tree "040000|teams|$(tree "040000|a|$KZ_OUT")")"
run gitops-render -o json --repo "$URL" --revision kz-out --path teams/a
is "$RC:$OUT" "2:" "a kustomization naming ../../../../../outside: exit 2"
like "$ERR" "'../../../../../outside' leads outside the repository" "the reference is named"

# ---------------------------------------------------------------------------------------------
# 8. A tree bomb and a huge blob stay within --max-tree-files and --max-tree-size

level=$(tree "100644|f.yaml|$PLAIN_CM")
for _ in 1 2 3 4; do
	level=$(tree "040000|a|$level" "040000|b|$level" "040000|c|$level" "040000|d|$level" "040000|e|$level" \
		"040000|f|$level" "040000|g|$level" "040000|h|$level" "040000|i|$level" "040000|j|$level")
done
publish bomb4 "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "040000|bomb|$level")")"
run gitops-render "${R[@]}" --max-tree-files 1000 --repo "$URL" --revision bomb4 --path app
is "$RC:$OUT" "2:" "10,000 files from a 4-level tree bomb with --max-tree-files 1000: exit 2"
like "$ERR" "more than 1000 files and directories.*--max-tree-files" "the bomb: the limit is named"
is "$(tmp_left)" 0 "the bomb: its files are removed"
for _ in 5 6; do
	level=$(tree "040000|a|$level" "040000|b|$level" "040000|c|$level" "040000|d|$level" "040000|e|$level" \
		"040000|f|$level" "040000|g|$level" "040000|h|$level" "040000|i|$level" "040000|j|$level")
done
publish bomb6 "$(tree "040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "040000|bomb|$level")")"
run timeout -k 5 60 "$BIN/gitops-render" "${R[@]}" --repo "$URL" --revision bomb6 --path app
is "$RC:$OUT" "2:" "a million files from a 6-level bomb, default limits: exit 2"
like "$ERR" "more than 100000 files" "the default: 100000"

BIG=$(head -c 67108864 /dev/zero | git -C "$RAW" hash-object -w --stdin)
publish big "$(tree "040000|plain|$(tree "100644|big.bin|$BIG" "100644|cm.yaml|$PLAIN_CM")" \
	"040000|app|$(tree "100644|Chart.yaml|$CHART" "040000|templates|$TEMPLATES" "100644|big.bin|$BIG")")"
# peak memory against the same render of a small tree (so that a sanitizer's overhead cancels out)
run /usr/bin/time -f '%M' -o "$TMP/rss-base" "$BIN/gitops-render" -o json --repo "$URL" --revision inside --path plain
run /usr/bin/time -f '%M' -o "$TMP/rss" "$BIN/gitops-render" -o json --repo "$URL" --revision big --path plain
is "$RC:$(jq -r .metadata.name <<<"$OUT")" "0:plain" "a directory source beside a 64 MiB file it does not read: rendered" || echo "# $ERR"
MORE=$(($(tail -n 1 "$TMP/rss") - $(tail -n 1 "$TMP/rss-base")))
ok "$([ "$MORE" -lt 32768 ]; echo $?)" "the 64 MiB blob is never read or written (peak $MORE KiB above a small tree's)"
run gitops-render "${R[@]}" --max-tree-size 32M --repo "$URL" --revision big --path app
is "$RC:$OUT" "2:" "a chart with a 64 MiB file and --max-tree-size 32M: exit 2"
like "$ERR" "big.bin: the source's files are larger than 33554432 bytes in all \(--max-tree-size\)" "the size limit is named"

# ---------------------------------------------------------------------------------------------
# 11. A name with a newline is printed escaped: one message, one line

NL_NAME=$'bad\ngitops-render: all objects valid.yaml'
publish newline "$(tree "040000|plain|$(tree "100644|$NL_NAME|$(blob $'a: [unclosed\n')")")"
run gitops-render -o json --repo "$URL" --revision newline --path plain
is "$RC" 2 "a malformed file whose name has a newline: exit 2"
is "$(wc -l <<<"$ERR")" 1 "one message on one line"
like "$ERR" 'bad\\ngitops-render: all objects valid\.yaml' "the newline is shown as \\n"

# ---------------------------------------------------------------------------------------------
# 12. HOME unset: the cache is a private directory of this user, not /tmp/.cache

run env -u HOME -u XDG_CACHE_HOME "$BIN/gitops-render" -o json --repo "$URL" --revision inside --path plain
is "$RC" 0 "HOME unset: renders" || echo "# $ERR"
PRIV=$TMPDIR/gitops-tools-$(id -u)
is "$(stat -c '%a %u' "$PRIV" 2>/dev/null)" "700 $(id -u)" "HOME unset: the cache is \$TMPDIR/gitops-tools-UID, mode 700"
ok "$(ls "$PRIV"/repos/*.git >/dev/null 2>&1; echo $?)" "HOME unset: the clone is in it"
rm -rf "$PRIV"
mkdir -m 777 "$PRIV"
run env -u HOME -u XDG_CACHE_HOME "$BIN/gitops-render" -o json --repo "$URL" --revision inside --path plain
is "$RC:$OUT" "3:" "HOME unset, the directory is open to others: refused"
like "$ERR" "gitops-tools-$(id -u): .*(mode|others)" "HOME unset: says why"
rmdir "$PRIV"
ln -s "$TMP/outside" "$PRIV"
run env -u HOME -u XDG_CACHE_HOME "$BIN/gitops-render" -o json --repo "$URL" --revision inside --path plain
is "$RC:$OUT" "3:" "HOME unset, the directory is a symbolic link: refused"
ok "$([ ! -e "$TMP/outside/repos" ]; echo $?)" "HOME unset: nothing written through the link"
rm "$PRIV"
mkdir -m 700 "$PRIV"
chown 65534 "$PRIV"
run env -u HOME -u XDG_CACHE_HOME "$BIN/gitops-render" -o json --repo "$URL" --revision inside --path plain
is "$RC:$OUT" "3:" "HOME unset, the directory belongs to another user: refused"
rm -rf "$PRIV"

is "$(tmp_left)" 0 "every temporary directory is gone"
ok "$([ ! -e "$TMP/PWNED" ]; echo $?)" "nothing ran"
done_testing
