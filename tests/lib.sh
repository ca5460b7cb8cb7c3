# tests/lib.sh: TAP helpers for the black-box CLI tests (bash). Source it first.
# Each test file: . "$(dirname "$0")/../lib.sh"; then ok/is/run...; done_testing at the end.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# GITOPS_TEST_BIN: run the tools from elsewhere, e.g. valgrind wrappers (tests/tools/valgrind).
BIN=${GITOPS_TEST_BIN:-$TOP/bin}
BUILD=$TOP/build
export PATH="$BIN:$PATH"
export NO_COLOR=1
# Under SANITIZE=1: known leaks in system libraries, not ours (see the file).
export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
unset FORCE_COLOR
# Who a rollback is by comes from the CI when git names nobody: a test run in CI must not see its own.
unset BUILD_REQUESTEDFOR BUILD_REQUESTEDFOREMAIL GITHUB_ACTOR GITHUB_ACTOR_ID
T_N=0
T_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gitops-test.XXXXXX")
# Sanitizers (make check SANITIZE=1): a finding fails the test, whatever exit status the test
# expects of the tool. Reports go to files in $SAN_DIR (log_path: also those of tools in a pipe,
# in the background or with stderr thrown away); the tool stops at the first one and aborts (exit
# 134, never the 1 of "differs"); done_testing and the exit trap fail the test on any report.
# Set last, so that they win over inherited ASAN_OPTIONS and UBSAN_OPTIONS (tests/run's).
SAN_DIR=$TMP/sanitizer
mkdir -p "$SAN_DIR/seen"
_san_opts="halt_on_error=1:abort_on_error=1:exitcode=86:disable_coredump=1:log_path=$SAN_DIR/report"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$_san_opts"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:$_san_opts"
unset _san_opts
# A report in stderr (a tool run with the sanitizer options cleared): what the reports start with.
SAN_RE='ERROR: (Address|Leak|Thread|Memory)Sanitizer|SUMMARY: UndefinedBehaviorSanitizer|[^ ]+:[0-9]+:[0-9]+: runtime error: '
# at_exit CMD...: run CMD (one string, eval'd) when the test exits, also when it fails; the
# latest registered runs first, and $TMP is removed after all of them (servers stop before it).
AT_EXIT=()
at_exit() { AT_EXIT+=("$*"); }
_at_exit_run() {
	local i st=$?
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${AT_EXIT[i]}" || true; done
	# Reports that came after done_testing (or a test that ended without it) fail the test too.
	if _san_reports_new; then
		echo "# sanitizer report(s) after the test's last check:" >&2
		_san_reports_show >&2
		st=86
	fi
	rm -rf "$TMP"
	exit "$st"
}
trap _at_exit_run EXIT
# bash skips the EXIT trap on a fatal signal: turn INT/TERM/HUP into exits so servers stop.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A failed check, and its diagnostics, go to stderr too: prove shows a test's stderr without -v,
# so a failure in make check's or CI's log says what was got and expected, not only its number.
_not_ok() {
	echo "not ok $T_N - $*"
	echo "# not ok $T_N - $*" >&2
	T_FAILED=$((T_FAILED + 1))
}
ok() { # ok CONDITION-EXIT-STATUS NAME
	local st=$1; shift
	T_N=$((T_N + 1))
	if [ "$st" -eq 0 ]; then echo "ok $T_N - $*"; else _not_ok "$@"; fi
	return "$st"
}
# Diagnostics are TAP comments, every line of them: a value of several lines must not pass for
# test lines. A multi-line mismatch is shown as `diff -u` (expected, got), a long one cut at 80 lines.
_diag() {
	local d
	d=$(sed 's/^/# /' | head -n 80)
	printf '%s\n' "$d"
	printf '%s\n' "$d" >&2
}
is() { # is GOT WANT NAME
	local got=$1 want=$2; shift 2
	T_N=$((T_N + 1))
	if [ "$got" == "$want" ]; then echo "ok $T_N - $*"; return 0; fi
	_not_ok "$@"
	if [[ $got == *$'\n'* || $want == *$'\n'* ]]; then
		diff -u --label expected --label got <(printf '%s\n' "$want") <(printf '%s\n' "$got") | _diag
	else
		{ echo "     got: '$got'"; echo "expected: '$want'"; } | _diag
	fi
	return 1
}
# is_file GOT-FILE WANT-FILE NAME: the files are equal byte for byte; else their diff -u.
is_file() {
	local got=$1 want=$2; shift 2
	T_N=$((T_N + 1))
	if cmp -s "$got" "$want"; then echo "ok $T_N - $*"; return 0; fi
	_not_ok "$@"
	diff -u --label "$want" --label "$got" "$want" "$got" | _diag
	return 1
}
like() { # like GOT REGEX NAME
	local got=$1 re=$2; shift 2
	T_N=$((T_N + 1))
	if [[ "$got" =~ $re ]]; then echo "ok $T_N - $*"; return 0; fi
	_not_ok "$@"
	{ echo "     got: '$got'"; echo "expected to match: '$re'"; } | _diag
	return 1
}
unlike() { # unlike GOT REGEX NAME
	local got=$1 re=$2; shift 2
	T_N=$((T_N + 1))
	if ! [[ "$got" =~ $re ]]; then echo "ok $T_N - $*"; return 0; fi
	_not_ok "$@"
	echo "     got: '$got' (must not match '$re')" | _diag
	return 1
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # skip $*"; }

# run CMD...: runs with stdin from /dev/null unless redirected; sets OUT, ERR, RC.
run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	RC=$?
	OUT=$(cat "$TMP/.out")
	ERR=$(cat "$TMP/.err")
	if grep -Eq "$SAN_RE" "$TMP/.err"; then
		cp "$TMP/.err" "$SAN_DIR/stderr-of-run.$T_N.$RANDOM"
	fi
}

