#!/usr/bin/env bash
# archive.t: the release archive of `make dist` (issue 21). What it holds (no links: krew unpacks
# none), its checksum file, that the same tree gives the same bytes, that every binary needs the
# C library alone (ldd, and the newest glibc symbol version it asks for), and that the tools work
# where nothing else is: with the system's library directory replaced by the C library's files
# only (see bare in dist.sh), render a directory, set an image over HTTPS against the real git
# server, read the history, diff. Then the README's two-line install, run as written against a
# copy of the release on a local web server.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/dist/dist.sh"
. "$TOP/tests/servers/git.sh"
# The tools' own trust, not this machine's settings: SSL_CERT_FILE is tested below.
unset SSL_CERT_FILE SSL_CERT_DIR

# --- what is in it --------------------------------------------------------------------------------

(cd "$DIST" && sha256sum -c --quiet "$NAME.tar.gz.sha256") >"$TMP/sum.out" 2>&1
ok $? "$NAME.tar.gz.sha256 verifies the archive (sha256sum -c)" || sed 's/^/# /' "$TMP/sum.out"
is "$(cut -d' ' -f3- "$DIST/$NAME.tar.gz.sha256")" "$NAME.tar.gz" "the checksum file names the archive, as sha256sum -c wants"

LIST=$(tar -tvzf "$TGZ")
is "$(grep -c '^[^d-]' <<<"$LIST")" 0 "only files and directories, no links (krew unpacks no others)"
is "$(awk '{print $2}' <<<"$LIST" | sort -u)" "0/0" "owned by uid 0, gid 0 (numeric: no names to look up)"
FILES=$(tar -tzf "$TGZ" | grep -v '/$' | sort)
is "$(cut -d/ -f1 <<<"$FILES" | sort -u)" "gitops-tools-$VERSION" "one top directory, gitops-tools-$VERSION"
is "$(cut -d/ -f2 <<<"$FILES" | sort -u | tr '\n' ' ')" "bin share " "holding bin/ and share/, as make install lays out a PREFIX"
want=
for t in "${TOOLS[@]}"; do
	v=${t#gitops-}
	want+="bin/$t bin/kubectl_complete-gitops-${v//-/_} share/man/man1/$t.1 "
	want+="share/bash-completion/completions/$t share/zsh/site-functions/_$t share/fish/vendor_completions.d/$t.fish "
done
want+="bin/argocd-gitops bin/kubectl-gitops bin/kubectl_complete-gitops share/man/man1/argocd-gitops.1 share/man/man7/gitops-tools.7 "
want+="share/doc/gitops-tools/README.md"
[ -f "$TOP/LICENSE" ] && want+=" share/doc/gitops-tools/LICENSE"
is "$(sed "s|^gitops-tools-$VERSION/||" <<<"$FILES")" "$(tr ' ' '\n' <<<"$want" | grep . | sort)" \
	"every tool, the dispatchers, completion helpers, man pages, completions and the README"

mkdir -p "$TMP/x" && tar -xzf "$TGZ" -C "$TMP/x"
X=$TMP/x/gitops-tools-$VERSION
cmp -s "$X/bin/kubectl-gitops" "$X/bin/argocd-gitops"
ok $? "kubectl-gitops is the dispatcher (a copy, where make install links)"

# The same tree, the same bytes: a second make dist elsewhere (it only restages and packs).
run make -s -C "$TOP" dist DIST_DIR="$TMP/again"
is "$RC" 0 "make dist again (DIST_DIR elsewhere) succeeds" || sed 's/^/# /' <<<"$ERR"
is "$(cat "$TMP/again/$NAME.tar.gz.sha256")" "$(cat "$DIST/$NAME.tar.gz.sha256")" "and makes the same bytes (owners, order, times fixed)"

# --- the binaries need the C library alone ---------------------------------------------------------

for t in "${TOOLS[@]}"; do
	is "$(readelf -d "$X/bin/$t" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vx -e libc.so.6 -e libm.so.6)" "" \
		"$t: needs libc.so.6 (and libm.so.6, glibc's too) and nothing else"
	is "$(ldd "$X/bin/$t" | awk '{print $1}' | grep -v -e '^linux-vdso' -e '/ld-linux' -e '^libc\.so\.6$' -e '^libm\.so\.6$')" "" \
		"$t: ldd lists only the C library (libc, libm, the loader, the vDSO)"
done
# The newest glibc symbol version asked for: README says glibc 2.34 (Debian 12, Ubuntu 22.04, RHEL 9).
NEWEST=$(for t in "${TOOLS[@]}"; do objdump -T "$X/bin/$t"; done | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
is "$NEWEST" GLIBC_2.34 "the newest glibc symbol version any tool needs is 2.34, as the README says"
grep -q 'glibc 2\.34' "$TOP/README.md"
ok $? "README names glibc 2.34 as the oldest that runs the archive"

# --- they run where no library is installed -------------------------------------------------------

# The control: the development build cannot start there, so the namespace really hides the libraries.
run bare "$TOP/bin/gitops-render" --version
is "$RC" 127 "control: the dynamic build does not start with the C library alone (exit 127)"
like "$ERR" "error while loading shared libraries: lib(yaml|jansson)" "control: the loader says which library is missing"

export PATH="$X/bin:$PATH"
for t in "${TOOLS[@]}"; do
	run bare "$t" --version
	is "$RC:$(sed -n 1p <<<"$OUT")" "0:$t (gitops-tools) $VERSION" "$t --version runs with the C library alone"
done
run bare gitops-set-image --version
like "$OUT" $'\ncommit [0-9a-f]{12}(-dirty)?\nlibgit2 1\\.[0-9]+\\.[0-9]+\nlibyaml 0\\.[0-9.]+\njansson 2\\.[0-9.]+$' \
	"--version: the commit, and the libgit2, libyaml and jansson inside"

PLAIN=$TOP/examples/manifest-repo/plain
run bare gitops-render -n demo --app demo "$PLAIN"
is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" -n demo --app demo "$PLAIN")" "gitops-render DIR writes what the dynamic build writes"

# The native Helm engine's libraries (libcrypto: sha256sum, genCA; PCRE2: regexMatch; libxcrypt:
# htpasswd) are inside too: the dynamic build loads them on first use.
HC=$TOP/tests/fixtures/helm-corpus
for chart in bitnami-web regex; do
	run bare gitops-render --engine native -n demo "$HC/$chart"
	is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" --engine native -n demo "$HC/$chart")" \
		"the native Helm engine renders $chart (sha256sum, regexMatch) as the dynamic build does" || sed 's/^/# /' <<<"$ERR"
done
run bare gitops-render --engine native -n demo "$HC/random"
is "$RC:$(jq -r '.data["ca.crt"] | @base64d | split("\n")[0]' <<<"$OUT" 2>&1):$(jq -r '.data.ht | @base64d | .[0:9]' <<<"$OUT" 2>&1)" \
	"0:-----BEGIN CERTIFICATE-----:user:\$2a\$" "genCA and htpasswd (libcrypto; libxcrypt, its salt from arc4random_buf) work" ||
	sed 's/^/# /' <<<"$ERR"

# HTTPS, a token, a commit and a push (libgit2, mbedTLS, zlib, http-parser inside), checked with git.
git_server_start --https
git_cli_env
URL=$(git_repo_create manifests --from "$TOP/examples/manifest-repo")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
run bare gitops-set-image --repo "$URL" --file charts/my-app/values.yaml --set image.tag=9.9.9 \
	--ca-file "$GIT_SERVER_CA" --cache-dir "$TMP/cache" --author "CI <ci@example.org>" -o json
is "$RC" 0 "gitops-set-image pushes over HTTPS with the C library alone" || sed 's/^/# /' <<<"$ERR"
git clone -q "$URL" "$TMP/check" && grep -q 'tag: "\?9\.9\.9' "$TMP/check/charts/my-app/values.yaml"
ok $? "git sees the new tag on the server"
run bare gitops-history --repo "$URL" --file charts/my-app/values.yaml --key image.tag --ca-file "$GIT_SERVER_CA" \
	--cache-dir "$TMP/cache" -o json
is "$RC:$(head -n 1 <<<"$OUT" | jq -r '.values["image.tag"]')" "0:9.9.9" "gitops-history reads it back"
run bare gitops-render --repo "$URL" --revision main --path plain --ca-file "$GIT_SERVER_CA" --cache-dir "$TMP/cache" -n demo
is "$RC:$OUT" "0:$("$TOP/bin/gitops-render" -n demo "$PLAIN")" "gitops-render --repo renders from the server"
# Trust without --ca-file: the system's bundle where another distribution keeps it (here /etc/ssl
# holds only cert.pem, Alpine's place, with the server's CA: no Debian bundle), or SSL_CERT_FILE.
mkdir -p "$TMP/etc-ssl" && cp "$GIT_SERVER_CA" "$TMP/etc-ssl/cert.pem"
elsewhere() {
	local cmd
	cmd=$(command -v "$1") && shift &&
		unshare --mount --propagation private /bin/sh -c 'mount --bind "$2" /etc/ssl && mount --bind "$0" "$1" && shift 2 && exec "$@"' \
			"$LIBC_ONLY" "$LIBDIR" "$TMP/etc-ssl" "$cmd" "$@"
}
run elsewhere gitops-history --repo "$URL" --file charts/my-app/values.yaml --key image.tag --cache-dir "$TMP/cache2" -o json
is "$RC:$(head -n 1 <<<"$OUT" | jq -r '.values["image.tag"]' 2>/dev/null)" "0:9.9.9" \
	"no Debian CA bundle: the tools find the system's elsewhere (/etc/ssl/cert.pem)" || sed 's/^/# /' <<<"$ERR"
run bare env SSL_CERT_FILE="$GIT_SERVER_CA" gitops-history --repo "$URL" --file charts/my-app/values.yaml --key image.tag \
	--cache-dir "$TMP/cache3" -o json
is "$RC" 0 "SSL_CERT_FILE names the bundle to trust, as for OpenSSL, git and curl" || sed 's/^/# /' <<<"$ERR"
run bare gitops-history --repo "$URL" --file charts/my-app/values.yaml --key image.tag --cache-dir "$TMP/cache4" -o json
is "$RC" 3 "control: without either, the server's private CA is not trusted (exit 3)"

"$TOP/bin/gitops-render" -n demo "$PLAIN" >"$TMP/desired.json"
run bare gitops-diff -f "$TMP/desired.json" --live-file "$TMP/desired.json"
is "$RC" 0 "gitops-diff: no differences between equal sets"

# --- the README's two-line install ----------------------------------------------------------------

# The two lines under "## Install", as written, with the release URL pointed at a local copy served
# over HTTP and /usr/local at a directory of the test's (and no sudo: the test is root).
mapfile -t LINES < <(sed -n '/^## Install/,/^## /p' "$TOP/README.md" | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' | head -n 2)
is "${#LINES[@]}" 2 "README: the Install section starts with two command lines"
like "${LINES[0]}" "curl .*$NAME\\.tar\\.gz" "README line 1 downloads the archive (and its checksum)"
like "${LINES[1]}" "sha256sum -c .* tar " "README line 2 checks the checksum, then unpacks"
mkdir -p "$TMP/www/v$VERSION" "$TMP/prefix"
cp "$TGZ" "$TGZ.sha256" "$TMP/www/v$VERSION/"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0 >"$TMP/www.log" 2>&1 &
WWW_PID=$!
at_exit "kill $WWW_PID 2>/dev/null"
for _ in $(seq 300); do # up to 30 s: python starts slowly on a loaded machine
	PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/www.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
url_base=$(grep -o 'https://[^ ]*/v[0-9.]*/' <<<"${LINES[0]}" | head -n 1)
script=$(printf '%s\n' "${LINES[@]}" | sed -e "s|$url_base|http://127.0.0.1:$PORT/v$VERSION/|g" \
	-e "s|sudo ||g" -e "s|-C /usr/local|-C $TMP/prefix|g")
(mkdir -p "$TMP/dl" && cd "$TMP/dl" && bash -euo pipefail -c "$script") >"$TMP/install.out" 2>&1
ok $? "the README's two lines download, verify and unpack" || sed 's/^/# /' "$TMP/install.out"
run bare "$TMP/prefix/bin/gitops-render" --version
is "$RC:$(sed -n 1p <<<"$OUT")" "0:gitops-render (gitops-tools) $VERSION" "and PREFIX/bin/gitops-render runs with the C library alone"
[ -f "$TMP/prefix/share/man/man1/gitops-render.1" ]
ok $? "the man pages land in PREFIX/share/man"
# A wrong checksum stops the second line before anything is unpacked.
echo "0000000000000000000000000000000000000000000000000000000000000000  $NAME.tar.gz" >"$TMP/www/v$VERSION/$NAME.tar.gz.sha256"
rm -rf "$TMP/prefix" "$TMP/dl" && mkdir -p "$TMP/prefix" "$TMP/dl"
(cd "$TMP/dl" && bash -euo pipefail -c "$script") >"$TMP/install.out" 2>&1
isnt_rc=$?
ok $((isnt_rc == 0)) "with a wrong checksum the two lines fail"
is "$(find "$TMP/prefix" -mindepth 1 | head -n 3)" "" "and install nothing"

done_testing
