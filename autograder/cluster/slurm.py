"""``--cluster slurm``: workers as Slurm jobs (dask-jobqueue's SLURMCluster), the scheduler in
the grading process. Anything not on the command line comes from dask-jobqueue's own
configuration (``~/.config/dask/jobqueue.yaml``: account, interface, job_script_prologue...).
"""

from __future__ import annotations

import argparse
from typing import Any

from . import config


def job_options(args: argparse.Namespace) -> dict[str, Any]:
    """SLURMCluster's keyword arguments for these options."""
    directives = list(args.cluster_directive)
    if args.device == "cuda" and not any(d.startswith(("--gres", "--gpus", "-G"))
                                         for d in directives):
        directives.append("--gres=gpu:1")
    options: dict[str, Any] = {
        "cores": args.cluster_cores,
        "processes": args.cluster_cores,  # one thread per worker: one sandbox per worker
        "memory": args.cluster_memory,
        "walltime": args.cluster_walltime,
        "job_extra_directives": directives,
    }
    if args.cluster_queue:
        options["queue"] = args.cluster_queue
    return options


def slurm_cluster(args: argparse.Namespace) -> Any:
    """A SLURMCluster for ``args`` with ``config.SCHEDULER``'s settings, its jobs submitted."""
    import dask
    from dask_jobqueue import SLURMCluster

    with dask.config.set(config.SCHEDULER):  # read when the scheduler starts, i.e. here
        cluster = SLURMCluster(**job_options(args))
    cluster.scale(jobs=args.cluster_jobs)
    return cluster
