#!/usr/bin/env bash
# deb.t: the Debian package of `make deb` (issue 21): its control fields, its dependencies (every
# shared library the binaries need is one a Depends names), the files in Debian's paths, lintian
# without errors or warnings, and `apt-get install ./gitops-tools_*.deb` / `apt-get remove` on a
# minimal Debian root (debootstrap minbase), where apt must bring in what the tools need from
# the archive: if a dependency were missing, the tools would not start there.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"

DEB=$TOP/build/deb/gitops-tools_${VERSION}_$ARCH.deb
[ -f "$DEB" ] || { echo "Bail out! no $DEB (make check-dist builds it)"; exit 1; }

# --- the control fields ----------------------------------------------------------------------------

field() { dpkg-deb -f "$DEB" "$1"; }
is "$(field Package):$(field Version):$(field Architecture)" "gitops-tools:$VERSION:$ARCH" "Package, Version, Architecture"
like "$(field Maintainer)" "^[^<>]+ <[^@<>]+@[^<>]+>$" "Maintainer: a name and an address"
like "$(field Description)" "^GitOps pipeline tools .*"$'\n'" " "Description: a synopsis and a long description"
like "$(field Installed-Size)" "^[0-9]+$" "Installed-Size in KiB"
DEPENDS=$(field Depends)
like "$DEPENDS" "(^|, )libc6 \\(>= 2\\.[0-9]+\\)" "Depends: libc6 with its lowest version (dpkg-shlibdeps)"

# Every library a binary needs at start (NEEDED), and those gitops-render loads on first use (libgit2,
# and libcrypto, PCRE2, libxcrypt, zlib for the native Helm engine), belongs to a package the
# Depends line names.
mkdir -p "$TMP/deb" && dpkg-deb -x "$DEB" "$TMP/deb"
sonames=$(for f in "$TMP"/deb/usr/bin/gitops-*; do readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; done | sort -u)
sonames+=$'\n'$(strings "$TMP/deb/usr/bin/gitops-render" | grep -xE 'lib(git2|crypto|pcre2-8|crypt|z)\.so\.[0-9.]+')
for so in $(sort -u <<<"$sonames"); do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|AArch64|64bit/ { print $NF; exit }')
	pkg=$({ dpkg -S "$path" || dpkg -S "$(realpath "$path")"; } 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$pkg" ] && [[ ", $DEPENDS" == *", $pkg"[\ ,]* || ", $DEPENDS," == *", $pkg,"* ]]
	ok $? "$so (package ${pkg:-?}) is among the Depends"
done

# --- the files, in Debian's paths ---------------------------------------------------------------

LIST=$(dpkg-deb -c "$DEB" | awk '{ print $6 ($7 == "->" ? " -> " $8 : "") }' | sed 's|^\./|/|')
has() { grep -qxF -- "$1" <<<"$LIST"; ok $? "the package has $1"; }
for t in "${TOOLS[@]}"; do
	v=${t#gitops-}
	has "/usr/bin/$t"
	has "/usr/bin/kubectl-gitops-${v//-/_} -> $t"
	has "/usr/bin/kubectl_complete-gitops-${v//-/_}"
	has "/usr/share/man/man1/$t.1.gz"
	has "/usr/share/bash-completion/completions/$t"
	has "/usr/share/zsh/vendor-completions/_$t"
	has "/usr/share/fish/vendor_completions.d/$t.fish"
done
has "/usr/bin/argocd-gitops"
has "/usr/bin/kubectl-gitops -> argocd-gitops"
has "/usr/share/man/man7/gitops-tools.7.gz"
has "/usr/share/doc/gitops-tools/copyright"
has "/usr/share/doc/gitops-tools/changelog.gz"
is "$(grep -v -e '^/usr/bin/' -e '^/usr/share/' -e '^/usr/$' -e '^/$' <<<"$LIST")" "" "nothing outside /usr/bin and /usr/share"
is "$(dpkg-deb -c "$DEB" | awk '{ print $2 }' | sort -u)" "root/root" "every file owned by root"

if command -v lintian >/dev/null; then
	lintian "$DEB" >"$TMP/lintian.out" 2>&1
	is "$(grep -E '^[EW]:' "$TMP/lintian.out")" "" "lintian: no errors, no warnings"
	grep -E '^[IP]:' "$TMP/lintian.out" | sed 's/^/# lintian /'
else
	skip "lintian not installed (tests/tools/deps dist installs it)"
fi

# --- apt-get install and remove on a minimal Debian ------------------------------------------------

R=$TMP/root
debian_root "$R"
cp "$DEB" "$R/tmp/"
run in_root "$R" /bin/sh -c 'command -v gitops-render; dpkg -s libgit2-1.5 libyaml-0-2 libjansson4 2>/dev/null | grep -c "^Status: install ok"'
is "$OUT" "0" "before: no gitops-render, none of libgit2, libyaml, jansson installed"
export DEBIAN_FRONTEND=noninteractive
run in_root "$R" apt-get -q update
is "$RC" 0 "apt-get update in the root" || sed 's/^/# /' <<<"$ERR"
run in_root "$R" apt-get install -y -q --no-install-recommends "/tmp/${DEB##*/}"
is "$RC" 0 "apt-get install ./gitops-tools_${VERSION}_$ARCH.deb" || sed 's/^/# /' <<<"$ERR" | tail -n 20
like "$OUT" "Setting up gitops-tools \\($VERSION\\)" "apt sets up gitops-tools"
for t in "${TOOLS[@]}"; do
	run in_root "$R" "$t" --version
	is "$RC:$(sed -n 1p <<<"$OUT")" "0:$t (gitops-tools) $VERSION" "installed: $t --version runs (its libraries came with it)" ||
		sed 's/^/# /' <<<"$ERR"
done
cp -r "$TOP/examples/manifest-repo/plain" "$R/tmp/plain"
run in_root "$R" gitops-render -n demo --app demo /tmp/plain
is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" -n demo --app demo "$TOP/examples/manifest-repo/plain")" "installed: gitops-render renders"
# The libraries loaded on first use came with the package too: the native Helm engine's hashing
# and regular expressions (libcrypto, PCRE2).
for chart in bitnami-web regex; do
	cp -r "$TOP/tests/fixtures/helm-corpus/$chart" "$R/tmp/$chart"
	run in_root "$R" gitops-render --engine native -n demo "/tmp/$chart"
	is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" --engine native -n demo "$TOP/tests/fixtures/helm-corpus/$chart")" \
		"installed: the native Helm engine renders $chart (libraries loaded on first use)" || sed 's/^/# /' <<<"$ERR"
done
run in_root "$R" argocd-gitops version
like "$RC:$OUT" $'^0:argocd-gitops \\(gitops-tools\\) '"$VERSION"$'\ncommit .*\nlibgit2 1\\.5' "installed: argocd gitops version, libgit2 loaded"

run in_root "$R" apt-get remove -y -q gitops-tools
is "$RC" 0 "apt-get remove gitops-tools" || sed 's/^/# /' <<<"$ERR"
left=
while read -r f; do
	f=${f%% -> *}
	[ "$f" = / ] || [ -d "$R$f" ] || { [ -e "$R$f" ] || [ -L "$R$f" ]; } && [ ! -d "$R$f" ] && left+="$f "
done <<<"$LIST"
is "$left" "" "after remove, none of the package's files is left"
run in_root "$R" dpkg -s gitops-tools
isnt=$((RC != 0))
ok $((1 - isnt)) "and dpkg knows it no more as installed"

done_testing
