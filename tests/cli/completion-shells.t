#!/usr/bin/env bash
# completion-shells.t: for every tool, each option's value completes the same in bash (with
# bash-completion), zsh, fish and kubectl's plugin completion (completions/kubectl_complete-*),
# and what it offers is what --help says the option takes:
#   - an argument whose help lists its values ("json or yaml", "git or helm") offers exactly those,
#     also after --opt= and after the short option, and narrowed by a typed prefix;
#   - FILE offers files, DIR directories only, any other argument (NAME, N, URL) nothing at all,
#     not even file names;
#   - the operands: DIR directories, FILE files, none nothing; a tool with verbs (gitops-cache ls |
#     du | ...) offers its verbs, narrowed by a prefix, and nothing once one is given.
# The expectations are read from --help here, independently of tests/tools/gen-completions.
# (tests/cli/options.t checks that every option is offered; this checks what its value gets.)
. "$(dirname "$0")/../lib.sh"

COMP=$TOP/completions
shopt -s nullglob
TOOLS=("$BIN"/gitops-*)
shopt -u nullglob
[ "${#TOOLS[@]}" -gt 0 ] || { echo "Bail out! no bin/gitops-* (run make first)"; exit 1; }
require fish zsh /usr/share/bash-completion/bash_completion
have() { command -v "$1" >/dev/null 2>&1; }

. "$TOP/tests/complete.sh"

