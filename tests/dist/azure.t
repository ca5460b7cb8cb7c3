#!/usr/bin/env bash
# azure.t: the Azure Pipelines install of a pinned release (issue 21). The step template
# examples/azure-pipelines/gitops-tools.yml and the pipelines that use it, read as Azure reads
# them (parameters, steps, the Cache@2 inputs); then the template's install script, as written,
# run the way the agent runs it (bash, its env mapping, AGENT_TOOLSDIRECTORY, PIPELINE_WORKSPACE)
# against a copy of the release archive on a local web server: it installs, verifies, reuses,
# refuses a wrong checksum; and the tools' clone cache lands where the Cache@2 task saves from.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"
. "$TOP/tests/servers/git.sh"

YAML2JSON=$BUILD/tests/yaml2json
[ -x "$YAML2JSON" ] || { echo "Bail out! no build/tests/yaml2json (make check-dist builds it)"; exit 1; }
EX=$TOP/examples
yaml() { "$YAML2JSON" <"$1"; }

# --- the template ------------------------------------------------------------------------------------

T=$(yaml "$EX/azure-pipelines/gitops-tools.yml")
is "$(jq -r '[.parameters[] | "\(.name):\(.type)"] | join(" ")' <<<"$T")" \
	"version:string sha256:string manifestRepo:string downloadUrl:string" "parameters: version, sha256, manifestRepo, downloadUrl"
is "$(jq -r '[.parameters[] | select(.default == null) | .name] | join(" ")' <<<"$T")" "version sha256 manifestRepo" \
	"version, sha256 and manifestRepo must be given"
is "$(jq -r '.steps | length' <<<"$T")" 2 "two steps"
INSTALL=$(jq -c '.steps[0]' <<<"$T")
is "$(jq -r '.env | keys | join(" ")' <<<"$INSTALL")" "GITOPS_TOOLS_SHA256 GITOPS_TOOLS_URL GITOPS_TOOLS_VERSION" \
	"the install step gets the parameters through its env mapping"
is "$(jq -r '.env.GITOPS_TOOLS_SHA256' <<<"$INSTALL")" '${{ parameters.sha256 }}' "GITOPS_TOOLS_SHA256 is the sha256 parameter"
SCRIPT=$(jq -r .bash <<<"$INSTALL")
unlike "$SCRIPT" '\$\{\{|\$\([A-Z][A-Za-z.]*\)' "the script uses no template expression or macro: only its environment"
CACHE=$(jq -c '.steps[1]' <<<"$T")
is "$(jq -r .task <<<"$CACHE")" Cache@2 "the second step is the Cache@2 task"
like "$(jq -r .inputs.key <<<"$CACHE")" '^gitops-tools \| "\$\(Agent\.OS\)" \| "\$\{\{ parameters\.manifestRepo \}\}" \| "\$\(Build\.BuildId\)"$' \
	"its key: the manifest repo, ending in the build id (a saved entry is never overwritten)"
is "$(jq -r .inputs.restoreKeys <<<"$CACHE" | sed '/^$/d')" "$(jq -r .inputs.key <<<"$CACHE" | sed 's/ | "$(Build.BuildId)"$//')" \
	"its restoreKeys: the key without the build id, so the newest entry of that repo is restored"
CACHE_PATH=$(jq -r .inputs.path <<<"$CACHE")
is "$CACHE_PATH" '$(Pipeline.Workspace)/.cache/gitops-tools' "its path: the tools' cache under \$(Pipeline.Workspace)"

# The pipelines that use it: the template before the first step that runs a tool.
for p in azure-pipelines.yml azure-pipelines/pr-validation.yml; do
	P=$(yaml "$EX/$p")
	tpl=$(jq -r '[.steps[] | .template // empty][0]' <<<"$P")
	[ -f "$(dirname "$EX/$p")/$tpl" ]
	ok $? "$p: uses the template ($tpl, a path from the pipeline's own folder)"
	first_tpl=$(jq '[.steps[] | has("template")] | index(true)' <<<"$P")
	first_tool=$(jq '[.steps[] | ((.script // .bash // "") | test("gitops-"))] | index(true)' <<<"$P")
	ok $((first_tpl < first_tool ? 0 : 1)) "$p: installs before the first step that runs a tool"
	is "$(jq -r '[.steps[] | select(.template) | .parameters | keys[]] | sort | join(" ")' <<<"$P")" "manifestRepo sha256 version" \
		"$p: passes version, sha256 and manifestRepo"
	is "$(jq -r '.variables.gitopsToolsVersion' <<<"$P")" "$VERSION" "$p: pins version $VERSION"
