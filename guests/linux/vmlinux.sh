#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Extracts the uncompressed ELF vmlinux (the PVH image) from a bzImage: the
# payload named by the setup header's payload_offset and payload_length
# (Documentation/arch/x86/boot.rst, protocol 2.08+), decompressed by its
# magic number with Debian's tools.
# Usage: vmlinux.sh BZIMAGE OUT
set -eu
img=$1 out=$2
u8() { od -An -tu1 -j "$1" -N1 "$img" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$img" | tr -d ' '; }
setup_sects=$(u8 497)			# 0x1f1
[ "$setup_sects" -eq 0 ] && setup_sects=4
start=$(( (setup_sects + 1) * 512 + $(u32 584) ))	# + payload_offset (0x248)
len=$(u32 588)					# payload_length (0x24c)
magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' ')
# Linux's scripts/Makefile.lib appends the uncompressed size (4 bytes) to
# every payload but gzip's, whose own trailer holds it.
payload() { tail -c +"$((start + 1))" "$img" | head -c "$(($len - $1))"; }
case $magic in
1f8b*)		payload 0 | gzip -dc >"$out" ;;
fd377a58)	payload 4 | xz -dc >"$out" ;;
02214c18)	payload 4 | lz4 -dc >"$out" ;;
28b52ffd)	payload 4 | zstd -dc >"$out" ;;
*)		echo "vmlinux.sh: $img: unknown payload compression (magic $magic)" >&2; exit 1 ;;
esac
head -c 4 "$out" | grep -q ELF || { echo "vmlinux.sh: $img: payload is not an ELF" >&2; exit 1; }
