"""What the client sends to workers *by value*: the plugin that installs the grader bundle, and
the task that grades one submission.

Dask's scheduler unpickles every task it receives, and workers unpickle plugins before they
can import anything of ours, so neither may be pickled as a reference to ``autograder``. Both
are made inside functions here, which makes cloudpickle (Dask's fallback) carry their code;
that code uses only the standard library until the bundle is on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograder.bundle import DIGEST_FILE  # (a str: the pickled plugin carries its value)

PLUGIN = "autograder-bundle"


def make_plugin(bundle: bytes, digest: str) -> Any:
    """A WorkerPlugin that unpacks ``bundle`` into the worker's directory and puts it first on
    ``sys.path`` (setup), and closes the worker's sandboxes when the worker closes."""
    from distributed import WorkerPlugin

    class GraderBundle(WorkerPlugin):
        name = PLUGIN

        def __init__(self, bundle: bytes, digest: str) -> None:
            self.bundle, self.digest = bundle, digest

        def setup(self, worker: Any) -> None:
            import importlib
            import io
            import os
            import sys
            import tempfile
            import zipfile

            root = os.path.join(worker.local_directory, f"autograder-{self.digest[:16]}")
            if not os.path.isdir(root):  # unpack beside it, then rename: never half a bundle
                staged = tempfile.mkdtemp(prefix=".autograder-", dir=worker.local_directory)
                with zipfile.ZipFile(io.BytesIO(self.bundle)) as zf:
                    zf.extractall(staged)
                with open(os.path.join(staged, DIGEST_FILE), "w", encoding="ascii") as fh:
                    fh.write(self.digest)
                os.chmod(staged, 0o755)
                os.rename(staged, root)
            loaded = sys.modules.get("autograder")
            if loaded is not None and os.path.dirname(os.path.dirname(
                    os.path.realpath(loaded.__file__ or ""))) != os.path.realpath(root):
                raise RuntimeError(
                    f"worker {worker.address} already runs another version of the grader "
                    f"(from {os.path.dirname(loaded.__file__ or '')}); restart the workers "
                    "(stop and start `dask worker`) and grade again")
            if root not in sys.path:
                sys.path.insert(0, root)
                importlib.invalidate_caches()

        def teardown(self, worker: Any) -> None:
            import sys

            # Only when the worker closes: a run that registers the bundle again (its own, or
            # another run's on a shared cluster) must not close sandboxes that are grading.
            remote = sys.modules.get("autograder.cluster.remote")
            if remote is not None and getattr(worker.status, "name", "") in (
                    "closing", "closed", "failed"):
                remote.close_sandboxes()

    return GraderBundle(bundle, digest)


def make_task() -> Callable[[str], str]:
    """The task: a JSON request in (``protocol.request``), a JSON reply out."""

    def grade_remote(request: str) -> str:
        try:
            from autograder.cluster.remote import grade_request
        except Exception as exc:  # noqa: BLE001 - no bundle here: a reply, not a pickled error
            import json

            return json.dumps({"fault": f"the worker cannot import the grader "
                                        f"({type(exc).__name__}: {exc})"})
        return grade_request(request)

    return grade_remote
