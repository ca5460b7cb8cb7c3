#!/usr/bin/env bash
# harness.t: the harness (tests/run, tests/lib.sh) lets no failure pass as a success.
#   - A sanitizer finding turns the suite red, however the tool was run and whatever exit status
#     the test accepted. A scratch tool is built with ASan+UBSan (as make SANITIZE=1 builds the
#     real ones) with a deliberate use-after-free behind a flag, and run by scratch test files
#     through the real tests/run and tests/lib.sh the way the suite runs tools: through `run` in a
#     test that accepts any failure, in a pipe with stderr thrown away, in the background, with
#     the sanitizer options cleared, after the last check, from a test that does not use lib.sh,
#     from a unit test; and, as the control, the same without the bug.
#   - No silent skips: a prerequisite make check installs is a failure with the install command
#     when missing; a .t file that is not executable is an error, not a test left out.
#   - A multi-line mismatch is shown as diff -u, every line a TAP comment.
. "$(dirname "$0")/../lib.sh"

CC=${CC:-cc}
S=$TMP/tree
mkdir -p "$S/tests/tools" "$S/tests/cli" "$S/bin"
cp "$TOP/tests/run" "$TOP/tests/lib.sh" "$TOP/tests/lsan.supp" "$S/tests/"
cp "$TOP/tests/tools/helm" "$S/tests/tools/"
# tests/run wants the reference helm: any executable file stands in (these tests never run it).
printf '#!/bin/sh\nexit 0\n' >"$S/bin/helm" && chmod +x "$S/bin/helm"

# The tool: exits 1 (the "differs" every diff test accepts), after a use-after-free with --uaf.
cat >"$S/tool.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(16);
	strcpy(p, "differs");
	if (argc > 1 && !strcmp(argv[1], "--uaf"))
		free(p);
	printf("%s\n", p); /* freed above with --uaf */
	if (!(argc > 1 && !strcmp(argv[1], "--uaf")))
		free(p);
	return 1;
}
EOF
"$CC" -g -O0 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-o "$S/bin/gitops-uaf" "$S/tool.c" 2>"$TMP/cc.err"
is "$?" 0 "a scratch tool builds with -fsanitize=address,undefined (as make SANITIZE=1)" ||
	{ sed 's/^/# /' "$TMP/cc.err"; done_testing; }
# A unit test in C: TAP on stdout, the use-after-free after its last line.
cat >"$S/unit.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	char *p = malloc(4);
	free(p);
	printf("ok 1 - fine\n1..1\n");
	fflush(stdout);
	return p[0] == 'x';
}
EOF
"$CC" -g -O0 -fsanitize=address,undefined -o "$S/bin/test_unit" "$S/unit.c" 2>>"$TMP/cc.err"

# t NAME BODY: a scratch test file using the real lib.sh, the scratch tool first on PATH.
t() {
	{
		echo '#!/usr/bin/env bash'
		echo '. "$(dirname "$0")/../lib.sh"'
		echo "export PATH=$S/bin:\$PATH"
		printf '%s\n' "$2"
		echo 'done_testing'
	} >"$S/tests/cli/$1.t"
	chmod +x "$S/tests/cli/$1.t"
}
t clean 'run gitops-uaf; ok $((RC == 0)) "the tool says it differs (exit $RC)"
gitops-uaf 2>/dev/null | cat >/dev/null; ok 0 "a pipe"'
t via-run 'run gitops-uaf --uaf; ok $((RC == 0)) "the tool failed (exit $RC): accepted, as a test of exit 1 would"'
t in-pipe 'gitops-uaf --uaf 2>/dev/null | cat >/dev/null; ok 0 "a pipe whose status nobody checks"'
t background 'gitops-uaf --uaf >/dev/null 2>&1 & wait $!; ok 0 "a background run whose status nobody checks"'
t cleared-env 'run env -u ASAN_OPTIONS -u UBSAN_OPTIONS gitops-uaf --uaf; ok 0 "the sanitizer options cleared: the report is on stderr"'
t after-plan 'ok 0 "a check"
trap "gitops-uaf --uaf 2>/dev/null; _at_exit_run" EXIT'
# Not lib.sh: a plain TAP script that hides the tool's stderr and status.
printf '#!/bin/sh\n%s/bin/gitops-uaf --uaf >/dev/null 2>&1\necho "ok 1 - nothing checked"\necho "1..1"\n' "$S" \
	>"$S/tests/cli/plain.t"
chmod +x "$S/tests/cli/plain.t"

