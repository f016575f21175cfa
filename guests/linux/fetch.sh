#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Fetches a Debian package's files through apt-get, without installing it:
# resolves a metapackage (linux-image-cloud-amd64) to the package it
# depends on (linux-image-6.1.0-NN-cloud-amd64), downloads the .deb with
# `apt-get download` and unpacks it with dpkg-deb into DIR.
# Usage: fetch.sh PACKAGE DIR
set -eu
pkg=$1 dir=$2
# A metapackage names the real kernel package in its Depends.
real=$(apt-cache depends "$pkg" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$real" ] && pkg=$real
rm -rf "$dir" && mkdir -p "$dir/deb"
# As root, apt-get's download sandbox user (_apt) cannot write here.
[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root" || sandbox=
if ! (cd "$dir/deb" && apt-get -q $sandbox download "$pkg"); then
	echo "fetch.sh: apt-get download $pkg failed; are the package lists there? (apt-get update)" >&2
	exit 1
fi
dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
echo "$pkg" >"$dir/package"
