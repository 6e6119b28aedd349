#!/bin/bash
# Creates the local image busybox:latest when it is missing, without any registry: a scratch
# image holding Debian's statically linked /bin/busybox (package busybox-static), one link per
# applet in /bin, /tmp (1777), /root, and /etc/passwd + /etc/group with root and nobody.
#
# Idempotent: does nothing when the image exists. Installs busybox-static with apt-get when it
# is missing (that part needs root). The integration tests call this script themselves.
#
# Usage: scripts/busybox-image.sh [image]      (default image: busybox:latest)
set -euo pipefail

image="${1:-busybox:latest}"

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi

# The dynamically linked busybox of the `busybox` package would not run in a scratch image.
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  echo "busybox-image: installing busybox-static" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq busybox-static >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
fi
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-image: $busybox is missing after installing busybox-static" >&2; exit 1; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF

tar --numeric-owner --owner=0 --group=0 -C "$root" -c . \
  | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' \
      --change 'LABEL org.rcompose.origin=busybox-static' \
      - "$image" >/dev/null

echo "busybox-image: created $image from $("$busybox" | head -n1 | cut -d' ' -f1-2)" >&2
