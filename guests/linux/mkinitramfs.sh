#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Builds the Linux guest's initramfs (a gzip'd newc cpio) from Debian's
# statically linked busybox and the files of guests/linux/.
# Usage: mkinitramfs.sh BUSYBOX OUT.cpio.gz   (run under fakeroot: the
# archive holds /dev/console, which the kernel opens before init runs)
set -eu
busybox=$1 out=$2
here=$(dirname "$0")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc/init.d" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
ln -s /bin/busybox "$root/init"	# busybox init, reading /etc/inittab
install -m 644 "$here/inittab" "$root/etc/inittab"
install -m 755 "$here/rcS" "$root/etc/init.d/rcS"
install -m 644 "$here/profile" "$root/etc/profile"
mknod -m 600 "$root/dev/console" c 5 1
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n > "$out"
