#!/usr/bin/env bash
# argocd-cmp.t: the Argo CD sidecar image of examples/argocd-cmp/Dockerfile (issue 21). No container
# engine runs here, so the Dockerfile is carried out instruction by instruction in scratch roots:
# debian:SUITE-slim is a minimal Debian root (debootstrap minbase), the Argo CD image a stand-in
# holding what the Dockerfile takes from it (the real helm; kustomize is not to be had here, so a
# stand-in file), ARG/ENV/WORKDIR/USER recorded, RUN chrooted with /bin/sh -c as docker runs it,
# COPY copied, the release archive served from a local web server. Then the image is checked
# (user 999, plugin.yaml in place, the tools need nothing more) and the plugin's generate command
# is run in it as Argo CD's cmp-server runs it: as uid 999, in the application's directory, with
# the sidecar's environment from repo-server-patch.yaml and Argo CD's build environment.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"

YAML2JSON=$BUILD/tests/yaml2json
[ -x "$YAML2JSON" ] || { echo "Bail out! no build/tests/yaml2json (make check-dist builds it)"; exit 1; }
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
EX=$TOP/examples/argocd-cmp
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")

# --- the web server with the release ------------------------------------------------------------------

mkdir -p "$TMP/www/v$VERSION"
cp "$TGZ" "$TMP/www/v$VERSION/"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0 >"$TMP/www.log" 2>&1 &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 300); do # up to 30 s: python starts slowly on a loaded machine
	PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/www.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "Bail out! the web server did not start"; exit 1; }
SHA=$(sha256sum "$TGZ" | cut -c1-64)

# --- docker build, by hand ------------------------------------------------------------------------

