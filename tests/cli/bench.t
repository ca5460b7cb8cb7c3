#!/usr/bin/env bash
# bench.t: tests/bench/run stays one coherent harness when sections are merged into it. Static
# checks only (a quick pass of the bench takes 1-2 minutes, too long for make check): the script
# parses; its sections are numbered 1, 2, 3... in order; each section N has a bench_NAME function
# and a NAME_rows function, and both are called exactly once, in section order (so the table
# shows the sections in the order they ran); bad settings are refused before any work; the
# repo generator's stream is one git fast-import accepts; and the preview section's app-of-apps
# repo (gen apps) previews as the section expects: 50 apps, 5 of them changed on pr.
. "$(dirname "$0")/../lib.sh"

RUN=$TOP/tests/bench/run

bash -n "$RUN" 2>"$TMP/syntax"
ok $? "tests/bench/run parses" || sed 's/^/# /' "$TMP/syntax"

# The section headers "# ---- N. what ---", their numbers in file order.
mapfile -t NUMS < <(sed -n 's/^# ---- \([0-9][0-9]*\)\. .*/\1/p' "$RUN")
want=$(seq -s ' ' 1 "${#NUMS[@]}")
is "${NUMS[*]}" "$want" "sections are numbered 1..N in order"
[ "${#NUMS[@]}" -ge 7 ]
ok $? "at least the 7 sections of issue 11 (${#NUMS[@]})"

# The bench_NAME functions in the order of their definitions, and the order of the calls at top
# level (a line that is just the name); the same for NAME_rows.
defs() { sed -n "s/^\\($1\\)() {.*/\\1/p" "$RUN"; }
calls() { grep -xE "$1" "$RUN"; }
BENCH_DEFS=$(defs 'bench_[a-z_]*')
BENCH_CALLS=$(calls 'bench_[a-z_]+')
ROWS_DEFS=$(defs '[a-z_]*_rows')
ROWS_CALLS=$(calls '[a-z_]+_rows')
is "$(grep -c . <<<"$BENCH_DEFS")" "${#NUMS[@]}" "one bench_NAME function per section"
is "$BENCH_CALLS" "$BENCH_DEFS" "each bench_NAME is called once, in section order"
is "$ROWS_CALLS" "$ROWS_DEFS" "each NAME_rows is called once, in section order"
is "$(sed 's/^bench_//' <<<"$BENCH_DEFS")" "$(sed 's/_rows$//' <<<"$ROWS_DEFS")" \
	"bench_NAME and NAME_rows pair up"

# Bad settings are usage errors, found before anything starts.
for bad in "BENCH_QUICK=yes" "BENCH_RUNS=0" "BENCH_RUNS=x"; do
	run env "$bad" "$RUN"
	is "$RC" 2 "$bad: exit 2"
	like "$ERR" "bench: BENCH_[A-Z]+ must be" "$bad: says which setting is wrong"
done

# gen repo: the stream sections 2 and 7 feed to git fast-import.
git init -q --bare "$TMP/r.git" &&
	"$TOP/tests/bench/gen" repo 5 12 | git --git-dir="$TMP/r.git" fast-import --quiet 2>"$TMP/fi.err"
ok $? "gen repo makes a stream git fast-import accepts" || sed 's/^/# /' "$TMP/fi.err"
is "$(git --git-dir="$TMP/r.git" rev-list --count main 2>&1)" 12 "gen repo 5 12: 12 commits"
is "$(git --git-dir="$TMP/r.git" ls-tree -r --name-only main 2>&1 | grep -c values.yaml)" 5 \
	"gen repo 5 12: 5 values files"

# gen apps: section 11's repo, two branches; the two renders and the diff the section times.
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
P=$TMP/pv
"$TOP/tests/bench/gen" apps "$P/base" 50 "$P/repo.git" && "$TOP/tests/bench/gen" apps "$P/head" 50 "$P/repo.git" head
ok $? "gen apps writes the base and the head trees"
git init -q --bare "$P/repo.git" && git init -q -b main "$P/w" && cp -r "$P/base/." "$P/w/" &&
	git -C "$P/w" add -A && git -C "$P/w" -c user.name=t -c user.email=t@example.com commit -qm base &&
	git -C "$P/w" checkout -q -b pr && cp -r "$P/head/." "$P/w/" && git -C "$P/w" add -A &&
	git -C "$P/w" -c user.name=t -c user.email=t@example.com commit -qm pr && git -C "$P/w" push -q "$P/repo.git" main pr
ok $? "the repo has main and pr"
is "$(git -C "$P/w" diff --name-only main pr | cut -d/ -f2 | sort -u | paste -sd' ')" "app03 app13 app23 app33 app43" \
	"pr changes every tenth app"
B=$P/base/apps
[ -f "$B/app00/config.yaml" ] && [ ! -f "$B/app00/kustomization.yaml" ] && [ -f "$B/app01/kustomization.yaml" ] &&
	[ -f "$B/app02/Chart.yaml" ]
ok $? "a directory, a Kustomize and a Helm app"
for rev in main pr; do
	gitops-render --helm "$HELM" --cache-dir "$P/cache" --repo "$P/repo.git" --revision "$rev" --applications argocd \
		-o json >"$P/$rev.json" 2>"$P/$rev.err"
	ok $? "gitops-render --applications at $rev" || sed 's/^/# /' "$P/$rev.err"
done
is "$(jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"] | split(":")[0]' "$P/pr.json" | sort -u | wc -l)" 50 \
	"every one of the 50 apps renders objects"
run gitops-diff -f "$P/pr.json" --against "$P/main.json" -o markdown
is "$RC" 1 "gitops-diff --against: differences (exit 1)"
like "$OUT" "^### gitops-diff: 5 of 50 apps change" "the markdown names 5 of 50 apps changed"

done_testing
