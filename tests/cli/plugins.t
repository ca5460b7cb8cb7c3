#!/usr/bin/env bash
# plugins.t: `make install` makes the tools kubectl and argocd plugins, and `make uninstall` takes
# everything away again. Installed into $TMP with DESTDIR and PREFIX, then driven the way users
# do: the real kubectl 1.32 finds the plugins in PATH (kubectl plugin list, kubectl gitops VERB,
# and the completion kubectl asks its kubectl_complete-* helpers for, also through the bash
# completion script of `kubectl completion bash`); argocd-gitops is run as argocd 3.1+ runs it
# (argocd-WORD ARGS..., found in PATH, exit code passed on): there is no argocd binary here.
. "$(dirname "$0")/../lib.sh"

shopt -s nullglob
TOOLS=("$BIN"/gitops-*)
shopt -u nullglob
[ "${#TOOLS[@]}" -gt 0 ] || { echo "Bail out! no bin/gitops-* (run make first)"; exit 1; }
require kubectl fish /usr/share/bash-completion/bash_completion

ROOT=$TMP/root
PREFIX=/opt/gitops
IBIN=$ROOT$PREFIX/bin
# -o all: install what is built; a test must not rebuild bin/ (e.g. without SANITIZE=1).
run make -s -C "$TOP" -o all install DESTDIR="$ROOT" PREFIX="$PREFIX"
is "$RC" 0 "make install DESTDIR=… PREFIX=… succeeds" || echo "# $ERR"

# Only the installed copies and the system: bin/ of the build is not in PATH from here on.
KUBECTL_DIR=$(dirname "$(command -v kubectl)")
export PATH="$IBIN:$KUBECTL_DIR:/usr/local/bin:/usr/bin:/bin"
export HOME=$TMP/home KUBECONFIG=$TMP/home/no-such-kubeconfig
mkdir -p "$HOME"

