#!/usr/bin/env bash
# man.t: `make install` installs a man page for every tool and gitops-tools(7), and man(1) finds
# and renders each installed page by name without a groff warning; whatis parses every NAME line,
# and every page refers to gitops-tools(7), which lists every tool.
. "$(dirname "$0")/../lib.sh"

shopt -s nullglob
TOOLS=("$BIN"/gitops-*)
shopt -u nullglob
[ "${#TOOLS[@]}" -gt 0 ] || { echo "Bail out! no bin/gitops-* (run make first)"; exit 1; }
for c in man groff; do
	command -v "$c" >/dev/null || { echo "1..0 # skip $c not installed (Debian: man-db, groff-base)"; exit 0; }
done

ROOT=$TMP/root
run make -s -C "$TOP" -o all install DESTDIR="$ROOT" PREFIX=/usr/local
is "$RC" 0 "make install DESTDIR=… PREFIX=/usr/local succeeds" || echo "# $ERR"
MANDIR=$ROOT/usr/local/share/man

# render PAGE...: man's own rendering (man -l for a file, else by name in MANDIR), warnings on.
# man-db passes --warnings=w to groff as -ww (every warning; "all" would turn them all off).
render() {
	LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings=w "$@"
}

# The check can fail: a page with an undefined macro warns.
printf '.TH BAD 1\n.SH NAME\nbad \\- a page with a typo\n.SH DESCRIPTION\n.PPP\ntext\n' >"$TMP/bad.1"
run render -l "$TMP/bad.1"
like "$ERR" "warning: macro 'PPP' not defined" "man -l with warnings reports a page's undefined macro"

pages=()
for tool in "${TOOLS[@]}"; do pages+=("man1/${tool##*/}.1"); done
pages+=(man1/argocd-gitops.1 man7/gitops-tools.7)

for page in "${pages[@]}"; do
	file=$MANDIR/$page
	name=${page#man?/}
	name=${name%.?}
	section=${page##*.}
	[ -f "$file" ] && cmp -s "$file" "$TOP/docs/man/${page#man?/}"
	ok $? "make install put docs/man/${page#man?/} at \$MANDIR/$page" || continue

	run render -l "$file"
	is "$RC:$ERR" "0:" "man -l $page renders without warnings"
	like "$OUT" "NAME" "man -l $page has a NAME section"
	run groff -man -Tutf8 -ww -z "$file"
	is "$RC:$ERR" "0:" "groff -man -ww -z $page: no warnings"

	run render -M "$MANDIR" "$section" "$name"
	is "$RC:$ERR" "0:" "man -M \$MANDIR $section $name finds the installed page"
	like "$OUT" "^${name^^}\($section\)" "man $section $name shows $name($section)"

	run lexgrog "$file"
	like "$RC:$OUT" "^0:.*: \"$name - " "whatis parses the NAME line of $page ($name - …)"

	if [ "$name" != gitops-tools ]; then
		grep -q 'gitops\\-tools (7)' "$file"
		ok $? "$page refers to gitops-tools(7) in SEE ALSO"
	fi
done

for tool in "${TOOLS[@]}"; do
	grep -qF -- "${tool##*/}" <(sed 's/\\-/-/g' "$MANDIR/man7/gitops-tools.7")
	ok $? "gitops-tools(7) lists ${tool##*/}"
done

run make -s -C "$TOP" -o all uninstall DESTDIR="$ROOT" PREFIX=/usr/local
is "$(cd "$ROOT" && find . ! -type d | sort)" "" "make uninstall removes the man pages too"

done_testing
