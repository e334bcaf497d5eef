"""Grading on a Dask cluster: ``python -m autograder grade ... --scheduler ADDRESS``.

The client (``client.py``) reads each submission, ships the grader bundle to the workers
(``bundle.py``, ``boot.py``), sends one task per submission and writes every result the task
returns as it completes; a worker (``remote.py``) grades in its own sandbox and answers with
the same JSON the local run writes. ``slurm.py`` starts workers as Slurm jobs;
``processes.py`` starts real scheduler and worker processes on this machine.
"""
