# tests/servers/kube.sh: the Kubernetes API stand-in for a test (bash). Source after tests/lib.sh:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/servers/kube.sh"
#   kube_start                       # HTTPS + token; exports KUBECONFIG and KUBECACHEDIR
#   kubectl apply --server-side -f ...
#
# The stand-in is a test fixture, not an API server: see tests/servers/README.md.
#
#   kube_start [OPTIONS...]          start a stand-in (options go to kube-standin.py, e.g.
#                                    --ready-delay 0); stopped at exit (lib.sh at_exit)
#   kube_stop                        stop it now
#   kube_admin METHOD PATH [BODY]    call an admin endpoint (PATH starts with /_sim/); BODY is JSON,
#                                    @FILE or - (stdin). Prints the reply; fails on HTTP >= 400
#   kube_fault JSON                  add fault rule(s); prints the id(s)
#   kube_faults                      the rules with their matched/fired counters (JSON)
#   kube_faults_clear                remove every rule
#   kube_seed FILE|- [QUERY]         store objects as given (upsert); QUERY e.g. manager=kubectl-edit
#   kube_state [QUERY]               every object, as a JSON List; QUERY e.g. kind=ConfigMap&namespace=demo
#   kube_get KIND NAMESPACE NAME     one object from the state as compact JSON ('' namespace: cluster)
#   kube_log                         the request log, JSON Lines
#   kube_log_clear
#   kube_config JSON                 change settings (readyDelay, nsDeleteDelay, crdEstablishDelay,
#                                    discovery, version, hangMax, watchMax, logBodies)
#   kube_user CONTEXT USER [FORBID [ALLOW]]  a new token for USER, with FORBID a JSON list of rules
#                                    ({verb, group, resource|kind, namespace, name}) it is refused,
#                                    and ALLOW (RBAC: when given, only what a rule allows; a rule
#                                    with a namespace is a Role there, without one a ClusterRole),
#                                    and a kubeconfig context CONTEXT that uses it: --context CONTEXT
#   kube_reset                       back to the start state (no objects, faults, log or users)
#
# Exported: KUBECONFIG, KUBECACHEDIR (fresh per kube_start), KUBE_URL (https://127.0.0.1:PORT),
# KUBE_PORT, KUBE_TOKEN (admin), KUBE_CA (CA certificate file), KUBE_DIR (its files: requests.log,
# stderr, tls/), KUBE_PID.

KUBE_SERVERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBE_PID=
KUBE_USERS=()

_kube_token() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

