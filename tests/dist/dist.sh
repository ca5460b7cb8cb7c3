# tests/dist/dist.sh: what the release tests share (bash). Source after tests/lib.sh. They test
# what `make check-dist` built before them: build/dist (make dist, make krew), build/deb (make
# deb) and build/dist/debian-root.tar (tests/tools/debian-root); they build nothing themselves.
VERSION=$(cat "$TOP/VERSION")
ARCH=$(dpkg --print-architecture)
DIST=$TOP/build/dist
NAME=gitops-tools-$VERSION-linux-$ARCH
TGZ=$DIST/$NAME.tar.gz
[ -f "$TGZ" ] || { echo "Bail out! no $TGZ (make check-dist builds it)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "1..0 # skip the release tests need root (mount namespaces, chroot)"; exit 0; }
TOOLS=()
for d in "$TOP"/cmd/gitops-*; do TOOLS+=("${d##*/}"); done

# --- bare: a machine with the C library and nothing else ----------------------------------------
# The system's library directory is replaced, in a mount namespace of the command alone, by one
# holding only the C library's own files (Debian package libc6): no libgit2, libyaml, jansson,
# OpenSSL, mbedTLS, zlib, PCRE2, libssh2, Kerberos, nor anything else. Only what needs nothing but
# the C library starts there (dash does; sed, for one, does not).
LIBDIR=/usr/lib/$(gcc -print-multiarch)
LIBC_ONLY=$TMP/libc-only
mkdir -p "$LIBC_ONLY"
while read -r f; do
	# Files right in the library directory (/lib/M or /usr/lib/M: the same one, merged /usr).
	case ${f%/*} in "$LIBDIR" | "/lib/${LIBDIR##*/}") ;; *) continue ;; esac
	[ -f "$f" ] && ! [ -d "$f" ] && cp -P "$f" "$LIBC_ONLY/"
done < <(dpkg -L "libc6:$ARCH" 2>/dev/null || dpkg -L libc6)
[ -e "$LIBC_ONLY/libc.so.6" ] || { echo "Bail out! cannot find the C library's files (dpkg -L libc6)"; exit 1; }

# bare CMD...: run CMD (found in PATH before the libraries go) with LIBDIR holding only the C library.
bare() {
	local cmd
	cmd=$(command -v "$1") || { echo "bare: $1 not found" >&2; return 127; }
	shift
	unshare --mount --propagation private /bin/sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' \
		"$LIBC_ONLY" "$LIBDIR" "$cmd" "$@"
}

# --- a minimal Debian root (debootstrap minbase) --------------------------------------------------
# debian_root DIR: unpack the root into DIR, with this machine's resolv.conf so apt can reach the
# mirror. in_root DIR CMD...: run CMD chrooted in DIR, /proc and /dev mounted in a namespace of
# its own (nothing stays mounted after).
DEBIAN_ROOT_TAR=$DIST/debian-root.tar
debian_root() {
	[ -f "$DEBIAN_ROOT_TAR" ] || { echo "Bail out! no $DEBIAN_ROOT_TAR (make check-dist makes it)"; exit 1; }
	mkdir -p "$1" && tar -C "$1" -xf "$DEBIAN_ROOT_TAR" && cp /etc/resolv.conf "$1/etc/resolv.conf"
}
in_root() {
	local root=$1
	shift
	unshare --mount --propagation private /bin/sh -c \
		'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' "$root" "$@"
}
