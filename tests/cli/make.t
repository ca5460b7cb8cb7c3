#!/usr/bin/env bash
# make.t: the build rebuilds what a header change touches, and only that. Headers are found by
# the compiler (-MMD -MP), so a tool's own header (cmd/gitops-apply/apply.h) counts as much as
# common/'s; a header deleted from the tree does not stop the next build. Runs in a copy of the
# sources with two objects, so the real build/ is never touched.
. "$(dirname "$0")/../lib.sh"

command -v make >/dev/null || { echo "1..0 # skip no make"; exit 0; }
SRC=$TMP/src
mkdir -p "$SRC/cmd"
cp -r "$TOP/Makefile" "$TOP/VERSION" "$TOP/common" "$SRC/"
cp -r "$TOP/cmd/gitops-apply" "$TOP/cmd/gitops-diff" "$SRC/cmd/"
OBJS=(build/cmd/gitops-apply/plan.o build/cmd/gitops-diff/text.o)

# compiled: the .c files the last make compiled, one a line.
compiled() { grep -oE ' -c -o [^ ]+ [^ ]+\.c' <<<"$OUT" | awk '{print $4}' | sort; }

# edit FILE...: the files change after everything built so far. Times are set, not raced: every
# source two hours old, every build output one hour old, the edited files now; an edit in the
# same clock tick as the last compile (coarse file times, a loaded CI machine) still reads newer.
edit() {
	find "$SRC" -path "$SRC/build" -prune -o -type f -exec touch -d '2 hours ago' {} +
	find "$SRC/build" -type f -exec touch -d '1 hour ago' {} +
	touch "$@"
}

run make -C "$SRC" "${OBJS[@]}"
is "$RC" 0 "a first build of two objects" || echo "# $ERR"
is "$(compiled)" "cmd/gitops-apply/plan.c
cmd/gitops-diff/text.c" "  compiles both"
ok "$([ -s "$SRC/build/cmd/gitops-apply/plan.d" ]; echo $?)" "  and writes plan.d, the headers plan.o was built from"

run make -C "$SRC" "${OBJS[@]}"
is "$(compiled)" "" "nothing changed: nothing compiled"

edit "$SRC/cmd/gitops-apply/apply.h"
run make -C "$SRC" "${OBJS[@]}"
is "$(compiled)" "cmd/gitops-apply/plan.c" "editing the tool's own header apply.h rebuilds plan.o, not diff's text.o"

edit "$SRC/common/obj.h"
run make -C "$SRC" "${OBJS[@]}"
is "$(compiled)" "cmd/gitops-apply/plan.c
cmd/gitops-diff/text.c" "editing common/obj.h rebuilds both (each includes it)"

edit "$SRC/common/redact.h"
run make -C "$SRC" "${OBJS[@]}"
is "$(compiled)" "" "editing a header neither includes rebuilds nothing"

# A header that is gone (moved, merged into another) must not break the next build: the
# object still names it in its .d, and -MP's empty rule lets make go on and recompile.
printf '#include "gone.h"\n' >"$SRC/cmd/gitops-apply/extra.c"
printf '/* soon gone */\n' >"$SRC/cmd/gitops-apply/gone.h"
run make -C "$SRC" build/cmd/gitops-apply/extra.o
is "$RC" 0 "an object that includes gone.h" || echo "# $ERR"
rm "$SRC/cmd/gitops-apply/gone.h"
printf '/* no longer needs it */\n' >"$SRC/cmd/gitops-apply/extra.c"
edit "$SRC/cmd/gitops-apply/extra.c"
run make -C "$SRC" build/cmd/gitops-apply/extra.o
is "$RC:$(compiled)" "0:cmd/gitops-apply/extra.c" "gone.h deleted: the next build recompiles, no 'No rule to make target'"

done_testing
