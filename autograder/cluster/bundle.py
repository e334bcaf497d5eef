"""The grader bundle the client ships to cluster workers: a zip of ``paths.grader_files()``.

The zip is deterministic (sorted names, fixed timestamps and modes), so its SHA-256 names one
version of the grader and its check bank: a worker grades only with the bundle whose digest
the client sent.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from autograder import paths

EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time in the digest


def build_bundle() -> tuple[bytes, str]:
    """(the zip's bytes, their SHA-256 in hex)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in paths.grader_files():
            info = zipfile.ZipInfo(path.relative_to(paths.REPO).as_posix(), date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()
