#!/usr/bin/env bash
# cross.t: the arm64 release archive, built on this machine by `make dist CROSS=arm64` (Debian's
# cross compiler and arm64 -dev packages): the same files as this machine's archive, aarch64
# binaries needing only the C library (glibc 2.34), and the tools run under qemu's user-mode
# emulation with nothing but the arm64 C library (Debian's libc6-arm64-cross): --version, a
# render, a push over HTTPS to the real git server.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"
. "$TOP/tests/servers/git.sh"

[ "$ARCH" = amd64 ] || { echo "1..0 # skip the cross build is made on amd64"; exit 0; }
A64=$DIST/gitops-tools-$VERSION-linux-arm64.tar.gz
[ -f "$A64" ] || { echo "Bail out! no $A64 (make check-dist builds it)"; exit 1; }
QEMU=$(command -v qemu-aarch64-static) || { echo "Bail out! no qemu-aarch64-static (tests/tools/deps dist)"; exit 1; }
LIBC64=/usr/aarch64-linux-gnu # the arm64 C library alone: no other arm64 library is on this machine

(cd "$DIST" && sha256sum -c --quiet "${A64##*/}.sha256") >"$TMP/sum.out" 2>&1
ok $? "the arm64 archive's .sha256 verifies it" || sed 's/^/# /' "$TMP/sum.out"
is "$(tar -tzf "$A64" | sort)" "$(tar -tzf "$TGZ" | sort)" "the same files as the $ARCH archive"
mkdir -p "$TMP/x" && tar -xzf "$A64" -C "$TMP/x"
X=$TMP/x/gitops-tools-$VERSION
for t in "${TOOLS[@]}"; do
	h=$(readelf -h "$X/bin/$t" | sed -n 's/^ *Machine: *//p')
	n=$(readelf -d "$X/bin/$t" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vx -e libc.so.6 -e libm.so.6 -e ld-linux-aarch64.so.1)
	is "$h:$n" "AArch64:" "$t: an AArch64 binary needing only the C library (libc, libm, the loader)"
done
NEWEST=$(for t in "${TOOLS[@]}"; do aarch64-linux-gnu-objdump -T "$X/bin/$t" 2>/dev/null || objdump -T "$X/bin/$t"; done |
	grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
is "$NEWEST" GLIBC_2.34 "the newest glibc symbol version is 2.34, as on $ARCH"

a64() { "$QEMU" -L "$LIBC64" "$@"; }
for t in "${TOOLS[@]}"; do
	run a64 "$X/bin/$t" --version
	is "$RC:$(sed -n 1p <<<"$OUT")" "0:$t (gitops-tools) $VERSION" "arm64 $t --version runs (qemu, the C library alone)"
done
PLAIN=$TOP/examples/manifest-repo/plain
run a64 "$X/bin/gitops-render" -n demo --app demo "$PLAIN"
is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" -n demo --app demo "$PLAIN")" "arm64 gitops-render writes what the $ARCH build writes"

git_server_start --https
git_cli_env
URL=$(git_repo_create manifests --from "$TOP/examples/manifest-repo")
run env GITOPS_GIT_TOKEN="$GIT_SERVER_PASSWORD" "$QEMU" -L "$LIBC64" "$X/bin/gitops-set-image" --repo "$URL" \
	--file charts/my-app/values.yaml --set image.tag=6.4.0 --ca-file "$GIT_SERVER_CA" --cache-dir "$TMP/cache" -o json
is "$RC" 0 "arm64 gitops-set-image pushes over HTTPS" || sed 's/^/# /' <<<"$ERR"
git clone -q "$URL" "$TMP/check" && grep -q 'tag: "\?6\.4\.0' "$TMP/check/charts/my-app/values.yaml"
ok $? "git sees the new tag on the server"

done_testing