# _san_reports_new: true when there are sanitizer reports not shown yet; _san_reports_show prints
# them (as TAP comments) and moves them to $SAN_DIR/seen.
_san_reports_new() {
	local f found=1
	for f in "$SAN_DIR"/*; do
		[ -f "$f" ] || continue
		found=0
	done
	return $found
}
_san_reports_show() {
	local f
	for f in "$SAN_DIR"/*; do
		[ -f "$f" ] || continue
		echo "# ---- ${f##*/} ----"
		head -n 60 "$f" | sed 's/^/# /'
		mv "$f" "$SAN_DIR/seen/"
	done
}
done_testing() {
	if _san_reports_new; then
		T_N=$((T_N + 1))
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_N - no sanitizer report (ASan, UBSan, LSan) from any tool this test ran"
		_san_reports_show
	fi
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# wait_for SECONDS CMD...: until CMD succeeds (checked every 50 ms), at most SECONDS; its status.
# Tests wait for the event they need, never a fixed time: the bound is only for when it never comes.
wait_for() {
	local limit=$1 end
	shift
	end=$((SECONDS + limit))
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# require CMD...: commands (or /absolute/files) this test needs that `make check` installs
# (tests/tools/deps). One missing is a failed test with the command that installs it, never a
# skip: a skip reads as a pass.
# Call it before the first check (it prints a whole TAP plan).
require() {
	local c pkg missing=()
	for c; do
		if [[ $c == /* ]]; then [ -e "$c" ] && continue; else command -v "$c" >/dev/null 2>&1 && continue; fi
		pkg=$(sed -n "s|^[[:space:]]*\"$c \([^\"]*\)\"\$|\1|p" "$TOP/tests/tools/deps" | head -n 1)
		missing+=("${pkg:-$c}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "not ok 1 - $* on PATH: missing ${missing[*]} (make check installs them: tests/tools/deps; or sudo apt-get install -y ${missing[*]})"
	echo "1..1"
	exit 1
}

# kubectl_offline: kubectl (and the gcloud dispatcher in front of it) in the test's own HOME,
# config and cache, with a kubeconfig whose cluster nobody listens on: for local-only uses
# (kubectl kustomize, --local, decoding) that must never reach a real cluster.
kubectl_offline() {
	export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig
	unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
	mkdir -p "$HOME"
	cat >"$KUBECONFIG" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster:
      server: https://127.0.0.1:1
users:
  - name: nobody
    user: {}
contexts:
  - name: offline
    context: {cluster: nowhere, user: nobody, namespace: default}
current-context: offline
KUBECONFIG
}
