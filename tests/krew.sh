# tests/krew.sh: krew's manifest checks and its install, for plugins.t and tests/dist/krew.t
# (bash, after tests/lib.sh). No krew binary can be installed here (it is in neither Debian's
# archive nor the npm registry), so krew_install does what krew's code does, step by step
# (sigs.k8s.io/krew internal/installation and internal/download).

# krew_check JSON WHAT: the fields krew validates (pkg/index/validation), one test each.
krew_check() {
	local m=$1 what=$2
	is "$(jq -r .apiVersion <<<"$m")" krew.googlecontainertools.github.com/v1alpha2 "$what: apiVersion"
	is "$(jq -r .kind <<<"$m")" Plugin "$what: kind Plugin"
	is "$(jq -r .metadata.name <<<"$m")" gitops "$what: metadata.name is the file's name, gitops"
	jq -e '.spec.shortDescription | type == "string" and length > 0' <<<"$m" >/dev/null
	ok $? "$what: spec.shortDescription"
	jq -e '(.spec.description | type == "string") and (.spec.homepage | type == "string")' <<<"$m" >/dev/null
	ok $? "$what: spec.description and spec.homepage"
	jq -e '.spec.platforms | type == "array" and length > 0' <<<"$m" >/dev/null
	ok $? "$what: spec.platforms is a non-empty list"
	jq -e '[.spec.platforms[] | .selector.matchLabels // {} | length > 0 and (keys - ["arch", "os"] == [])] | all' \
		<<<"$m" >/dev/null
	ok $? "$what: every platform has a selector on os and arch only"
	jq -e '[.spec.platforms[] | .uri | type == "string" and (endswith(".tar.gz") or endswith(".zip"))] | all' \
		<<<"$m" >/dev/null
	ok $? "$what: every uri is a .tar.gz or .zip"
	jq -e '[.spec.platforms[] | (.files | type == "array" and length > 0) and
		([.files[] | (.from | type == "string" and length > 0) and (.to | type == "string")] | all)] | all' \
		<<<"$m" >/dev/null
	ok $? "$what: every platform copies files {from, to}"
	is "$(jq -r '[.spec.platforms[].bin] | unique | join(" ")' <<<"$m")" kubectl-gitops \
		"$what: bin is kubectl-gitops on every platform (what make install links too)"
}

# krew_install JSON ARCHIVE KREW_ROOT [ROOT]: install the plugin of manifest JSON from ARCHIVE
# (`kubectl krew install --manifest=M --archive=ARCHIVE`) into KREW_ROOT, as krew does:
#   1. the platform whose selector matches this machine's os and arch (linux, dpkg's arch);
#   2. the archive's sha256 must be the platform's (krew checks before unpacking);
#   3. unpacked keeping modes, refusing anything but directories and regular files;
#   4. each files[] {from, to}: a direct path, else a glob, each match moved to to/its name, into
#      a temporary directory that then becomes KREW_ROOT/store/NAME/VERSION;
#   5. bin must be there; KREW_ROOT/bin/kubectl-NAME (a "-" in NAME as "_") links to it by its
#      absolute path, as seen from ROOT when KREW_ROOT lies in a root file system to chroot to;
#   6. the receipt KREW_ROOT/receipts/NAME.yaml (the manifest; krew adds a status).
# Returns non-zero, saying why on stderr, where krew would fail.
krew_install() {
	local m=$1 archive=$2 kroot=$3 root=${4:-} p name version stage tmp from to f bin arch
	arch=$(dpkg --print-architecture)
	p=$(jq -c --arg arch "$arch" '[.spec.platforms[] | select(.selector.matchLabels == {"os": "linux", "arch": $arch})][0] // empty' <<<"$m")
	[ -n "$p" ] || { echo "krew: plugin does not offer installation for linux/$arch" >&2; return 1; }
	[ "$(sha256sum "$archive" | cut -c1-64)" = "$(jq -r .sha256 <<<"$p")" ] ||
		{ echo "krew: checksum does not match" >&2; return 1; }
	if tar -tvzf "$archive" | grep -q '^[^d-]'; then
		echo "krew: unable to handle file type in tar (only directories and regular files)" >&2
		return 1
	fi
	name=$(jq -r .metadata.name <<<"$m") version=$(jq -r .spec.version <<<"$m")
	stage=$(mktemp -d "$TMP/krew-download.XXXXXX") tmp=$(mktemp -d "$TMP/krew-temp-move.XXXXXX")
	chmod 755 "$tmp"
	tar -xzpf "$archive" -C "$stage" || return 1
	while IFS=$'\t' read -r from to; do
		if [ -e "$stage/$from" ]; then
			[ "$to" = . ] && to=${from##*/}
			mkdir -p "$(dirname "$tmp/$to")" && mv "$stage/$from" "$tmp/$to" || return 1
		else
			local matched=
			# shellcheck disable=SC2086 # from is a glob, as filepath.Glob reads it
			for f in "$stage"/$from; do
				[ -e "$f" ] || continue
				matched=1
				mkdir -p "$tmp/$to" && mv "$f" "$tmp/$to/${f##*/}" || return 1
			done
			[ -n "$matched" ] || { echo "krew: no files in the plugin archive matched $from" >&2; return 1; }
		fi
	done < <(jq -r '.files[] | [.from, .to] | @tsv' <<<"$p")
	mkdir -p "$kroot/store/$name" "$kroot/bin" "$kroot/receipts"
	mv "$tmp" "$kroot/store/$name/$version" || return 1
	bin=$(jq -r .bin <<<"$p")
	[ -f "$kroot/store/$name/$version/$bin" ] ||
		{ echo "krew: could not find plugin executable \"$bin\" in the installation directory" >&2; return 1; }
	ln -sfn "${kroot#"$root"}/store/$name/$version/$bin" "$kroot/bin/kubectl-${name//-/_}"
	jq . <<<"$m" >"$kroot/receipts/$name.yaml" # JSON is YAML
	rm -rf "$stage"
}

# krew_uninstall NAME KREW_ROOT: `kubectl krew uninstall NAME`: the store directory, the link, the receipt.
krew_uninstall() {
	rm -rf "${2:?}/store/$1" && rm -f "$2/bin/kubectl-${1//-/_}" "$2/receipts/$1.yaml"
}
