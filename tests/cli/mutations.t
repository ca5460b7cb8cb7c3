#!/usr/bin/env bash
# mutations.t: the deliberate bugs of tests/mutations/ still apply to today's code (an entry whose
# text is gone is STALE: whoever changed that code updates the entry), and tests/tools/mutate
# itself tells caught from missed, stale, ambiguous, unbuildable and unsound, on a small tree of
# its own (`make mutate` runs the real thing: see README, Tests).
. "$(dirname "$0")/../lib.sh"

run "$TOP/tests/tools/mutate" --check
is "$RC" 0 "every mutation of tests/mutations/ applies exactly once"
[ "$RC" -eq 0 ] || grep -v '^applies' <<<"$OUT" | sed 's/^/# /'
like "$(tail -n 1 <<<"$OUT")" '^([0-9]+)/\1 mutations apply$' "the last line counts them"
n=$(ls "$TOP"/tests/mutations/*.diff | wc -l)
ok "$([ "$n" -ge 30 ]; echo $?)" "there are mutations for the safety features ($n)"

# ---- the tool on a tree of its own: a "program" in sh, a Makefile, a tests/run ----
F=$TMP/tree
mkdir -p "$F/src" "$F/tests/tools" "$F/tests/t" "$F/tests/mutations"
cp "$TOP/tests/tools/mutate" "$F/tests/tools/mutate"
cat >"$F/src/calc.sh" <<'EOF'
# calc: the sum of two numbers
add() { echo $(($1 + $2)); }
# the end
# the end
EOF
printf 'tests: bin/calc\nbin/calc: src/calc.sh\n\tsh -n src/calc.sh && mkdir -p bin && cp src/calc.sh bin/calc\n' >"$F/Makefile"
cat >"$F/tests/run" <<'EOF'
#!/bin/sh
# TAP, one line per file; options (-v) are prove's
n=0
for t in "$@"; do
	case $t in -*) continue ;; esac
	n=$((n + 1))
	if sh "$t"; then echo "ok $n - $t"; else echo "not ok $n - $t"; sleep 60; exit 1; fi
done
EOF
printf '. ./bin/calc; [ "$(add 2 2)" = 4 ]\n' >"$F/tests/t/add.t"
printf 'exit 1\n' >"$F/tests/t/fails.t"
chmod +x "$F/tests/run"
# mut NAME TEST OLD NEW: a mutation file replacing line OLD with NEW in src/calc.sh
mut() {
	{
		echo "# $1"
		[ -n "$2" ] && echo "Test: $2"
		printf -- '--- a/src/calc.sh\n+++ b/src/calc.sh\n@@ -1,1 +1,1 @@\n-%s\n+%s\n' "$3" "$4"
	} >"$F/tests/mutations/$1.diff"
}
mut caught tests/t/add.t 'add() { echo $(($1 + $2)); }' 'add() { echo $(($1 - $2)); }'
mut missed tests/t/add.t '# calc: the sum of two numbers' '# calc: the difference'
mut stale tests/t/add.t 'mul() { echo $(($1 * $2)); }' 'mul() { echo 0; }'
mut ambiguous tests/t/add.t '# the end' '# the start'
mut broken tests/t/add.t 'add() { echo $(($1 + $2)); }' 'add() { echo $(($1 + $2)); '
mut invalid '' '# the end' '# x'
mut unsound tests/t/fails.t 'add() { echo $(($1 + $2)); }' 'add() { echo 0; }'
(cd "$F" && make -s tests)

run "$F/tests/tools/mutate" --check
is "$RC" 1 "--check: exit 1 when an entry does not apply"
is "$(grep -c '^applies' <<<"$OUT")" 4 "--check: four entries apply"
like "$OUT" 'STALE +stale +src/calc.sh: hunk 1: the text to replace is not there' "--check: stale named"
like "$OUT" 'STALE +ambiguous +src/calc.sh: hunk 1: the text to replace is there 2 times \(add context lines\)' \
	"--check: ambiguous named"
like "$OUT" "INVALID +invalid +no 'Test: FILE' line" "--check: an entry without a test is invalid"
is "$(tail -n 1 <<<"$OUT")" "4/7 mutations apply" "--check: the count"

run env MUTATE_JOBS=2 "$F/tests/tools/mutate"
is "$RC" 1 "a run with misses: exit 1"
like "$OUT" $'\ncaught +caught +tests/t/add.t: not ok 1 - tests/t/add.t, [0-9]+s\n' \
	"caught: the test failed on the mutated tree, its first failed check named (the run stopped there)"
like "$OUT" $'\nMISSED +missed +tests/t/add.t passed: build/mutate/missed.log' "missed: the test passed, the log kept"
like "$OUT" $'\nNOT BUILT +broken +the mutated tree does not build' "a mutation that does not build is not counted as caught"
like "$OUT" $'baseline: tests/t/fails.t fails without any mutation' "the baseline run names a test that fails unmutated"
like "$OUT" $'\nUNSOUND +unsound +tests/t/fails.t fails without the mutation' "and its mutation proves nothing"
is "$(tail -n 1 <<<"$OUT")" "1/7 mutations caught" "the last line: caught of all"
is "$(cat "$F/src/calc.sh" | md5sum)" "$(printf '# calc: the sum of two numbers\nadd() { echo $(($1 + $2)); }\n# the end\n# the end\n' | md5sum)" \
	"the tree itself is left as it was"
rm -f "$F/tests/mutations/"{missed,stale,ambiguous,broken,invalid,unsound}.diff
run "$F/tests/tools/mutate" caught
is "$RC:$(tail -n 1 <<<"$OUT")" "0:1/1 mutations caught" "all caught: exit 0"
run "$F/tests/tools/mutate" nope
is "$RC" 1 "an unknown mutation name is an error"
like "$ERR" 'no such mutation: nope' "  named"

done_testing
