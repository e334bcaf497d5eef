#!/usr/bin/env bash
# `make base-image`: the grader image's base built without a registry, for build hosts that
# cannot pull python:3.11-slim. Debian bookworm's own Python is 3.11 (the pin in
# autograder/pins.py): a minimal root file system from Debian packages (debootstrap) with
# python3 and python3-venv, imported into the engine as one image. About a minute.
#
#   scripts/docker/base_image.sh [NAME]       default NAME: d2l-convolutions-base:bookworm
#
# Needs root, debootstrap, a running engine and a Debian mirror: DEBIAN_MIRROR (default
# http://deb.debian.org/debian; a local mirror on an air-gapped host, or a snapshot.debian.org
# URL for a reproducible base).
set -euo pipefail
name=${1:-d2l-convolutions-base:bookworm}
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
python=$(cd "$(dirname "$0")/../.." && "${PYTHON:-python3}" -m autograder.pins python 2>/dev/null \
         || echo 3.11)

[ "$(id -u)" = 0 ] || { echo "base_image.sh: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null \
    || { echo "base_image.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }

root=$(mktemp -d /var/tmp/d2l-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite from $mirror into $root" >&2
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3 \
    "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Python must be the pinned major.minor, or the wheelhouse's cp3XX wheels will not install.
have=$(chroot "$root" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$have" = "$python" ] \
    || { echo "base_image.sh: $suite has Python $have, the pin is $python" >&2; exit 1; }
# Package caches are of no use in the image.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
       "$root"/usr/share/man "$root"/usr/share/locale
chmod 755 "$root"  # mktemp made it 0700, and it becomes the image's /
tar --numeric-owner -C "$root" -c . \
    | docker import --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["python3"]' --message "debootstrap --variant=minbase $suite" - "$name" \
    >/dev/null
echo "$name: Debian $suite, Python $have" >&2