_kube_write_config() {
	local ca u name token
	ca=$(base64 -w0 "$KUBE_CA")
	{
		echo "apiVersion: v1"
		echo "kind: Config"
		echo "clusters:"
		echo "- name: kube-standin"
		echo "  cluster:"
		echo "    server: $KUBE_URL"
		echo "    certificate-authority-data: $ca"
		echo "users:"
		echo "- name: admin"
		echo "  user:"
		echo "    token: $KUBE_TOKEN"
		for u in "${KUBE_USERS[@]}"; do
			name=${u%% *} token=${u#* }
			echo "- name: $name"
			echo "  user:"
			echo "    token: $token"
		done
		echo "contexts:"
		echo "- name: kube-standin"
		echo "  context:"
		echo "    cluster: kube-standin"
		echo "    user: admin"
		echo "    namespace: default"
		for u in "${KUBE_USERS[@]}"; do
			name=${u%% *}
			echo "- name: $name"
			echo "  context:"
			echo "    cluster: kube-standin"
			echo "    user: $name"
			echo "    namespace: default"
		done
		echo "current-context: kube-standin"
	} >"$KUBE_DIR/kubeconfig.tmp"
	mv "$KUBE_DIR/kubeconfig.tmp" "$KUBE_DIR/kubeconfig"
}

kube_start() {
	local i
	[ -z "$KUBE_PID" ] || kube_stop
	if [ -z "${_KUBE_AT_EXIT:-}" ]; then
		at_exit kube_stop
		_KUBE_AT_EXIT=1
	fi
	KUBE_DIR=$(mktemp -d "$TMP/kube.XXXXXX")
	KUBE_TOKEN=$(_kube_token)
	KUBE_USERS=()
	python3 "$KUBE_SERVERS/kube-standin.py" --port 0 --port-file "$KUBE_DIR/port" \
		--tls-dir "$KUBE_DIR/tls" --token "$KUBE_TOKEN=admin" --watch-pid $$ \
		--max-lifetime "${KUBE_MAX_LIFETIME:-900}" --log "$KUBE_DIR/requests.log" "$@" \
		</dev/null >"$KUBE_DIR/stdout" 2>"$KUBE_DIR/stderr" &
	KUBE_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$KUBE_DIR/port" ] && break
		kill -0 "$KUBE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -s "$KUBE_DIR/port" ]; then
		echo "# kube_start: the stand-in did not start:" >&2
		sed 's/^/#   /' "$KUBE_DIR/stderr" >&2
		kube_stop
		return 1
	fi
	KUBE_PORT=$(cat "$KUBE_DIR/port")
	KUBE_URL=https://127.0.0.1:$KUBE_PORT
	KUBE_CA=$KUBE_DIR/tls/ca.crt
	mkdir -p "$KUBE_DIR/cache"
	_kube_write_config
	export KUBECONFIG=$KUBE_DIR/kubeconfig KUBECACHEDIR=$KUBE_DIR/cache
	export KUBE_URL KUBE_PORT KUBE_TOKEN KUBE_CA KUBE_DIR KUBE_PID
}

kube_stop() {
	local i
	[ -n "$KUBE_PID" ] || return 0
	kill "$KUBE_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$KUBE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$KUBE_PID" 2>/dev/null
	wait "$KUBE_PID" 2>/dev/null
	KUBE_PID=
	return 0
}

kube_admin() {
	local method=$1 path=$2 code out
	local args=(-sS --max-time 30 --cacert "$KUBE_CA" -X "$method" -w '%{http_code}')
	if [ $# -ge 3 ]; then
		case $3 in
		-) args+=(--data-binary @-) ;;
		*) args+=(--data-binary "$3") ;;
		esac
		args+=(-H 'Content-Type: application/json')
	fi
	out=$(mktemp "$KUBE_DIR/admin.XXXXXX")
	code=$(curl "${args[@]}" -o "$out" "$KUBE_URL$path") || { rm -f "$out"; echo "kube_admin: $method $path: curl failed" >&2; return 3; }
	cat "$out"
	rm -f "$out"
	[ "$code" -lt 400 ]
}

kube_fault() { kube_admin POST /_sim/faults "$1" | jq -r '.items[].id'; }
kube_faults() { kube_admin GET /_sim/faults; }
kube_faults_clear() { kube_admin DELETE /_sim/faults >/dev/null; }
kube_seed() {
	local src=${1:--} q=${2:-}
	[ "$src" = - ] || src=@$src
	kube_admin POST "/_sim/state${q:+?$q}" "$src" >/dev/null
}
kube_state() { kube_admin GET "/_sim/state${1:+?$1}"; }
kube_get() { kube_admin GET "/_sim/state?kind=$1&namespace=$2&name=$3" | jq -c '.items[0] // empty'; }
kube_log() { kube_admin GET /_sim/log; }
kube_log_clear() { kube_admin DELETE /_sim/log >/dev/null; }
kube_config() { kube_admin POST /_sim/config "$1" >/dev/null; }
kube_reset() {
	KUBE_USERS=()
	_kube_write_config
	kube_admin POST /_sim/reset >/dev/null
}

kube_user() {
	local ctx=$1 user=$2 forbid=${3:-[]} allow=${4:-null} token
	token=$(_kube_token)
	kube_admin POST /_sim/tokens "$(jq -cn --arg t "$token" --arg u "$user" --argjson f "$forbid" --argjson a "$allow" \
		'{token: $t, user: $u, forbid: $f} + (if $a == null then {} else {allow: $a} end)')" >/dev/null || return 1
	KUBE_USERS+=("$ctx $token")
	_kube_write_config
}
