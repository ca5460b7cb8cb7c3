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
# at_exit CMD...: run CMD (one string, eval'd) when the test exits, also when it fails; the
# latest registered runs first, and $TMP is removed after all of them (servers stop before it).
AT_EXIT=()
at_exit() { AT_EXIT+=("$*"); }
_at_exit_run() {
	local i
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${AT_EXIT[i]}" || true; done
	rm -rf "$TMP"
}
trap _at_exit_run EXIT
# bash skips the EXIT trap on a fatal signal: turn INT/TERM/HUP into exits so servers stop.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ok() { # ok CONDITION-EXIT-STATUS NAME
	local st=$1; shift
	T_N=$((T_N + 1))
	if [ "$st" -eq 0 ]; then echo "ok $T_N - $*"; else echo "not ok $T_N - $*"; T_FAILED=$((T_FAILED + 1)); fi
	return "$st"
}
is() { # is GOT WANT NAME
	local got=$1 want=$2; shift 2
	T_N=$((T_N + 1))
	if [ "$got" == "$want" ]; then echo "ok $T_N - $*"; return 0; fi
	echo "not ok $T_N - $*"
	T_FAILED=$((T_FAILED + 1))
	{ echo "#      got: '$got'"; echo "# expected: '$want'"; } | head -n 40
	return 1
}
like() { # like GOT REGEX NAME
	local got=$1 re=$2; shift 2
	T_N=$((T_N + 1))
	if [[ "$got" =~ $re ]]; then echo "ok $T_N - $*"; return 0; fi
	echo "not ok $T_N - $*"
	T_FAILED=$((T_FAILED + 1))
	{ echo "#      got: '$got'"; echo "# expected to match: '$re'"; } | head -n 40
	return 1
}
unlike() { # unlike GOT REGEX NAME
	local got=$1 re=$2; shift 2
	T_N=$((T_N + 1))
	if ! [[ "$got" =~ $re ]]; then echo "ok $T_N - $*"; return 0; fi
	echo "not ok $T_N - $*"
	T_FAILED=$((T_FAILED + 1))
	echo "#      got: '$got' (must not match '$re')" | head -n 40
	return 1
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # skip $*"; }

# run CMD...: runs with stdin from /dev/null unless redirected; sets OUT, ERR, RC.
run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	RC=$?
	OUT=$(cat "$TMP/.out")
	ERR=$(cat "$TMP/.err")
}
done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
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
