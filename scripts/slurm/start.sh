#!/usr/bin/env bash
# A single-node Slurm on this machine, for CI (.ci/run) and for trying `grade --cluster slurm`
# (tests/repo/test_slurm.py grades the examples on it; docs/cluster.md, "A Slurm site").
#
# - installs Debian's slurmctld, slurmd, slurm-client and munge with apt-get when missing (root
#   only);
# - writes /etc/slurm/slurm.conf for this machine: SlurmctldHost and NodeName = `hostname`,
#   CPUs = `nproc`, RealMemory from `slurmd -C`, one partition `debug`; no cgroup plugins
#   (proctrack/linuxproc, task/none: a container has no delegated cgroup tree), no accounting;
#   an existing slurm.conf that this script did not write is left alone, and so is a Slurm
#   that already answers;
# - starts munged (its /run/munge made by hand: no systemd), slurmctld and slurmd, each with a
#   pid file under $SLURM_STATE, and waits until `sinfo` shows the node idle;
# - makes an ordinary user, $SLURM_TEST_USER (d2l-grader), whose jobs the tests submit too, and
#   lets it reach this checkout and the Python `make venv` builds on ($PYTHON, python3): an ACL
#   entry granting that user alone search (x, not read) on each folder above them that it
#   could not pass (pyenv keeps Python under /root). Nothing else changes for anyone.
#
# Where Slurm cannot be started this says why and returns 0: the Slurm tests then skip, saying
# why. scripts/slurm/stop.sh stops the daemons by their pid files.
set -uo pipefail
SLURM_STATE=${SLURM_STATE:-/tmp/d2l-slurm}  # spool, logs and pid files
MARK="# written by scripts/slurm/start.sh"
CONF=/etc/slurm/slurm.conf

say() { echo "slurm: $*" >&2; }
answers() { timeout 10 sinfo -h >/dev/null 2>&1; }
node_idle() { timeout 10 sinfo -h -N -o '%t' 2>/dev/null | grep -qx 'idle'; }

# The ordinary user of tests/repo/test_slurm.py, and the folders it must pass through
prepare_user() {
    local user=${SLURM_TEST_USER:-d2l-grader} prefix target folder
    [ "$(id -u)" = 0 ] || return 0
    if ! id "$user" >/dev/null 2>&1; then
        useradd --system --create-home --home-dir "/var/lib/$user" --shell /usr/sbin/nologin \
            "$user" && say "made user $user (the Slurm tests' unprivileged jobs)"
    fi
    id "$user" >/dev/null 2>&1 && command -v setfacl >/dev/null || return 0
    prefix=$("${PYTHON:-python3}" -c 'import sys; print(sys.base_prefix)' 2>/dev/null)
    for target in "$prefix" "$(pwd)" "$(cd "$(dirname "$0")/../.." && pwd)"; do
        [ -d "$target" ] || continue
        folder=""  # from the top down: a folder is tried once the ones above it pass
        for part in $(echo "${target#/}" | tr '/' ' '); do
            folder="$folder/$part"
            if ! runuser -u "$user" -- test -x "$folder" 2>/dev/null; then
                setfacl -m "u:$user:x" "$folder" && say "$user may pass through $folder"
            fi
        done
    done
}

if answers && node_idle; then
    say "a Slurm already answers (sinfo): nothing to start"
    prepare_user
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    say "not root: cannot start Slurm here (the Slurm tests skip)"
    exit 0
fi

missing=()
command -v slurmctld >/dev/null || missing+=(slurmctld)
command -v slurmd >/dev/null || missing+=(slurmd)
command -v sbatch >/dev/null || missing+=(slurm-client)
command -v munged >/dev/null || missing+=(munge)
command -v setfacl >/dev/null || missing+=(acl)
if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then
        say "no apt-get: cannot install ${missing[*]} (the Slurm tests skip)"
        exit 0
    fi
    say "installing ${missing[*]}"
    if ! { apt-get update -q >/dev/null \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                "${missing[@]}" >/dev/null; }; then
        say "apt-get install ${missing[*]} failed (the Slurm tests skip)"
        exit 0
    fi
fi

host=$(hostname)
cpus=$(nproc)
# slurmd -C prints this node's hardware as slurm.conf wants it; RealMemory may not exceed it
memory=$(slurmd -C 2>/dev/null | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
if [ -z "$memory" ]; then
    memory=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
fi
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    say "$CONF exists and is not ours: not overwriting it (the Slurm tests skip if no Slurm answers)"
    exit 0
fi
mkdir -p "$SLURM_STATE"/{ctld,d,log} /etc/slurm
cat >"$CONF" <<EOF
$MARK: a single-node Slurm for CI ($host, $cpus CPUs, ${memory} MB)
ClusterName=d2l
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$SLURM_STATE/ctld
SlurmdSpoolDir=$SLURM_STATE/d
SlurmctldPidFile=$SLURM_STATE/slurmctld.pid
SlurmdPidFile=$SLURM_STATE/slurmd.pid
SlurmctldLogFile=$SLURM_STATE/log/slurmctld.log
SlurmdLogFile=$SLURM_STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
say "wrote $CONF ($host, $cpus CPUs, ${memory} MB)"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# munge: its socket directory by hand (systemd makes it elsewhere), then the daemon as munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    if [ ! -s /etc/munge/munge.key ]; then
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
        fi
        chown munge:munge /etc/munge/munge.key
        chmod 0400 /etc/munge/munge.key
    fi
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid >/dev/null 2>&1
    for _ in $(seq 20); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.5
    done
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        say "munged does not answer (munge -n | unmunge fails): Slurm not started"
        exit 0
    fi
    cp /run/munge/munged.pid "$SLURM_STATE/munged.pid" 2>/dev/null
fi

prepare_user
running "$SLURM_STATE/slurmctld.pid" || /usr/sbin/slurmctld
running "$SLURM_STATE/slurmd.pid" || /usr/sbin/slurmd
for _ in $(seq 60); do
    if node_idle; then
        say "up: $(sinfo -h -N -o '%N %t %c CPUs %m MB' | head -1) (logs in $SLURM_STATE/log)"
        exit 0
    fi
    # a node that was down when slurmctld last saw it: say it may serve again
    timeout 10 scontrol update nodename="$host" state=resume >/dev/null 2>&1
    sleep 1
done
say "the node did not become idle within 60 s: $(sinfo -h -N -o '%N %t %E' 2>&1 | head -1)"
say "slurmctld's log: $(tail -3 "$SLURM_STATE/log/slurmctld.log" 2>/dev/null)"
say "slurmd's log: $(tail -3 "$SLURM_STATE/log/slurmd.log" 2>/dev/null)"
exit 0
