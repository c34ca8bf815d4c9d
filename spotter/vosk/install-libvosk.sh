#!/usr/bin/env bash
# install-libvosk.sh installs libvosk 0.3.39 (the linux-x86_64 build that the
# vosk npm package ships) as /usr/local/lib/libvosk.so, and the C header the Go
# binding needs (spotter/vosk/include/vosk_api.h) as
# /usr/local/include/vosk_api.h, then runs ldconfig.
#
# Idempotent: when the installed library already has the pinned sha256 and the
# installed header equals ours, it does nothing. A download whose hash differs
# from the pin is refused. Needs root (or PREFIX set to a writable place), npm
# and sha256sum.
#
#   bash spotter/vosk/install-libvosk.sh            # install or check
#   PREFIX=/opt/vosk bash spotter/vosk/install-libvosk.sh
set -euo pipefail

VERSION=0.3.39
SHA256=9f94ef218c32e271ae8ac84065ab25191af48832c06c6e624984b1c80f0b0920
PREFIX=${PREFIX:-/usr/local}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
header_src=$here/include/vosk_api.h
lib=$PREFIX/lib/libvosk.so
header=$PREFIX/include/vosk_api.h

die() { echo "install-libvosk: $*" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
	die "libvosk $VERSION from npm is built for Linux x86_64 only, this is $(uname -s)-$(uname -m); build with -tags novosk instead"
[ -f "$header_src" ] || die "missing $header_src"

lib_ok() { [ -f "$lib" ] && [ "$(sha256sum "$lib" | cut -d' ' -f1)" = "$SHA256" ]; }
header_ok() { [ -f "$header" ] && cmp -s "$header_src" "$header"; }

if lib_ok && header_ok; then
	echo "install-libvosk: libvosk $VERSION already installed in $PREFIX"
	exit 0
fi

if ! lib_ok; then
	command -v npm >/dev/null || die "npm is needed to fetch the vosk@$VERSION package (apt-get install npm)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "vosk@$VERSION" >/dev/null) ||
		die "npm pack vosk@$VERSION failed"
	tar -xzf "$tmp/vosk-$VERSION.tgz" -C "$tmp" package/lib/linux-x86_64/libvosk.so ||
		die "vosk-$VERSION.tgz has no package/lib/linux-x86_64/libvosk.so"
	got=$(sha256sum "$tmp/package/lib/linux-x86_64/libvosk.so" | cut -d' ' -f1)
	[ "$got" = "$SHA256" ] ||
		die "libvosk.so from vosk@$VERSION has sha256 $got, want $SHA256; not installing"
	install -D -m 0755 "$tmp/package/lib/linux-x86_64/libvosk.so" "$lib"
	echo "install-libvosk: installed $lib"
fi

if ! header_ok; then
	install -D -m 0644 "$header_src" "$header"
	echo "install-libvosk: installed $header"
fi

if [ "$(id -u)" = 0 ]; then
	ldconfig
fi
lib_ok || die "$lib does not have sha256 $SHA256 after install"
