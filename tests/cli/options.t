#!/usr/bin/env bash
# options.t: each tool's options agree wherever they appear. The option table is the one source:
# `--help` is generated from it, and for every bin/gitops-* this checks that
#   - --help, -h, --version and an unknown option behave as every tool's must (docs/design.md);
#   - the one option grammar (docs/options.md): every --timeout a duration, seconds accepted;
#     unique prefixes, ambiguous ones named, did-you-mean, one message per value type;
#   - the man page docs/man/TOOL.1 lists every option of --help in OPTIONS, with the same
#     argument names, and no option --help lacks; it formats without groff warnings;
#   - the bash, zsh and fish completions name every option, know which take a value, and are
#     what tests/tools/gen-completions makes of --help today; a choice completes to exactly the
#     values its parser accepts, and no other option offers values;
#   - the completions work in the real shells: bash (alone and through bash-completion's
#     loader), fish and zsh, each skipped when the shell is not installed.
# gitops-tools(7) must list every tool.
. "$(dirname "$0")/../lib.sh"

COMP=$TOP/completions
MAN=$TOP/docs/man

shopt -s nullglob
TOOLS=("$BIN"/gitops-*)
shopt -u nullglob
[ "${#TOOLS[@]}" -gt 0 ] || { echo "Bail out! no bin/gitops-* (run make first)"; exit 1; }

require groff fish zsh /usr/share/bash-completion/bash_completion
have() { command -v "$1" >/dev/null 2>&1; }

# parse_help TOOL: the options of `TOOL --help` into O_SHORT, O_LONG, O_ARG and O_LEFT (the
# option column as --help prints it, e.g. "-n, --namespace NS").
parse_help() {
	local line re='^ +((-([A-Za-z0-9]), )?--([a-z0-9][a-z0-9-]*)( ([A-Z][A-Z0-9_=-]*( <[A-Z]+>)?))?) +[^ ]'
	O_SHORT=() O_LONG=() O_ARG=() O_LEFT=()
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		O_LEFT+=("${BASH_REMATCH[1]}")
		O_SHORT+=("${BASH_REMATCH[3]}")
		O_LONG+=("${BASH_REMATCH[4]}")
		O_ARG+=("${BASH_REMATCH[6]}")
	done < <("$1" --help)
}

# has_word FILE WORD: WORD occurs in FILE not as part of a longer option name.
has_word() {
	grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"
}

# man_options PAGE: the option lines of the OPTIONS section, as formatted, without indent.
man_options() {
	LC_ALL=C groff -man -Tascii -P-cbou "$1" 2>/dev/null |
		sed -n '/^OPTIONS$/,/^[A-Z]/p' |
		sed -nE 's/^       (-[A-Za-z0-9], )?(--[a-z0-9][a-z0-9-]*( [A-Z][A-Z0-9_=-]*( <[A-Z]+>)?)?)$/\1\2/p'
}

# --- per tool: --help, --version, unknown options -------------------------------------------

# check_version NAME OUTPUT: the version, the commit and the versions of the libraries the tool
# really has (issue 21): libgit2 where the binary needs it or, gitops-render, loads it on first use.
COMMIT_WANT=$(git -C "$TOP" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
check_version() {
	local name=$1 out=$2 uses_git=
	{ readelf -d "$TOP/bin/$name" | grep -q 'NEEDED.*libgit2' || [ "$name" = gitops-render ]; } && uses_git=1
	is "$(sed -n 1p <<<"$out")" "$name (gitops-tools) $(cat "$TOP/VERSION")" "$name --version: its name and the version"
	like "$(sed -n 2p <<<"$out")" "^commit $COMMIT_WANT(-dirty)?\$" "$name --version: the commit it was built from"
	is "$(sed 1,2d <<<"$out")" "${uses_git:+libgit2 $(pkg-config --modversion libgit2)
}libyaml $(pkg-config --modversion yaml-0.1)
jansson $(pkg-config --modversion jansson)" "$name --version: the libraries it runs with${uses_git:+, libgit2 among them}"
}

