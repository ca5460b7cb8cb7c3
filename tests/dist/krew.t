#!/usr/bin/env bash
# krew.t: `make krew` writes the krew manifest for the `make dist` archives, and the plugin it
# installs works on a machine with nothing else: a minimal Debian root (debootstrap minbase: no
# libgit2, libyaml, jansson, TLS or SSH library) with kubectl, where the archive is installed
# the way krew installs it (tests/krew.sh: krew's own steps; no krew binary can be had here) and
# `kubectl gitops VERB` is run as a user would, chrooted.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"
. "$TOP/tests/krew.sh"

YAML2JSON=$BUILD/tests/yaml2json
[ -x "$YAML2JSON" ] || { echo "Bail out! no build/tests/yaml2json (make check-dist builds it)"; exit 1; }

# --- the manifest -----------------------------------------------------------------------------------

K=$TMP/krew
run make -s -C "$TOP" krew DIST_DIR="$K" KREW_URL=https://downloads.example.org/v1 HOMEPAGE=https://example.org/gitops-tools
is "$RC" 0 "make krew (DIST_DIR elsewhere) succeeds" || sed 's/^/# /' <<<"$ERR"
run "$YAML2JSON" <"$K/gitops.yaml"
is "$RC:$ERR" "0:" "DIST_DIR/gitops.yaml is one YAML document"
M=$OUT
krew_check "$M" "the filled manifest"
is "$(jq -r .spec.version <<<"$M")" "v$VERSION" "spec.version is v + VERSION (krew wants semver with a v)"
is "$(jq -r '[.spec.platforms[] | .selector.matchLabels | "\(.os)/\(.arch)"] | join(" ")' <<<"$M")" "linux/$ARCH" \
	"only the platform whose archive was built (krew refuses a platform without a checksum)"
P=$(jq -c '.spec.platforms[0]' <<<"$M")
is "$(jq -r .uri <<<"$P")" "https://downloads.example.org/v1/$NAME.tar.gz" "uri is KREW_URL/the archive's name"
is "$(jq -r .sha256 <<<"$P")" "$(sha256sum "$K/$NAME.tar.gz" | cut -c1-64)" "sha256 is the archive's"
is "$(sha256sum "$K/$NAME.tar.gz" | cut -c1-64)" "$(sha256sum "$TGZ" | cut -c1-64)" "and that is the release archive make dist made"
like "$(jq -r .spec.homepage <<<"$M")" "^https://example.org/gitops-tools$" "homepage is HOMEPAGE"
unlike "$(cat "$K/gitops.yaml")" "@[A-Z0-9_]+@" "no placeholder is left"

# Another platform's archive in DIST_DIR (as a release gathers them): its platform is filled in too.
other=amd64
[ "$ARCH" = amd64 ] && other=arm64
echo "another platform" | gzip >"$K/gitops-tools-$VERSION-linux-$other.tar.gz"
run "$TOP/dist/krew-manifest" "$TOP/plugins/gitops.yaml" "$VERSION" https://downloads.example.org/v1 https://example.org "$K"
M2=$("$YAML2JSON" <<<"$OUT")
is "$(jq -r '[.spec.platforms[] | .selector.matchLabels.arch] | sort | join(" ")' <<<"$M2")" "$(printf '%s\n' "$ARCH" "$other" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"with a linux-$other archive there, both platforms"
is "$(jq -r --arg a "$other" '.spec.platforms[] | select(.selector.matchLabels.arch == $a) | .sha256' <<<"$M2")" \
	"$(sha256sum "$K/gitops-tools-$VERSION-linux-$other.tar.gz" | cut -c1-64)" "linux/$other: its own archive's checksum"
run "$TOP/dist/krew-manifest" "$TOP/plugins/gitops.yaml" "$VERSION" u h "$TMP/empty-dir"
is "$RC:$OUT" "2:" "no archive at all: exit 2, no manifest"

# --- installed as krew installs it, on a machine with nothing else -------------------------------

R=$TMP/root
debian_root "$R"
is "$(cd "$R" && find usr/lib -name 'libgit2*' -o -name 'libyaml*' -o -name 'libjansson*' -o -name 'libmbed*' \
	-o -name 'libssl*' -o -name 'libcrypto*' -o -name 'libssh2*' | head -n 3)" "" \
	"the root has no libgit2, libyaml, jansson, mbedTLS, OpenSSL or libssh2"
install -m 755 "$(command -v kubectl)" "$R/usr/local/bin/kubectl" # a static binary, as kubectl ships
cp -r "$TOP/examples/manifest-repo/plain" "$R/plain"
krew_install "$M" "$K/$NAME.tar.gz" "$R/root/.krew" "$R" 2>"$TMP/krew.err"
ok $? "krew install --manifest --archive: the steps of krew's install succeed" || sed 's/^/# /' "$TMP/krew.err"
is "$(readlink "$R/root/.krew/bin/kubectl-gitops")" "/root/.krew/store/gitops/v$VERSION/kubectl-gitops" \
	"krew's bin/kubectl-gitops links to the store"

# kroot CMD...: CMD in the root as its user would run it: krew's bin first in PATH, HOME /root.
kroot() {
	in_root "$R" /usr/bin/env -i HOME=/root PATH=/root/.krew/bin:/usr/local/bin:/usr/bin:/bin KUBECONFIG=/nonexistent "$@"
}
run kroot kubectl plugin list
like "$OUT" "/root/.krew/bin/kubectl-gitops" "kubectl plugin list finds kubectl-gitops"
run kroot kubectl gitops version
like "$RC:$OUT" "^0:kubectl-gitops \\(gitops-tools\\) $VERSION
commit [0-9a-f]+.*
libgit2 [0-9.]+
libyaml [0-9.]+
jansson [0-9.]+\$" "kubectl gitops version: the version, the commit and the libraries inside" || sed 's/^/# /' <<<"$ERR"
run kroot kubectl gitops render -n demo --app demo /plain
is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" -n demo --app demo "$TOP/examples/manifest-repo/plain")" \
	"kubectl gitops render DIR renders, as the dynamic build does" || sed 's/^/# /' <<<"$ERR"
run kroot kubectl gitops --help
for t in "${TOOLS[@]}"; do
	grep -qxF "  ${t#gitops-}" <<<"$OUT"
	ok $? "kubectl gitops --help lists ${t#gitops-}"
done
for t in "${TOOLS[@]}"; do
	v=${t#gitops-}
	run kroot kubectl gitops "${v//-/_}" --help
	like "$RC:$OUT" "^0:usage: $t " "kubectl gitops ${v//-/_} --help runs $t from the store"
done

krew_uninstall gitops "$R/root/.krew"
run kroot kubectl gitops --help
isnt_zero=$((RC != 0))
ok $((1 - isnt_zero)) "after krew uninstall, kubectl gitops is gone (exit $RC)"
is "$(find "$R/root/.krew" ! -type d)" "" "and nothing of it is left under KREW_ROOT"

done_testing