done

# --- the install script, run as the agent runs it ------------------------------------------------------

mkdir -p "$TMP/www/v$VERSION" "$TMP/agent/tools" "$TMP/agent/work"
cp "$TGZ" "$TMP/www/v$VERSION/"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0 >"$TMP/www.log" 2>&1 &
WWW_PID=$!
at_exit "kill $WWW_PID 2>/dev/null"
for _ in $(seq 300); do # up to 30 s: python starts slowly on a loaded machine
	PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/www.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "Bail out! the web server did not start"; exit 1; }
printf '%s\n' "$SCRIPT" >"$TMP/install.sh"
SHA=$(sha256sum "$TGZ" | cut -c1-64)
# agent SHA256: the step's script, with the env mapping and the agent's variables.
agent() {
	env AGENT_TOOLSDIRECTORY="$TMP/agent/tools" PIPELINE_WORKSPACE="$TMP/agent/work" \
		GITOPS_TOOLS_VERSION="$VERSION" GITOPS_TOOLS_SHA256="$1" GITOPS_TOOLS_URL="http://127.0.0.1:$PORT" \
		bash --noprofile --norc -e "$TMP/install.sh"
}
AX=x64
[ "$ARCH" = arm64 ] && AX=arm64
DIR=$TMP/agent/tools/gitops-tools/$VERSION/$AX

run agent 0000000000000000000000000000000000000000000000000000000000000000
isnt_ok=$((RC != 0))
ok $((1 - isnt_ok)) "a wrong sha256: the step fails"
like "$OUT" "##vso\\[task.logissue type=error\\]gitops-tools: $NAME.tar.gz does not have the pinned sha256" "and says so as an Azure error"
[ ! -e "$DIR" ] && [ ! -e "$DIR.complete" ]
ok $? "and installs nothing"
run agent not-a-checksum
like "$RC:$OUT" "^1:##vso\\[task.logissue type=error\\]gitops-tools: parameter sha256 must be" "a sha256 that is no checksum: refused before the download"

run agent "$SHA"
is "$RC" 0 "the pinned sha256: the step succeeds" || sed 's/^/# /' <<<"$ERR"
like "$OUT" "(^|"$'\n'")gitops-set-image \\(gitops-tools\\) $VERSION"$'\n' "it runs the installed gitops-set-image --version"
like "$OUT" "##vso\\[task.prependpath\\]$DIR/bin(\$|"$'\n'")" "it puts the tool directory's bin/ first in PATH for the next steps"
like "$OUT" "##vso\\[task.setvariable variable=XDG_CACHE_HOME\\]$TMP/agent/work/.cache" "it sets XDG_CACHE_HOME under the pipeline workspace"
[ -f "$DIR.complete" ] && [ -x "$DIR/bin/gitops-set-image" ] && [ -f "$DIR/share/man/man1/gitops-set-image.1" ]
ok $? "unpacked into \$(Agent.ToolsDirectory)/gitops-tools/$VERSION/$AX with the agent's .complete marker"
run bare "$DIR/bin/gitops-render" --version
is "$RC" 0 "the installed tools need nothing else (C library alone)"

# A second run on the same agent (self-hosted) reuses the install: no download.
gets=$(grep -c '"GET ' "$TMP/www.log")
run agent "$SHA"
is "$RC:$(grep -c '"GET ' "$TMP/www.log")" "0:$gets" "a second run reuses the tool directory, downloads nothing"

# The following step, with what the install step set: gitops-set-image from PATH, XDG_CACHE_HOME;
# its bare clone is in the directory the Cache@2 task saves.
XDG=$(sed -n 's/.*task.setvariable variable=XDG_CACHE_HOME\]//p' <<<"$OUT")
git_server_start
URL=$(git_repo_create manifests --from "$TOP/examples/manifest-repo")
run env PATH="$DIR/bin:$PATH" XDG_CACHE_HOME="$XDG" GITOPS_GIT_TOKEN="$GIT_SERVER_PASSWORD" \
	gitops-set-image --repo "$URL" --file charts/my-app/values.yaml --set image.tag=7.7.7 -o json
is "$RC" 0 "the next step's gitops-set-image pushes" || sed 's/^/# /' <<<"$ERR"
SAVED=${CACHE_PATH/\$(Pipeline.Workspace)/$TMP/agent/work}
is "$(find "$SAVED" -maxdepth 2 -name '*.git' -type d | wc -l)" 1 "its bare clone is under the Cache@2 path, so the cache saves it"

done_testing