check_behaviour() {
	local tool=$1 name=${1##*/} letter i
	run "$tool" --help
	is "$RC" 0 "$name --help exits 0"
	like "$OUT" "^usage: $name " "$name --help prints the usage on stdout"
	is "$ERR" "" "$name --help prints nothing on stderr"
	local help=$OUT
	run "$tool" -h
	is "$OUT" "$help" "$name -h is --help"

	run "$tool" --version
	is "$RC" 0 "$name --version exits 0"
	check_version "$name" "$OUT"

	run "$tool" --no-such-option
	is "$RC" 2 "$name --no-such-option exits 2"
	is "$OUT" "" "$name --no-such-option prints nothing on stdout"
	like "$ERR" "^$name: .*--no-such-option" "$name --no-such-option names the option on stderr"

	for letter in Z Y X W U T S R P; do
		[[ " ${O_SHORT[*]} " == *" $letter "* ]] || break
	done
	run "$tool" "-$letter"
	is "$RC" 2 "$name -$letter (unknown) exits 2"
	like "$ERR" "^$name: .*-$letter" "$name -$letter names the option on stderr"

	for i in "${!O_LONG[@]}"; do
		if [ -n "${O_ARG[i]}" ]; then
			run "$tool" "--${O_LONG[i]}"
			is "$RC" 2 "$name --${O_LONG[i]} without its ${O_ARG[i]} exits 2"
			like "$ERR" "^$name: .*--${O_LONG[i]}" "$name --${O_LONG[i]} without a value says which option"
		else
			run "$tool" "--${O_LONG[i]}=x"
			is "$RC:$OUT" "2:" "$name --${O_LONG[i]}=x (a flag with a value) exits 2, nothing on stdout"
			like "$ERR" "^$name: .*--${O_LONG[i]}" "$name --${O_LONG[i]}=x says which option"
		fi
	done
}

# --- per tool: the man page -----------------------------------------------------------------

check_man() {
	local tool=$1 name=${1##*/} page=$MAN/${1##*/}.1 i left listed
	if [ ! -f "$page" ]; then
		ok 1 "$name has a man page docs/man/$name.1"
		return
	fi
	ok 0 "$name has a man page docs/man/$name.1"
	run groff -man -Tutf8 -ww -z "$page"
	is "$ERR" "" "docs/man/$name.1 formats without groff warnings"

	listed=$(man_options "$page")
	for i in "${!O_LONG[@]}"; do
		left=${O_LEFT[i]}
		grep -qxF -- "$left" <<<"$listed"
		ok $? "docs/man/$name.1 OPTIONS lists '$left'"
	done
	while IFS= read -r left; do
		[ -n "$left" ] || continue
		printf '%s\n' "${O_LEFT[@]}" | grep -qxF -- "$left"
		ok $? "docs/man/$name.1 OPTIONS: '$left' is an option of $name --help"
	done <<<"$listed"
}

# --- per tool: the completion files ---------------------------------------------------------

check_completion_files() {
	local tool=$1 name=${1##*/} i f s l
	local bash_f=$COMP/$name.bash zsh_f=$COMP/_$name fish_f=$COMP/$name.fish
	for f in "$bash_f" "$zsh_f" "$fish_f"; do
		[ -f "$f" ]
		ok $? "$name has completions/${f##*/}" || return
	done
	for i in "${!O_LONG[@]}"; do
		l=--${O_LONG[i]} s=${O_SHORT[i]:+-${O_SHORT[i]}}
		has_word "$bash_f" "$l" && { [ -z "$s" ] || has_word "$bash_f" "$s"; }
		ok $? "completions/$name.bash offers $l${s:+ and $s}"
		has_word "$zsh_f" "$l" && { [ -z "$s" ] || has_word "$zsh_f" "$s"; }
		ok $? "completions/_$name offers $l${s:+ and $s}"
		grep -qE -- "^complete -c $name( -s ${O_SHORT[i]})? -l ${O_LONG[i]} " "$fish_f" &&
			{ [ -z "$s" ] || grep -qE -- "^complete -c $name -s ${O_SHORT[i]} -l ${O_LONG[i]} " "$fish_f"; }
		ok $? "completions/$name.fish offers $l${s:+ and $s}"

		# Which options take a value: bash completes after them (a "case \$prev" pattern), zsh
		# has --opt= and -x+, fish -r or -x.
		if [ -n "${O_ARG[i]}" ]; then
			grep -qE -- "^	([^#]*[ 	])?$l( |\))" "$bash_f"
			ok $? "completions/$name.bash: $l takes a value"
			grep -qE -- "(^|[^A-Za-z0-9-])$l=" "$zsh_f" && { [ -z "$s" ] || grep -qF -- "$s+" "$zsh_f"; }
			ok $? "completions/_$name: $l takes a value"
			grep -E -- "^complete -c $name( -s [^ ])? -l ${O_LONG[i]} " "$fish_f" | grep -qE -- ' -(r|x)( |$)'
			ok $? "completions/$name.fish: $l takes a value"
		else
			grep -E -- "^complete -c $name( -s [^ ])? -l ${O_LONG[i]} " "$fish_f" | grep -qvE -- ' -(r|x)( |$)'
			ok $? "completions/$name.fish: $l is a flag"
		fi
	done
}

# --- per tool: choices complete to their values ----------------------------------------------

# An option is a choice when the parser refuses a value outside its list, naming the list
# ("--tracking x: use annotation, label or annotation+label"); its completions must offer exactly
# those values, and an option that is not a choice none. The unknown option after the value
# makes every parse fail, so nothing runs.
check_choices() {
	local tool=$1 name=${1##*/} i values offered re
	for i in "${!O_LONG[@]}"; do
		[ -n "${O_ARG[i]}" ] || continue
		run "$tool" "--${O_LONG[i]}" __no_such_value__ --zz-no-such-option
		values=
		re="^$name: --${O_LONG[i]} __no_such_value__: use ([^ ]+(, [^ ]+)* or [^ ]+)\$"
		if [[ $ERR =~ $re ]]; then
			values=${BASH_REMATCH[1]//, / }
			values=${values// or / }
		fi
		offered=$(sed -nE "s/^complete -c $name( -s [^ ])? -l ${O_LONG[i]} -x -a '([^'(][^']*)'.*/\2/p" "$COMP/$name.fish")
		is "$offered" "$values" "$name --${O_LONG[i]}: completions offer ${values:-no values} (what the parser accepts)"
	done
}

# --- per tool: one grammar for values and names -----------------------------------------------

# accepted TOOL ARGS...: the parser takes ARGS (the unknown option after them is what fails).
accepted() {
	local tool=$1 name=${1##*/}
	shift
	run "$tool" "$@" --zz-no-such-option
	is "$RC:$ERR" "2:$name: unknown option --zz-no-such-option; see '$name --help'" "$name $* is accepted"
}

check_grammar() {
	local tool=$1 name=${1##*/} d
	# Every --timeout is a duration, seconds accepted (gitops-diff --timeout 5m was refused once).
	if [[ " ${O_LONG[*]} " == *" timeout "* ]]; then
		for d in 5m 300 90s 1h30m 2.5; do accepted "$tool" --timeout "$d"; done
		run "$tool" --timeout 5x
		is "$RC:$ERR" "2:$name: --timeout 5x: not a duration (e.g. 30s, 5m, 1h30m, 300ms; a bare number is seconds)" \
			"$name --timeout 5x: the one duration message"
		run "$tool" --timeout 25h
		like "$ERR" "^$name: --timeout 25h: not a duration between [0-9]+s and 24h0m0s\$" "$name --timeout 25h: beyond a day"
	fi
	# A unique prefix of a long option is that option; a prefix of two names is refused, naming both.
	run "$tool" --ver
	like "$RC:$ERR" "^2:$name: option --ver is ambiguous: it could be (--verify, )?--verbose or --version\$" \
		"$name --ver: ambiguous, the candidates named"
	run "$tool" --vers
	is "$RC:$(sed -n 1p <<<"$OUT")" "0:$name (gitops-tools) $(cat "$TOP/VERSION")" "$name --vers is --version"
	run "$tool" --verbos --zz-no-such-option
	like "$ERR" "unknown option --zz-no-such-option" "$name --verbos is --verbose"
	run "$tool" --verbosee
	is "$RC:$ERR" "2:$name: unknown option --verbosee; did you mean --verbose?" "$name --verbosee: did you mean --verbose?"
}

check_grammar_examples() {
	run "$BIN/gitops-render" --ap x
	is "$RC:$ERR" "2:gitops-render: option --ap is ambiguous: it could be --api-resources, --app or --api-versions" \
		"gitops-render --ap: ambiguous, both named (GNU getopt_long)"
	accepted "$BIN/gitops-render" --app x --api-v x --tr label
	run "$BIN/gitops-apply" --max-prune abc
	is "$ERR" "gitops-apply: --max-prune abc: not a whole number between 0 and 1000000" \
		"gitops-apply --max-prune abc: the option named once (was ----max-prune)"
	run "$BIN/gitops-diff" -U x
	is "$ERR" "gitops-diff: -U x: not a whole number between 0 and 1000000" "gitops-diff -U x: as given (was ---U)"
	run "$BIN/gitops-diff" --unif=x
	is "$ERR" "gitops-diff: --unified x: not a whole number between 0 and 1000000" "gitops-diff --unif=x: the full name"
	run "$BIN/gitops-diff" --tracing label
	is "$ERR" "gitops-diff: unknown option --tracing; did you mean --tracking?" "gitops-diff --tracing: did you mean"
	run "$BIN/gitops-diff" --tracking labels
	is "$ERR" "gitops-diff: --tracking labels: use annotation, label or annotation+label" "a choice names its values"
	run "$BIN/gitops-repo-add" --passwrd=hunter2 https://example.invalid/r.git
	is "$RC" 2 "gitops-repo-add --passwrd=VALUE: unknown"
	unlike "$ERR" "hunter2" "the value of an unknown option is never echoed"
	run "$BIN/gitops-repo-add" --passw=hunter2 https://example.invalid/r.git
	like "$ERR" "ambiguous: it could be --password-stdin, --password-file or --password\$" "--passw: ambiguous"
	unlike "$ERR" "hunter2" "the value of an ambiguous option is never echoed"
}

# --- the completions in the real shells ------------------------------------------------------

. "$TOP/tests/complete.sh"

# lines WORD...: the words one a line, sorted, to compare with a completion's output.
lines() { printf '%s\n' "$@" | sort -u; }

# check_shell SHELL TOOL: every long option offered after "--" in that shell.
check_shell_options() {
	local sh=$1 tool=$2 name=${2##*/} got want
	want=$(lines "${O_LONG[@]/#/--}")
	case $sh in
	bash) got=$(bash_complete "$name" "$name" --) ;;
	fish) got=$(fish_complete "$name" "$name --") ;;
	zsh) got=$(zsh_complete "$name" "$name --") ;;
	esac
	is "$got" "$want" "$sh: '$name --<TAB>' offers every long option of --help"
}

check_render_bash() {
	is "$(bash_complete gitops-render gitops-render --tr)" "--tracking" "bash: 'gitops-render --tr<TAB>' gives --tracking"
	is "$(bash_complete gitops-render gitops-render -o '')" "$(lines json yaml)" "bash: 'gitops-render -o <TAB>' gives json yaml"
	is "$(bash_complete gitops-render gitops-render --output = '')" "$(lines json yaml)" \
		"bash: 'gitops-render --output=<TAB>' gives json yaml"
	is "$(bash_complete gitops-render gitops-render --tracking '')" "$(lines annotation label annotation+label)" \
		"bash: 'gitops-render --tracking <TAB>' gives annotation label annotation+label"
	is "$(bash_complete gitops-render gitops-render -n my-app '')" "$(lines manifests x.yaml)" \
		"bash: the FILE... | DIR operand completes files and directories"
	is "$(bash_complete gitops-render gitops-render --include '')" "" "bash: --include takes free text"
	is "$(bash_complete gitops-render gitops-render -- -)" "" "bash: no options after --"

	# Installed the way bash-completion finds it: by the command's name, loaded on first use.
	local bc=/usr/share/bash-completion/bash_completion got
	mkdir -p "$TMP/share/bash-completion/completions"
	cp "$COMP/gitops-render.bash" "$TMP/share/bash-completion/completions/gitops-render"
	got=$(cd "$WORK" && env -u BASH_COMPLETION_USER_DIR XDG_DATA_HOME="$TMP/share" bash --norc --noprofile -c '
		. "$1" || exit 3
		__load_completion gitops-render || exit 4
		complete -p gitops-render
		COMP_WORDS=(gitops-render --tr) COMP_CWORD=1 COMPREPLY=()
		_gitops_render gitops-render --tr gitops-render
		echo "${COMPREPLY[*]}"' bash "$bc" 2>&1)
	is "$got" "complete -F _gitops_render gitops-render
--tracking" "bash-completion loads completions/gitops-render.bash installed as gitops-render"
}

check_render_fish() {
	is "$(fish_complete gitops-render 'gitops-render --tr')" "--tracking" "fish: 'gitops-render --tr<TAB>' gives --tracking"
	is "$(fish_complete gitops-render 'gitops-render -o ')" "$(lines json yaml)" "fish: 'gitops-render -o <TAB>' gives json yaml"
	is "$(fish_complete gitops-render 'gitops-render --tracking ')" "$(lines annotation label annotation+label)" \
		"fish: 'gitops-render --tracking <TAB>' gives annotation label annotation+label"
	is "$(fish_complete gitops-render 'gitops-render -n my-app ')" "$(lines manifests/ x.yaml)" \
		"fish: the FILE... | DIR operand completes files and directories"
	is "$(fish_complete gitops-render 'gitops-render --include ')" "" "fish: --include takes free text"
}

check_render_zsh() {
	is "$(zsh_complete gitops-render 'gitops-render --tr')" "--tracking" "zsh: 'gitops-render --tr<TAB>' gives --tracking"
	is "$(zsh_complete gitops-render 'gitops-render -o ')" "$(lines json yaml)" "zsh: 'gitops-render -o <TAB>' gives json yaml"
	is "$(zsh_complete gitops-render 'gitops-render --output=')" "$(lines json yaml)" \
		"zsh: 'gitops-render --output=<TAB>' gives json yaml"
	is "$(zsh_complete gitops-render 'gitops-render --tracking ')" "$(lines annotation label annotation+label)" \
		"zsh: 'gitops-render --tracking <TAB>' gives annotation label annotation+label"
	is "$(zsh_complete gitops-render 'gitops-render -n my-app ')" "$(lines manifests x.yaml)" \
		"zsh: the FILE... | DIR operand completes files and directories"
	is "$(zsh_complete gitops-render 'gitops-render --include ')" "" "zsh: --include takes free text"
}

# --- run ------------------------------------------------------------------------------------

# The shells to try the completions in: bash is running this; fish and zsh (make check installs them).
SHELLS=(bash fish zsh)
zsh -fc 'zmodload zsh/zpty' 2>/dev/null
ok $? "zsh has zsh/zpty (the zsh completion driver types into a pty)"

for tool in "${TOOLS[@]}"; do
	parse_help "$tool"
	ok $((${#O_LONG[@]} > 0 ? 0 : 1)) "${tool##*/} --help lists options"
	check_behaviour "$tool"
	check_man "$tool"
	check_completion_files "$tool"
	[ -f "$COMP/${tool##*/}.fish" ] && check_choices "$tool"
	check_grammar "$tool"
	for sh in "${SHELLS[@]}"; do
		[ -f "$COMP/${tool##*/}.bash" ] && check_shell_options "$sh" "$tool"
	done
done

check_grammar_examples

run "$TOP/tests/tools/gen-completions" --check
is "$RC:$ERR" "0:" "completions/ is what tests/tools/gen-completions makes of every --help"

if [ -x "$BIN/gitops-render" ] && [ -f "$COMP/gitops-render.bash" ]; then
	check_render_bash
	for sh in "${SHELLS[@]}"; do
		case $sh in
		fish) check_render_fish ;;
		zsh) check_render_zsh ;;
		esac
	done
fi

page=$MAN/gitops-tools.7
if [ -f "$page" ]; then
	ok 0 "docs/man/gitops-tools.7 exists"
	run groff -man -Tutf8 -ww -z "$page"
	is "$ERR" "" "docs/man/gitops-tools.7 formats without groff warnings"
	for tool in "${TOOLS[@]}"; do
		grep -qF -- "${tool##*/}" <(sed 's/\\-/-/g' "$page")
		ok $? "docs/man/gitops-tools.7 lists ${tool##*/}"
	done
else
	ok 1 "docs/man/gitops-tools.7 exists"
fi

done_testing
