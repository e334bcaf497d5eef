"""The ``grade`` command's options for cluster grading (argparse only: importing this module
must not import Dask, which only cluster grading needs)."""

from __future__ import annotations

import argparse
from pathlib import Path

# seconds a run waits for a worker, at the start and later: what a person waits for at a
# terminal (a Slurm job that waits longer is explained from squeue's reason meanwhile)
WAIT_FOR_WORKERS = 120.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "cluster grading (Dask; see docs/cluster.md)",
        "Grade on the workers of a Dask cluster instead of local sandboxes; --jobs is then "
        "the workers' business. Results are written here, as by a local run.")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="a running Dask scheduler, e.g. tls://head-node:8786")
    where.add_argument("--cluster", choices=["slurm"], default=None,
                       help="start the workers as Slurm jobs (dask-jobqueue) and a scheduler "
                            "in this process; with --device cuda each job asks for a GPU")
    group.add_argument("--wait-workers", type=float, default=WAIT_FOR_WORKERS, metavar="SECONDS",
                       help="give up when the cluster has had no worker this long: at the "
                            "start, nothing is graded; later, the submissions left get error "
                            "rows (default: %(default)g)")
    group.add_argument("--tls-ca-file", type=Path, default=None, metavar="PEM",
                       help="--scheduler: the CA that signed the scheduler's certificate")
    group.add_argument("--tls-cert", type=Path, default=None, metavar="PEM",
                       help="--scheduler: this client's certificate")
    group.add_argument("--tls-key", type=Path, default=None, metavar="PEM",
                       help="--scheduler: this client's key")
    group.add_argument("--cluster-jobs", type=int, default=1, metavar="N",
                       help="--cluster slurm: jobs to keep running; one that is lost is "
                            "submitted again (default: 1)")
    group.add_argument("--cluster-cores", type=int, default=4, metavar="N",
                       help="--cluster slurm: cores per job, one single-threaded worker "
                            "(and sandbox) each (default: 4)")
    group.add_argument("--cluster-memory", default="16GB", metavar="SIZE",
                       help="--cluster slurm: memory per job (default: 16GB)")
    group.add_argument("--cluster-walltime", default="01:00:00", metavar="HH:MM:SS",
                       help="--cluster slurm: time limit per job (default: 01:00:00)")
    group.add_argument("--cluster-queue", default=None, metavar="PARTITION",
                       help="--cluster slurm: the partition (default: the site's)")
    group.add_argument("--cluster-directive", action="append", default=[], metavar="OPTION",
                       help="--cluster slurm: an extra #SBATCH option, e.g. "
                            "--cluster-directive=--account=cs101 (repeatable)")
    group.add_argument("--cluster-gres", default=None, metavar="GRES",
                       help="--cluster slurm: the job's generic resources, e.g. gpu:1 or "
                            "gpu:a100:1 (default with --device cuda: gpu:1)")
    group.add_argument("--cluster-host", default=None, metavar="ADDRESS",
                       help="--cluster slurm: the address the scheduler listens on, one the "
                            "compute nodes reach (default: jobqueue's interface, else this "
                            "machine's outward address)")
    group.add_argument("--cluster-dashboard", nargs="?", const="127.0.0.1:8787", default=None,
                       metavar="HOST:PORT",
                       help="--cluster slurm: serve Dask's dashboard (plain HTTP) on this "
                            "address (default without it: no dashboard; with it alone: "
                            "%(const)s, for an ssh tunnel)")