# lines WORD...: the words one a line, sorted (nothing for no words).
lines() { [ $# -gt 0 ] && printf '%s\n' "$@" | sort -u; }

# bash_complete_bc TOOL WORD...: like bash_complete, but loaded the way bash-completion loads an
# installed completion (by the command's name, on first use), with bash-completion's functions.
BC=/usr/share/bash-completion/bash_completion
mkdir -p "$TMP/share/bash-completion/completions"
for f in "$COMP"/gitops-*.bash; do
	b=${f##*/}
	cp "$f" "$TMP/share/bash-completion/completions/${b%.bash}"
done
bash_complete_bc() {
	(cd "$WORK" && env -u BASH_COMPLETION_USER_DIR XDG_DATA_HOME="$TMP/share" bash --norc --noprofile -c '
		. "$1" || exit 3
		shift
		__load_completion "$1" || exit 4
		spec=$(complete -p "$1") || exit 5
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$BC" "$@") | sed '/^$/d' | sort -u
}

# kubectl_complete TOOL WORD...: the candidates of TOOL's kubectl_complete shim and its directive
# as the last line.
kubectl_complete() {
	local name=$1 verb
	shift
	verb=${name#gitops-}
	local out
	out=$(cd "$WORK" && "$COMP/kubectl_complete-gitops-${verb//-/_}" "$@" | cut -f1)
	sed '$d' <<<"$out" | sed '/^$/d' | sort -u
	tail -n1 <<<"$out"
}

# --- what --help says ---------------------------------------------------------------------------

# parse_help TOOL: O_SHORT, O_LONG, O_ARG and O_HELP of every option that takes an argument, and
# OPERAND (DIR, FILE or empty) from the usage line.
parse_help() {
	local line re='^ +(-([A-Za-z0-9]), )?--([a-z0-9][a-z0-9-]*) ([A-Z][A-Z0-9_=-]*( <[A-Z]+>)?) +(.*)$'
	local usage_re='^usage: [^ ]+ (.*)$'
	O_SHORT=() O_LONG=() O_ARG=() O_HELP=() OPERAND= VERBS=
	while IFS= read -r line; do
		if [[ $line =~ $usage_re ]]; then
			# verbs: the words of the usage line in lowercase ("ls | du | prune --older-than D")
			VERBS=$(tr ' |[]()' '\n' <<<"${BASH_REMATCH[1]}" | grep -xE '[a-z][a-z0-9-]*' | sort -u)
			# an operand is DIR or FILE standing alone, not right after an option
			OPERAND=$(sed -E 's/(-[-a-z]+) [A-Z]+/\1/g' <<<"${BASH_REMATCH[1]}" | grep -oE '(^|[ [(|])(DIR|FILE)\b' |
				head -n1 | tr -dc 'A-Z')
		elif [[ $line =~ $re ]]; then
			O_SHORT+=("${BASH_REMATCH[2]}")
			O_LONG+=("${BASH_REMATCH[3]}")
			O_ARG+=("${BASH_REMATCH[4]}")
			O_HELP+=("${BASH_REMATCH[6]}")
		fi
	done < <("$1" --help)
}

# values_in HELP: the values a choice's help lists first ("json or yaml (default: …)" gives
# json yaml; "annotation, label or annotation+label: how …" gives the three), one a line;
# nothing for other help.
values_in() {
	local h
	h=$(sed -E 's/ *\([^)]*\)//g; s/: .*//' <<<"$1")
	grep -qE '^[A-Za-z0-9][A-Za-z0-9+._-]*((, | or )[A-Za-z0-9][A-Za-z0-9+._-]*)+$' <<<"$h" || return 0
	sed -E 's/, | or /\n/g' <<<"$h" | sort -u
}

# --- per option ---------------------------------------------------------------------------------

WORK_FILES=$(lines manifests x.yaml)

# check_option TOOL I WANT KIND: what option I of TOOL (parse_help's arrays) gets in every shell.
check_option() {
	local name=$1 i=$2 want=$3 kind=$4 sh got first
	local opt=--${O_LONG[i]} short=${O_SHORT[i]:+-${O_SHORT[i]}}
	for sh in "${OPT_SHELLS[@]}"; do
		case $sh in
		bash) got=$(bash_complete_bc "$name" "$name" "$opt" '') ;;
		zsh) got=$(zsh_complete "$name" "$name $opt ") ;;
		fish) got=$(fish_complete "$name" "$name $opt ") ;;
		esac
		# files: bash and zsh list manifests, fish manifests/; compare without the slash.
		got=$(sed 's|/$||' <<<"$got" | sort -u)
		is "$got" "$want" "$sh: '$name $opt <TAB>' offers $kind"
	done
	got=$(kubectl_complete "$name" "$opt" '')
	case $kind in
	files) is "$got" ":0" "kubectl: '$name $opt <TAB>' lets the shell complete files (:0)" ;;
	directories) is "$got" ":16" "kubectl: '$name $opt <TAB>' lets the shell complete directories (:16)" ;;
	nothing) is "$got" ":4" "kubectl: '$name $opt <TAB>' offers nothing, no files (:4)" ;;
	*) is "$got" "$(printf '%s\n' "$want" ':4')" "kubectl: '$name $opt <TAB>' offers $kind, no files" ;;
	esac
	[[ $kind == values* ]] || return 0

	# the same values after --opt= and after the short option, and narrowed by a prefix
	is "$(bash_complete_bc "$name" "$name" "$opt" = '')" "$want" "bash: '$name $opt=<TAB>' offers $kind"
	have zsh && [[ " ${OPT_SHELLS[*]} " == *" zsh "* ]] &&
		is "$(zsh_complete "$name" "$name $opt=")" "$want" "zsh: '$name $opt=<TAB>' offers $kind"
	is "$(kubectl_complete "$name" "$opt=" | sed '$d')" "$(sed "s|^|$opt=|" <<<"$want")" \
		"kubectl: '$name $opt=<TAB>' offers $opt=VALUE for each value"
	if [ -n "$short" ]; then
		is "$(bash_complete_bc "$name" "$name" "$short" '')" "$want" "bash: '$name $short <TAB>' offers $kind"
		[[ " ${OPT_SHELLS[*]} " == *" fish "* ]] &&
			is "$(fish_complete "$name" "$name $short ")" "$want" "fish: '$name $short <TAB>' offers $kind"
		is "$(kubectl_complete "$name" "$short" '' | sed '$d')" "$want" "kubectl: '$name $short <TAB>' offers $kind"
	fi
	first=$(head -n1 <<<"$want")
	local prefix=${first:0:1}
	local narrowed
	narrowed=$(grep "^$prefix" <<<"$want")
	for sh in "${OPT_SHELLS[@]}"; do
		case $sh in
		bash) got=$(bash_complete_bc "$name" "$name" "$opt" "$prefix") ;;
		zsh) got=$(zsh_complete "$name" "$name $opt $prefix") ;;
		fish) got=$(fish_complete "$name" "$name $opt $prefix") ;;
		esac
		is "$got" "$narrowed" "$sh: '$name $opt $prefix<TAB>' offers only the values starting with $prefix"
	done
}

