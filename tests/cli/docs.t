#!/usr/bin/env bash
# docs.t: the project stands alone. No source, test or document points at a file outside the
# repository (the workspace's design notes were brought into docs/), and every docs/ page the
# sources name exists.
. "$(dirname "$0")/../lib.sh"

cd "$TOP" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t FILES < <(git ls-files | grep -vE '^(tests/fixtures|tests/fuzz/(seeds|regressions))/')
else
	mapfile -t FILES < <(find . -type f ! -path './build/*' ! -path './bin/*' ! -path './tests/fixtures/*' | sed 's|^\./||')
fi
ok "$((${#FILES[@]} > 50 ? 0 : 1))" "the files of the repository are listed (${#FILES[@]})"

outside=$(grep -nE '\.\./shared/(DESIGN|STYLE|reference)|DESIGN\.md|STYLE\.md|argocd\.md|git-test-server\.md|kubectl-and-api-standin\.md|rendering\.md|user-needs\.md' \
	"${FILES[@]}" 2>/dev/null | grep -v '^tests/cli/docs.t:')
is "$outside" "" "no file points at the workspace's notes outside the repository"

missing=
while IFS= read -r page; do
	[ -f "$page" ] || missing+="$page "
done < <(grep -ohE 'docs/[a-z0-9-]+\.md' "${FILES[@]}" 2>/dev/null | sort -u)
is "$missing" "" "every docs/*.md that a file names exists"

for page in design options argocd-formats libgit2 kubectl; do
	[ -s "docs/$page.md" ]
	ok $? "docs/$page.md is there"
done

done_testing
