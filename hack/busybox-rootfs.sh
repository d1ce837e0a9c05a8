#!/usr/bin/env bash
# Writes a tarball of a minimal root filesystem built from the host's static
# busybox (Debian package busybox-static) to stdout, for `pod import`.
set -euo pipefail
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,etc,proc,sys,tmp,root,var,usr/bin}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf - .
