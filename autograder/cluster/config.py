"""The scheduler settings cluster grading relies on, in one place (slurm.py sets them on the
scheduler it starts; docs/cluster.md shows them as environment variables for `dask scheduler`).
"""

from __future__ import annotations

# allowed-failures: a task whose workers died this many times, plus one, is given up (the
# submission gets an error row). worker-saturation 1.0: a worker holds one submission per
# thread, so a worker that dies takes no innocent queued submission's try with it (this holds
# for batches larger than twice the cluster's threads, which Dask queues on the scheduler).
SCHEDULER = {
    "distributed.scheduler.allowed-failures": 2,
    "distributed.scheduler.worker-saturation": 1.0,
}


def environment(settings: dict[str, object]) -> dict[str, str]:
    """Dask settings as the environment variables Dask reads them from."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
            for key, value in settings.items()}
