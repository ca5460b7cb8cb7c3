# tests/complete.sh: drive the generated completions in the real shells (sourced by tests).
# Needs $TMP and $COMP (the completions directory) set by the test; defines WORK, bash_complete,
# fish_complete and zsh_complete.

# A directory to complete in: one subdirectory, one manifest file.
WORK=$TMP/work
mkdir -p "$WORK/manifests"
: >"$WORK/x.yaml"

# bash_complete TOOL WORD...: what the completion of the last WORD offers, one a line, sorted.
bash_complete() {
	local name=$1
	(cd "$WORK" && bash --norc --noprofile -c '
		. "$1" || exit 3
		shift
		spec=$(complete -p "$1") || exit 4
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$COMP/$name.bash" "$@") | sed '/^$/d' | sort -u
}

# fish_complete TOOL LINE: what fish offers at the end of LINE, found through fish_complete_path.
# In a home of its own: fish keeps universal variables and history under the user's.
mkdir -p "$TMP/fish-home"
fish_complete() {
	(cd "$WORK" && HOME=$TMP/fish-home XDG_CONFIG_HOME=$TMP/fish-home/config XDG_DATA_HOME=$TMP/fish-home/data \
		XDG_CACHE_HOME=$TMP/fish-home/cache fish --no-config -c \
		'set -g fish_complete_path $argv[1] $fish_complete_path; complete -C$argv[2]' \
		"$COMP" "$2") | cut -f1 | sort -u
}

# zsh_complete TOOL LINE: what zsh offers at the end of LINE (an interactive zsh on a pty,
# compinit with completions/ first in $fpath, compadd wrapped to print its matches).
cat >"$TMP/capture.zsh" <<'ZSH'
zmodload zsh/zpty || exit 3
setup=$3
cat >$setup <<'SETUP'
PROMPT=
autoload -Uz compinit
compinit -u -D
bindkey '^I' complete-word
bindkey '^M' undefined
bindkey '^J' undefined
zstyle ':completion:*' insert-tab false
zstyle ':completion:*' list-grouped false
null-line() { echo -E - $'\0' }
compprefuncs=(null-line)
comppostfuncs=(null-line exit)
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a __hits
	builtin compadd -A __hits "$@"
	builtin compadd "$@"
	local h
	for h in $__hits; do echo -E - "<match>$h</match>"; done
}
echo setup-ok
SETUP
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); source ${(q)setup}"
while zpty -r z line; do [[ $line == *setup-ok* && $line != *source* ]] && break; done
zpty -w z "$2"$'\t'
integer n=0
while zpty -r z line; do
	if [[ $line == *$'\0'* ]]; then
		(( n++ )) && break
		continue
	fi
	(( n )) && [[ $line == *'<match>'*'</match>'* ]] && print -r -- ${${line##*<match>}%%</match>*}
done
zpty -d z
ZSH
zsh_complete() {
	(cd "$WORK" && timeout 30 zsh -f "$TMP/capture.zsh" "$COMP" "$2" "$TMP/zsh-setup") | sort -u
}
