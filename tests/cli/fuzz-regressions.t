#!/usr/bin/env bash
# fuzz-regressions.t: every input a fuzz target once failed on (tests/fuzz/regressions/NAME/*)
# and its hand-written seeds (tests/fuzz/seeds/NAME/*) run through the target again, built
# without libFuzzer by `make tests` (build/fuzz-replay/NAME: the target plus tests/fuzz/replay.c,
# with the build's flags, so ASan and UBSan under SANITIZE=1). A target checks its own
# invariants and aborts on a broken one; here each input must end with exit 0.
. "$(dirname "$0")/../lib.sh"

shopt -s nullglob
targets=("$TOP"/tests/fuzz/fuzz_*.c)
ok $((${#targets[@]} == 0)) "there are fuzz targets (${#targets[@]})"
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	bin=$BUILD/fuzz-replay/$name
	if [ ! -x "$bin" ]; then
		ok 1 "$name: $bin is built (make tests)"
		continue
	fi
	inputs=("$TOP/tests/fuzz/regressions/$name"/* "$TOP/tests/fuzz/seeds/$name"/*)
	if [ ${#inputs[@]} -eq 0 ]; then
		skip "$name: no regression inputs or seeds yet"
		continue
	fi
	for f in "${inputs[@]}"; do
		timeout 120 "$bin" "$f" >/dev/null 2>"$TMP/err"
		st=$?
		rel=${f#"$TOP/tests/fuzz/"}
		is "$st" 0 "$name: $rel" || sed 's/^/# /' "$TMP/err" | head -n 20
	done
done
# A regression directory belongs to a target (a renamed target must take its inputs along).
for d in "$TOP"/tests/fuzz/regressions/*/ "$TOP"/tests/fuzz/seeds/*/; do
	name=$(basename "$d")
	[ -f "$TOP/tests/fuzz/$name.c" ]
	ok $? "${d#"$TOP/"} belongs to tests/fuzz/$name.c"
done

done_testing