check_operand() {
	local name=$1 sh got want kind directive
	case $OPERAND in
	DIR) want=manifests kind="directories only" directive=:16 ;;
	FILE) want=$WORK_FILES kind=files directive=:0 ;;
	*) want='' kind=nothing directive=:4 ;;
	esac
	if [ -n "$VERBS" ]; then
		want=$VERBS kind="its verbs" directive="$VERBS
:4"
		check_verbs "$name"
	fi
	for sh in "${SHELLS[@]}"; do
		case $sh in
		bash) got=$(bash_complete_bc "$name" "$name" '') ;;
		zsh) got=$(zsh_complete "$name" "$name ") ;;
		fish) got=$(fish_complete "$name" "$name ") ;;
		esac
		got=$(sed 's|/$||' <<<"$got" | sort -u)
		is "$got" "$want" "$sh: '$name <TAB>' (an operand) offers $kind"
	done
	is "$(kubectl_complete "$name" '')" "$directive" "kubectl: '$name <TAB>' (an operand): $(tr '\n' ' ' <<<"$directive" | sed 's/ $//')"
}

# check_verbs TOOL: a verb's prefix narrows to it; after a verb, no verb is offered again.
check_verbs() {
	local name=$1 sh got first prefix
	first=$(head -n1 <<<"$VERBS")
	prefix=${first:0:1}
	local narrowed
	narrowed=$(grep "^$prefix" <<<"$VERBS")
	for sh in "${SHELLS[@]}"; do
		case $sh in
		bash) got=$(bash_complete_bc "$name" "$name" "$prefix") ;;
		zsh) got=$(zsh_complete "$name" "$name $prefix") ;;
		fish) got=$(fish_complete "$name" "$name $prefix") ;;
		esac
		is "$got" "$narrowed" "$sh: '$name $prefix<TAB>' offers the verbs starting with $prefix"
	done
	is "$(kubectl_complete "$name" "$prefix")" "$narrowed
:4" "kubectl: '$name $prefix<TAB>' offers the verbs starting with $prefix"
	is "$(bash_complete_bc "$name" "$name" "$first" '')" "" "bash: '$name $first <TAB>' offers no second verb"
	is "$(fish_complete "$name" "$name $first ")" "" "fish: '$name $first <TAB>' offers no second verb"
	is "$(kubectl_complete "$name" "$first" '')" ":4" "kubectl: '$name $first <TAB>' offers no second verb"
}

# --- run ----------------------------------------------------------------------------------------

SHELLS=(bash fish zsh)
zsh -fc 'zmodload zsh/zpty' 2>/dev/null
ok $? "zsh has zsh/zpty (the zsh completion driver types into a pty)"

# An option several tools share (--password-file FILE, -o FORMAT with the same help) is generated
# the same way for each: after its first tool, bash and kubectl only (zsh and fish are slow).
declare -A SEEN=()
for tool in "${TOOLS[@]}"; do
	name=${tool##*/}
	parse_help "$tool"
	for i in "${!O_LONG[@]}"; do
		sig="${O_SHORT[i]} ${O_LONG[i]} ${O_ARG[i]} ${O_HELP[i]}"
		if [ -n "${SEEN[$sig]:-}" ]; then OPT_SHELLS=(bash); else OPT_SHELLS=("${SHELLS[@]}"); fi
		SEEN[$sig]=1
		values=$(values_in "${O_HELP[i]}")
		if [ -n "$values" ]; then
			check_option "$name" "$i" "$values" "values $(tr '\n' ' ' <<<"$values" | sed 's/ $//')"
		elif [ "${O_ARG[i]}" = FILE ]; then
			check_option "$name" "$i" "$WORK_FILES" files
		elif [ "${O_ARG[i]}" = DIR ]; then
			check_option "$name" "$i" manifests directories
		elif [ "$name" = gitops-render ] || [ "$i" -lt 2 ]; then
			# free text: a sample per tool (every one for render) keeps the run short
			check_option "$name" "$i" "" nothing
		fi
	done
	check_operand "$name"
done

done_testing