# srun FILE...: the scratch tree's tests/run on FILE... (relative to it), with the stand-in helm;
# sets OUT, ERR, RC. Not through `run`: the reports in its output are the point, not a finding here.
srun() {
	local f a=()
	for f; do a+=("$S/$f"); done
	GITOPS_HELM="$S/bin/helm" "$S/tests/run" -v "${a[@]}" >"$TMP/s.out" 2>"$TMP/s.err" </dev/null
	RC=$?
	OUT=$(cat "$TMP/s.out")
	ERR=$(cat "$TMP/s.err")
}

srun tests/cli/clean.t
is "$RC" 0 "control: without the bug, the same runs pass"
unlike "$OUT$ERR" 'Sanitizer' "control: no report"

for name in via-run in-pipe background cleared-env; do
	srun "tests/cli/$name.t"
	isnt_zero=$((RC != 0))
	ok $((!isnt_zero)) "$name: the use-after-free fails the run (tests/run exit $RC)"
	like "$OUT" "not ok [0-9]+ - no sanitizer report \\(ASan, UBSan, LSan\\) from any tool this test ran" \
		"$name: as a failed check of its own"
	like "$OUT" "ERROR: AddressSanitizer: heap-use-after-free" "$name: with the report in the TAP output"
done
srun tests/cli/via-run.t
like "$OUT" 'ok 1 - the tool failed \(exit 134\)' "the tool aborted (134): never an exit status a test expects"
srun tests/cli/after-plan.t
ok $((RC == 0)) "a report after done_testing still fails the test (tests/run exit $RC)"
like "$OUT$ERR" "sanitizer report\\(s\\) after the test's last check" "  saying so"
srun tests/cli/plain.t
ok $((RC == 0)) "a test without lib.sh that hides everything: tests/run fails the run (exit $RC)"
like "$ERR" "tests/run: 1 sanitizer report\\(s\\) from tools outside the CLI tests' own checks" "  and says why"
like "$ERR" "heap-use-after-free" "  with the report"
srun bin/test_unit
ok $((RC == 0)) "a unit test with a use-after-free after its last ok: fails (exit $RC)"

# The whole suite: one bad test among good ones is a red run.
srun
ok $((RC == 0)) "tests/run over the scratch suite: red (exit $RC)"
summary=$(sed -n '/^Test Summary Report/,$p' <<<"$OUT")
is "$(grep -o '^tests/cli/[a-z-]*\.t\|^bin/test_unit' <<<"$summary" | sort | tr '\n' ' ')" \
	"tests/cli/after-plan.t tests/cli/background.t tests/cli/cleared-env.t tests/cli/in-pipe.t tests/cli/via-run.t " \
	"  prove's summary names every test with a report, and only those"
like "$OUT" $'\nResult: FAIL$' "  Result: FAIL"

# No silent skips: a test file that is not executable is an error, not left out.
chmod -x "$S/tests/cli/clean.t"
srun
is "$RC" 2 "a .t file that is not executable: tests/run refuses to run"
like "$ERR" 'tests/cli/clean.t is not executable \(chmod \+x tests/cli/clean.t\)' "  naming it"
rm "$S"/tests/cli/*.t
# A prerequisite missing: a failed test that says how to install it (jq: a package of tests/tools/deps).
mkdir -p "$S/tests/tools" && cp "$TOP/tests/tools/deps" "$S/tests/tools/"
t needs 'require jq gitops-uaf no-such-command-xyz'
PATH=/usr/bin:/bin srun tests/cli/needs.t
ok $((RC == 0)) "a missing prerequisite fails the test (exit $RC), it is not skipped"
like "$OUT" 'not ok 1 - jq gitops-uaf no-such-command-xyz on PATH: missing no-such-command-xyz \(make check installs them' \
	"  naming what is missing (jq and the tool are there)"
t needs 'require no-jq-here'
sed -i 's/^\t"jq jq"$/\t"no-jq-here jq"/' "$S/tests/tools/deps"
srun tests/cli/needs.t
like "$OUT" 'missing jq .*sudo apt-get install -y jq\)' "  with the package tests/tools/deps installs it from"
unlike "$OUT" '# skip' "  and no skip"

# A mismatch of several lines: diff -u, every line a comment (no line of the value can pass for a test).
t multiline 'is "$(printf "a\nok 9 - sneaky\nc")" "$(printf "a\nb\nc")" "three lines"'
srun tests/cli/multiline.t
like "$OUT" $'\n# -b\n# \\+ok 9 - sneaky\n' "is(): a multi-line mismatch is diff -u, commented"
unlike "$OUT" $'\nok 9 - sneaky' "  the value's lines do not reach the TAP stream raw"

done_testing
