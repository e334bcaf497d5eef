#!/usr/bin/env bash
# Stops what scripts/slurm/start.sh started, by the pid files it left under $SLURM_STATE:
# slurmd, slurmctld, then munged. Jobs still queued or running are cancelled first. Nothing else is
# touched (a Slurm this script did not start has no pid files there).
set -uo pipefail
SLURM_STATE=${SLURM_STATE:-/tmp/d2l-slurm}

say() { echo "slurm: $*" >&2; }

stop() {  # stop NAME PIDFILE: SIGTERM, then SIGKILL after 10 s
    local name=$1 file=$2 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        say "stopped $name ($pid)"
    fi
    rm -f "$file"
}

if [ -f "$SLURM_STATE/slurmctld.pid" ]; then
    # every job of this Slurm (killing slurmd leaves the jobs' slurmstepd running)
    jobs=$(timeout 10 squeue -h -o '%A' 2>/dev/null | tr '\n' ' ')
    [ -n "${jobs// /}" ] && timeout 20 scancel $jobs 2>/dev/null && sleep 3
fi
stop slurmd "$SLURM_STATE/slurmd.pid"
stop slurmctld "$SLURM_STATE/slurmctld.pid"
stop munged "$SLURM_STATE/munged.pid"
exit 0
