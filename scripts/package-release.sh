#!/usr/bin/env bash
# Packages one built sqltest binary as the release asset `action.yml` downloads:
#   sqltest-<version>-<target>.tar.gz         (sqltest at the top, with README.md and LICENSE* if present)
#   sqltest-<version>-<target>.tar.gz.sha256  ("<hex>  <file name>", as sha256sum prints it)
# The release workflow (.github/workflows/release.yml) calls it once per target; the action's
# tests call it too, so the names and the checksum format cannot drift apart.
#
#   scripts/package-release.sh BINARY VERSION TARGET OUT_DIR
#   scripts/package-release.sh target/x86_64-unknown-linux-musl/release/sqltest v1.2.3 x86_64-unknown-linux-musl dist
set -euo pipefail

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

(($# == 4)) || die "usage: package-release.sh BINARY VERSION TARGET OUT_DIR"
binary=$1 version=$2 target=$3 out=$4
[[ -f $binary && -x $binary ]] || die "$binary is not an executable file"
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || die "version '$version' is not a release tag like v1.2.3"
[[ $target =~ ^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_-]+$ ]] || die "target '$target' is not a target triple"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
asset="sqltest-$version-$target.tar.gz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/pkg
mkdir "$stage"
install -m 0755 "$binary" "$stage/sqltest"
for doc in "$repo"/README.md "$repo"/LICENSE*; do
	[[ -f $doc ]] && cp "$doc" "$stage/"
done
mkdir -p "$out"
# Sorted names, fixed owner and mtime: the same binary gives the same archive. GNU tar (`gtar`
# on macOS runners) for --owner and --mtime.
tar=$(command -v gtar || command -v tar)
(cd "$stage" && LC_ALL=C ls -A | LC_ALL=C sort) >"$tmp/list"
"$tar" --owner=0 --group=0 --numeric-owner --mtime='1970-01-01 00:00:00Z' \
	-C "$stage" -cf - -T "$tmp/list" | gzip -n -9 >"$out/$asset"
if command -v sha256sum >/dev/null 2>&1; then
	sum=$(sha256sum "$out/$asset" | cut -d' ' -f1)
else
	sum=$(shasum -a 256 "$out/$asset" | cut -d' ' -f1)
fi
printf '%s  %s\n' "$sum" "$asset" >"$out/$asset.sha256"
printf '%s\n' "$out/$asset"