verb_of() { local n=${1##*/}; echo "${n#gitops-}"; }
kname_of() { local v; v=$(verb_of "$1"); echo "gitops-${v//-/_}"; }
# long_options TOOL: the long options of TOOL --help, one a line, sorted.
long_options() {
	"$1" --help | sed -nE 's/^ +(-[A-Za-z0-9], )?(--[a-z0-9][a-z0-9-]*).*/\2/p' | sort -u
}
# candidates: the candidates of cobra's __complete output on stdin, one a line (no descriptions,
# no directive), sorted.
candidates() { sed '$d' | cut -f1 | sort -u; }
directive() { tail -n 1; }

# --- what make install put where -------------------------------------------------------------

for tool in "${TOOLS[@]}"; do
	name=${tool##*/} k=$(kname_of "$tool")
	[ -x "$IBIN/$name" ] && [ -x "$IBIN/kubectl-$k" ] && [ -x "$IBIN/kubectl_complete-$k" ]
	ok $? "installed: $name, kubectl-$k and kubectl_complete-$k in \$PREFIX/bin"
	is "$(readlink "$IBIN/kubectl-$k")" "$name" "kubectl-$k is a link to $name in the same directory"
done
[ -x "$IBIN/argocd-gitops" ] && [ -x "$IBIN/kubectl-gitops" ] && [ -x "$IBIN/kubectl_complete-gitops" ]
ok $? "installed: argocd-gitops, kubectl-gitops and kubectl_complete-gitops"
unlike "$(cat "$IBIN/argocd-gitops")" "@VERSION@" "the installed argocd-gitops carries the version"

# --- kubectl plugin list and kubectl gitops VERB ---------------------------------------------

run kubectl plugin list
is "$RC" 0 "kubectl plugin list exits 0 (no invalid or shadowed plugins)"
unlike "$OUT$ERR" "[Ww]arning" "kubectl plugin list warns about nothing"
for tool in "${TOOLS[@]}"; do
	k=$(kname_of "$tool")
	grep -qxF "$IBIN/kubectl-$k" <<<"$OUT"
	ok $? "kubectl plugin list shows kubectl-$k"
done
grep -qxF "$IBIN/kubectl-gitops" <<<"$OUT"
ok $? "kubectl plugin list shows kubectl-gitops"

for tool in "${TOOLS[@]}"; do
	name=${tool##*/} verb=$(verb_of "$tool")
	run kubectl gitops "$verb" --help
	is "$RC:$ERR" "0:" "kubectl gitops $verb --help exits 0, nothing on stderr"
	is "$OUT" "$("$IBIN/$name" --help)" "kubectl gitops $verb --help is $name --help"
done
run kubectl gitops repo-add --help
like "$RC:$OUT" "^0:usage: gitops-repo-add " "kubectl gitops repo-add runs gitops-repo-add"
run kubectl gitops repo_add --version
like "$RC:$OUT" "^0:gitops-repo-add " "kubectl gitops repo_add (kubectl's own spelling) runs it too"
run kubectl gitops version
like "$RC:$OUT" "^0:kubectl-gitops \(gitops-tools\) $(cat "$TOP/VERSION")
commit [0-9a-f]+.*
libgit2 $(pkg-config --modversion libgit2)
libyaml [0-9.]+
jansson [0-9.]+\$" "kubectl gitops version: the version, the commit, libgit2, libyaml and jansson"

PLAIN=$TOP/examples/manifest-repo/plain
run kubectl gitops render -n demo --app demo "$PLAIN"
RENDERED=$(gitops-render -n demo --app demo "$PLAIN")
[ -n "$RENDERED" ]
ok $? "gitops-render renders examples/manifest-repo/plain"
is "$RC:$OUT" "0:$RENDERED" "kubectl gitops render DIR writes what gitops-render DIR writes"
mkdir -p "$TMP/broken"
printf 'kind: ConfigMap\nmetadata: {name: x\n' >"$TMP/broken/cm.yaml"
run kubectl gitops render "$TMP/broken"
is "$RC:$OUT" "2:" "kubectl passes the tool's exit code on (2 for a broken manifest), nothing on stdout"
like "$ERR" "^gitops-render: .*cm.yaml:" "and the tool's message"

run kubectl gitops
is "$RC:$ERR" "0:" "kubectl gitops without a verb exits 0, nothing on stderr (as kubectl alone)"
like "$OUT" "^usage: kubectl gitops VERB" "and shows the usage on stdout"
for tool in "${TOOLS[@]}"; do
	grep -qE "^  $(verb_of "$tool")\$" <<<"$OUT"
	ok $? "kubectl gitops (no verb) lists $(verb_of "$tool")"
done
run kubectl gitops no-such-verb
is "$RC:$OUT" "2:" "kubectl gitops no-such-verb exits 2"
like "$ERR" '^kubectl gitops: unknown verb "no-such-verb"; the verbs are: .*render' \
	"and says which verbs there are"

# --- kubectl plugin completion (kubectl_complete-*) --------------------------------------------

for tool in "${TOOLS[@]}"; do
	verb=$(verb_of "$tool")
	out=$(kubectl __complete gitops "$verb" -- 2>/dev/null)
	is "$(candidates <<<"$out")" "$(long_options "$tool")" "kubectl __complete gitops $verb -- offers every long option"
	is "$(directive <<<"$out")" ":4" "kubectl __complete gitops $verb --: no file names among options"
done

out=$(kubectl __complete gitops '' 2>/dev/null)
want=$(for tool in "${TOOLS[@]}"; do verb_of "$tool"; done | sort -u)
is "$(candidates <<<"$out")" "$want" "kubectl __complete gitops '' offers every verb (repo-add, not repo_add)"
is "$(directive <<<"$out")" ":4" "kubectl __complete gitops '': verbs only, no file names"

out=$(kubectl __complete gitops render --tr 2>/dev/null)
is "$out" "--tracking	annotation, label or annotation+label (default annotation)
:4" "kubectl __complete gitops render --tr: --tracking with its help"
out=$(kubectl __complete gitops render -o '' 2>/dev/null)
is "$out" "json
yaml
:4" "kubectl __complete gitops render -o '': json and yaml"
out=$(kubectl __complete gitops render --output= 2>/dev/null)
is "$(candidates <<<"$out")" "--output=json
--output=yaml" "kubectl __complete gitops render --output=: the values after --output="
out=$(kubectl __complete gitops render -n demo '' 2>/dev/null)
is "$out" ":0" "kubectl __complete gitops render -n demo '': files and directories (the FILE... | DIR operand)"
out=$(kubectl __complete gitops render -n '' 2>/dev/null)
is "$out" ":4" "kubectl __complete gitops render -n '': free text, no files"
out=$(kubectl __complete gitops render -- -o '' 2>/dev/null)
is "$out" ":0" "kubectl __complete gitops render -- -o '': after --, operands only"
out=$(kubectl __complete gitops history --file '' 2>/dev/null)
is "$out" ":0" "kubectl __complete gitops history --file '': files"
out=$(kubectl __complete gitops repo-add --type '' 2>/dev/null)
is "$(candidates <<<"$out")" "git
helm" "kubectl __complete gitops repo-add --type '': git and helm (through kubectl_complete-gitops-repo_add)"

# The same through the shell: kubectl's own bash completion, as a user's TAB runs it.
BC=/usr/share/bash-completion/bash_completion
{
	kubectl completion bash >"$TMP/kubectl.bash"
	# bash_tab WORD...: what TAB after the last WORD offers in bash, one a line, sorted.
	bash_tab() {
		bash --norc --noprofile -c '
			. "$1" && . "$2" || exit 3
			shift 2
			COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMPREPLY=()
			COMP_POINT=${#COMP_LINE}
			__start_kubectl kubectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf "%s\n" "${COMPREPLY[@]}"' bash "$BC" "$TMP/kubectl.bash" "$@" 2>/dev/null |
			sed '/^$/d' | sort -u
	}
	is "$(bash_tab kubectl gitops rep)" "repo-add" "bash: 'kubectl gitops rep<TAB>' gives repo-add"
	is "$(bash_tab kubectl gitops render --tr)" "--tracking" "bash: 'kubectl gitops render --tr<TAB>' gives --tracking"
	is "$(bash_tab kubectl gitops render -o '')" "json
yaml" "bash: 'kubectl gitops render -o <TAB>' gives json and yaml"
	is "$(bash_tab kubectl gitops set-image --max-a)" "--max-alias-nodes
--max-attempts" "bash: 'kubectl gitops set-image --max-a<TAB>' gives both options"
}
# And through kubectl's fish completion, descriptions included.
{
	kubectl completion fish >"$TMP/kubectl.fish"
	fish_tab() { fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$TMP/kubectl.fish" "$1" | sort; }
	is "$(fish_tab 'kubectl gitops rep')" "repo-add	The command repo-add is a plugin installed by the user" \
		"fish: 'kubectl gitops rep<TAB>' gives repo-add"
	is "$(fish_tab 'kubectl gitops render --tr')" "--tracking	annotation, label or annotation+label (default annotation)" \
		"fish: 'kubectl gitops render --tr<TAB>' gives --tracking with its help"
	is "$(fish_tab 'kubectl gitops repo-add --type ')" "git
helm" "fish: 'kubectl gitops repo-add --type <TAB>' gives git and helm"
}

# --- argocd gitops VERB (argocd-gitops) --------------------------------------------------------

run argocd-gitops --help
is "$RC:$ERR" "0:" "argocd-gitops --help exits 0, nothing on stderr"
like "$OUT" "^usage: argocd gitops VERB" "argocd-gitops --help shows how argocd runs it"
for tool in "${TOOLS[@]}"; do
	grep -qE "^  $(verb_of "$tool")\$" <<<"$OUT"
	ok $? "argocd-gitops --help lists $(verb_of "$tool")"
done
run argocd-gitops --version
is "$RC:$OUT" "0:argocd-gitops (gitops-tools) $(cat "$TOP/VERSION")
$("$IBIN/gitops-render" --version | sed 1d)" "argocd-gitops --version: the version, then gitops-render's commit and libraries"
run argocd-gitops version
like "$RC:$OUT" "^0:argocd-gitops \(gitops-tools\) $(cat "$TOP/VERSION")
commit [0-9a-f]+.*
libgit2 [0-9.]+
libyaml [0-9.]+
jansson [0-9.]+\$" "argocd gitops version: the same"

for tool in "${TOOLS[@]}"; do
	name=${tool##*/} verb=$(verb_of "$tool")
	run argocd-gitops "$verb" --help
	is "$RC:$OUT" "0:$("$IBIN/$name" --help)" "argocd gitops $verb --help is $name --help"
done
run argocd-gitops help render
is "$RC:$OUT" "0:$("$IBIN/gitops-render" --help)" "argocd gitops help render is gitops-render --help"
run argocd-gitops render -n demo --app demo "$PLAIN"
is "$RC:$OUT" "0:$RENDERED" "argocd gitops render DIR writes what gitops-render DIR writes"
run argocd-gitops render "$TMP/broken"
is "$RC:$OUT" "2:" "argocd gitops render passes the tool's exit code on (2), nothing on stdout"
like "$ERR" "^gitops-render: .*cm.yaml:" "and the tool's message, unchanged"
run argocd-gitops repo_add --version
like "$RC:$OUT" "^0:gitops-repo-add " "argocd gitops repo_add (kubectl's spelling) runs gitops-repo-add too"

run argocd-gitops
is "$RC:$OUT" "2:" "argocd gitops without a verb exits 2, nothing on stdout"
like "$ERR" "^usage: argocd gitops VERB" "and shows the usage on stderr"
run argocd-gitops no-such-verb --help
is "$RC:$OUT" "2:" "argocd gitops no-such-verb exits 2, nothing on stdout"
like "$ERR" '^argocd gitops: unknown verb "no-such-verb"; the verbs are: app-create .*render' \
	"and names the verbs"
for bad in ../gitops-render /bin/sh -x 'render;id' ''; do
	run argocd-gitops "$bad"
	is "$RC:$OUT" "2:" "argocd gitops '$bad' is refused with exit 2"
	like "$ERR" "^argocd gitops: (not a verb|unknown verb)" "argocd gitops '$bad': says why"
done

# krew's layout: the store directory holds the tools, its bin/ a symlink kubectl-gitops to the
# dispatcher; PATH has only the bin/. The dispatcher finds the tools next to its real file.
STORE=$TMP/krew/store/gitops/v1
mkdir -p "$STORE" "$TMP/krew/bin"
cp "$IBIN"/gitops-* "$STORE/"
cp "$IBIN/argocd-gitops" "$STORE/kubectl-gitops"
ln -s "$STORE/kubectl-gitops" "$TMP/krew/bin/kubectl-gitops"
run env PATH="$TMP/krew/bin:$KUBECTL_DIR:/usr/bin:/bin" kubectl gitops render -n demo --app demo "$PLAIN"
is "$RC:$OUT" "0:$RENDERED" "krew layout: kubectl gitops render runs the tool next to the real kubectl-gitops"
run env PATH="$TMP/krew/bin:$KUBECTL_DIR:/usr/bin:/bin" kubectl gitops repo-add --version
like "$RC:$OUT" "^0:gitops-repo-add " "krew layout: kubectl gitops repo-add (no kubectl-gitops-repo_add there)"
run env PATH="$TMP/krew/bin:$KUBECTL_DIR:/usr/bin:/bin" kubectl gitops
is "$RC:$ERR" "0:" "krew layout: kubectl gitops without a verb exits 0"
like "$OUT" "(^|
)  set-image(
|\$)" "krew layout: and lists the verbs in the store directory on stdout"

# --- krew: plugins/gitops.yaml, the template -----------------------------------------------------

YAML2JSON=$BUILD/tests/yaml2json
. "$TOP/tests/krew.sh"
if [ ! -x "$YAML2JSON" ]; then
	echo "Bail out! no build/tests/yaml2json (run make tests)"
	exit 1
fi
run "$YAML2JSON" <"$TOP/plugins/gitops.yaml"
is "$RC:$ERR" "0:" "plugins/gitops.yaml (the template) is one YAML document"
krew_check "$OUT" "plugins/gitops.yaml"
is "$(jq -r .spec.version <<<"$OUT")" "v@VERSION@" "plugins/gitops.yaml: spec.version is filled in by make krew"

# make krew needs the release build: tests/dist/krew.t (make check-dist) tests it and installs its
# archive as krew does.

# --- make uninstall ----------------------------------------------------------------------------

run make -s -C "$TOP" -o all uninstall DESTDIR="$ROOT" PREFIX="$PREFIX"
is "$RC" 0 "make uninstall succeeds"
is "$(cd "$ROOT" && find . ! -type d | sort)" "" "make uninstall removes every file and link make install made"

done_testing