# image_root IMAGE DIR: the scratch root standing in for IMAGE.
image_root() {
	case $1 in
	"debian:$CODENAME-slim") debian_root "$2" ;;
	quay.io/argoproj/argocd:*)
		mkdir -p "$2/usr/local/bin" && cp "$HELM" "$2/usr/local/bin/helm" &&
			printf '#!/bin/sh\necho "kustomize: a stand-in (no kustomize binary here)" >&2\nexit 1\n' >"$2/usr/local/bin/kustomize" &&
			chmod 755 "$2/usr/local/bin/kustomize" ;;
	*) echo "Bail out! the Dockerfile uses $1, which this test has no stand-in for"; exit 1 ;;
	esac
}
# subst TEXT: ${NAME} and $NAME of the known ARGs replaced (FROM, COPY).
subst() {
	local s=$1 k
	for k in "${!ARGV[@]}"; do s=${s//\$\{$k\}/${ARGV[$k]}}; s=${s//\$$k/${ARGV[$k]}}; done
	printf '%s' "$s"
}
# build DOCKERFILE CONTEXT [NAME=VALUE...]: carry it out; the last stage's root is $STAGES[final].
declare -A STAGES ARGV BUILD_ARGS
IMAGE_ENV=() IMAGE_USER= IMAGE_WORKDIR=
build() {
	local file=$1 ctx=$2 line ins rest root= n=0 k v from src dest s
	shift 2
	BUILD_ARGS=() ARGV=() STAGES=() IMAGE_ENV=() IMAGE_USER= IMAGE_WORKDIR=
	for a; do BUILD_ARGS[${a%%=*}]=${a#*=}; done
	local -A global=()
	while IFS= read -r line; do
		ins=${line%% *} rest=${line#* }
		case $ins in
		ARG)
			k=${rest%%=*} v=
			[[ $rest == *=* ]] && v=${rest#*=}
			[ -n "${BUILD_ARGS[$k]+x}" ] && v=${BUILD_ARGS[$k]}
			[ -z "$root" ] && global[$k]=$v
			ARGV[$k]=$v ;;
		FROM)
			ARGV=()
			for k in "${!global[@]}"; do ARGV[$k]=${global[$k]}; done
			from=$(subst "${rest%% AS *}")
			n=$((n + 1)) root=$TMP/stage$n
			image_root "$from" "$root" || return 1
			[[ $rest == *" AS "* ]] && STAGES[${rest##* AS }]=$root
			STAGES[final]=$root IMAGE_ENV=() IMAGE_USER= IMAGE_WORKDIR= ;;
		RUN)
			local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
			for k in "${!ARGV[@]}"; do envs+=("$k=${ARGV[$k]}"); done
			in_root "$root" /usr/bin/env -i "${envs[@]}" "${IMAGE_ENV[@]}" /bin/sh -c "$rest" >>"$TMP/build.log" 2>&1 ||
				{ echo "RUN failed: $rest" >>"$TMP/build.log"; return 1; } ;;
		COPY)
			s=$ctx
			if [[ $rest == --from=* ]]; then
				s=${rest%% *} s=${STAGES[${s#--from=}]}
				rest=${rest#* }
			fi
			read -r -a words <<<"$(subst "$rest")"
			dest=$root/${words[-1]#/}
			unset 'words[-1]'
			mkdir -p "$(dirname "$dest")"
			for src in "${words[@]}"; do
				if [[ $src == */ ]]; then mkdir -p "$dest" && cp -a "$s/${src#/}." "$dest/"
				elif [[ $dest == */ ]]; then mkdir -p "$dest" && cp -a "$s/${src#/}" "$dest"
				else cp -a "$s/${src#/}" "$dest"; fi || return 1
			done ;;
		ENV) IMAGE_ENV+=("$rest") ;;
		USER) IMAGE_USER=$rest ;;
		WORKDIR) IMAGE_WORKDIR=$rest ;;
		*) echo "Bail out! the test cannot carry out $ins"; exit 1 ;;
		esac
	done < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$file" | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta')
}

run build "$EX/Dockerfile" "$EX" GITOPS_TOOLS_URL="http://127.0.0.1:$PORT" GITOPS_TOOLS_SHA256=0000000000000000000000000000000000000000000000000000000000000000
isnt=$((RC != 0))
ok $((1 - isnt)) "a wrong GITOPS_TOOLS_SHA256 stops the build"
like "$(cat "$TMP/build.log")" "sha256sum: WARNING: 1 computed checksum did NOT match" "at the checksum, before anything is unpacked"
rm -rf "$TMP"/stage* && : >"$TMP/build.log"

build "$EX/Dockerfile" "$EX" GITOPS_TOOLS_URL="http://127.0.0.1:$PORT" GITOPS_TOOLS_SHA256="$SHA"
ok $? "the Dockerfile builds (each instruction carried out in scratch roots)" || tail -n 20 "$TMP/build.log" | sed 's/^/# /'
IMG=${STAGES[final]}

# --- the image --------------------------------------------------------------------------------------

is "$IMAGE_USER" 999 "USER 999, the user Argo CD's sidecars must run as"
is "$(grep '^argocd:' "$IMG/etc/passwd" | cut -d: -f3,4,6)" "999:999:/home/argocd" "user argocd: uid 999, gid 999, home /home/argocd"
cmp -s "$IMG/home/argocd/cmp-server/config/plugin.yaml" "$EX/plugin.yaml"
ok $? "plugin.yaml at /home/argocd/cmp-server/config/plugin.yaml, where Argo CD reads it"
for t in "${TOOLS[@]}" kubectl-gitops argocd-gitops; do
	[ -x "$IMG/usr/local/bin/$t" ] || echo "missing $t"
done >"$TMP/missing"
is "$(cat "$TMP/missing")" "" "every tool and the dispatchers in /usr/local/bin"
[ -x "$IMG/usr/local/bin/helm" ] && [ -x "$IMG/usr/local/bin/kustomize" ]
ok $? "helm and kustomize from the Argo CD image"
is "$(find "$IMG/usr/lib" \( -name 'libgit2*' -o -name 'libyaml*' -o -name 'libjansson*' \) | head -n 3)" "" \
	"no libgit2, libyaml or jansson in the image: the tools carry them"
[ ! -e "$IMG/usr/bin/curl" ]
ok $? "no curl in the final image (only the download stage had it)"

# as999 DIR CMD...: CMD in the image as uid 999, in DIR, with the image's and the sidecar's
# environment (repo-server-patch.yaml) and nothing else.
PATCH=$("$YAML2JSON" <"$EX/repo-server-patch.yaml")
SIDECAR=$(jq -c '.spec.template.spec.containers[] | select(.name == "gitops-render")' <<<"$PATCH")
mapfile -t SIDECAR_ENV < <(jq -r '.env[] | "\(.name)=\(.value)"' <<<"$SIDECAR")
as999() {
	local dir=$1
	shift
	in_root "$IMG" setpriv --reuid=999 --regid=999 --clear-groups /bin/sh -c 'cd "$0" && exec "$@"' "$dir" \
		/usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${IMAGE_ENV[@]}" "${SIDECAR_ENV[@]}" "$@"
}
mkdir -p "$IMG/tmp/cache" && chown 999:999 "$IMG/tmp/cache"
run as999 / gitops-render --version
is "$RC:$(sed -n 1p <<<"$OUT")" "0:gitops-render (gitops-tools) $VERSION" "as 999: gitops-render --version" || sed 's/^/# /' <<<"$ERR"
run as999 / sh -c 'touch /home/argocd/cmp-server/config/plugin.yaml 2>&1; cat /home/argocd/cmp-server/config/plugin.yaml >/dev/null && echo readable'
like "$OUT" "readable$" "as 999: plugin.yaml is readable"

# --- the sidecar -----------------------------------------------------------------------------------

is "$(jq -r .image <<<"$SIDECAR")" "registry.example.com/platform/gitops-render-cmp:$VERSION" \
	"repo-server-patch.yaml runs the image the Dockerfile's comment builds (tag = the release)"
grep -qF "docker build -t $(jq -r .image <<<"$SIDECAR")" "$EX/Dockerfile"
ok $? "and the Dockerfile's build command names that image"
is "$(jq -r '.securityContext.runAsUser' <<<"$SIDECAR")" 999 "the sidecar runs as 999"
is "$(jq -r '.command | join(" ")' <<<"$SIDECAR")" /var/run/argocd/argocd-cmp-server "the sidecar runs Argo CD's cmp-server"

# generate, as the cmp-server runs it: command[0] with command[1:] + args, in the app's directory
# (unpacked from the repo-server's tar stream), with Argo CD's build environment.
PLUGIN=$("$YAML2JSON" <"$IMG/home/argocd/cmp-server/config/plugin.yaml")
mapfile -t GEN < <(jq -r '(.spec.generate.command + (.spec.generate.args // []))[]' <<<"$PLUGIN")
BUILD_ENV=(ARGOCD_APP_NAME=team-a_guestbook ARGOCD_APP_NAMESPACE=web ARGOCD_APP_PROJECT_NAME=default
	ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567 ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/manifests.git
	ARGOCD_APP_SOURCE_TARGET_REVISION=main KUBE_VERSION=1.30.1 KUBE_API_VERSIONS=apps/v1,v1)
for app in render-helm/guestbook render/shop; do
	d=/tmp/_cmp_server/$(basename "$app")
	mkdir -p "$IMG$d" && cp -r "$TOP/tests/fixtures/$app/." "$IMG$d/" && chown -R 999:999 "$IMG/tmp/_cmp_server"
	run as999 "$d" "${BUILD_ENV[@]}" ARGOCD_APP_SOURCE_PATH="$app" "${GEN[@]}"
	is "$RC" 0 "generate in $app as 999: exit 0" || sed 's/^/# /' <<<"$ERR"
	want=$(cd "$TOP/tests/fixtures/$app" && env "${BUILD_ENV[@]}" ARGOCD_APP_SOURCE_PATH="$app" \
		HOME="$TMP/home" XDG_CACHE_HOME="$TMP/cache" PATH="$(dirname "$HELM"):$PATH" "$TOP/bin/${GEN[0]}" "${GEN[@]:1}")
	is "$OUT" "$want" "generate in $app: the YAML the development build prints on this machine"
done

done_testing
