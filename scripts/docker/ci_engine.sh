#!/usr/bin/env bash
# CI (.ci/run): a running Docker engine and the CPU grader images, so that `make test` grades
# the examples in containers for real (tests/repo/test_docker.py).
#
# - installs docker.io and debootstrap with apt-get when missing (root only);
# - starts dockerd when no engine answers, with the settings this machine kind supports:
#   the vfs storage driver (no overlayfs inside the CI container), no iptables, no bridge
#   (containers run with --network none anyway); its log goes to $DOCKERD_LOG;
# - builds the images with `make image` (the Debian base is built offline when no registry
#   can be reached), within IMAGE_TIMEOUT seconds.
#
# Where no engine can be started this says why and returns 0: the container tests then skip
# with the reason. Where an engine runs but the images cannot be built, it fails CI.
set -uo pipefail
cd "$(dirname "$0")/../.."
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/d2l-dockerd.log}
IMAGE_TIMEOUT=${IMAGE_TIMEOUT:-1200}

say() { echo "ci_engine: $*" >&2; }
engine_up() { docker info >/dev/null 2>&1; }

install_missing() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    [ "${#missing[@]}" -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        say "not root with apt-get: cannot install ${missing[*]}"
        return 0
    fi
    say "installing ${missing[*]}"
    apt-get update -q >/dev/null \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
        || say "apt-get install ${missing[*]} failed"
}

start_engine() {
    engine_up && return 0
    if ! command -v dockerd >/dev/null || [ "$(id -u)" != 0 ]; then
        say "no engine answers and none can be started here (dockerd missing or not root)"
        return 1
    fi
    say "starting dockerd (vfs, no iptables, no bridge); log in $DOCKERD_LOG"
    nohup dockerd --storage-driver vfs --iptables=false --bridge=none \
        >"$DOCKERD_LOG" 2>&1 </dev/null &
    for _ in $(seq 60); do
        engine_up && return 0
        kill -0 $! 2>/dev/null || break
        sleep 1
    done
    say "dockerd did not answer; the end of its log:"
    tail -5 "$DOCKERD_LOG" >&2
    return 1
}

install_missing
if ! start_engine; then
    say "no container engine: the container tests will skip"
    exit 0
fi
start=$SECONDS
if ! timeout "$IMAGE_TIMEOUT" make image; then
    say "make image failed or took over $IMAGE_TIMEOUT s"
    exit 1
fi
say "images built in $((SECONDS - start)) s"
