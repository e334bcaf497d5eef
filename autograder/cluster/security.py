"""TLS for cluster grading: per-run certificates for ``--cluster slurm``, the instructor's own for
``--scheduler``.

A Dask scheduler runs whatever function a client sends it, so nobody but this run's workers and
client may connect to it. ``--cluster slurm`` makes a key and a self-signed certificate for each
run (``openssl``: no Python dependency), and the scheduler, the workers and the client all
present it and accept only it (Dask's TLS requires the peer's certificate on both sides). The
key lives in a folder only the instructor can read, on the file system the jobs share with the
login node, and is deleted when the run ends.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

DAYS = 7  # a run's certificate outlives any run; the key is deleted when the run ends


class CertificateError(RuntimeError):
    """The run's certificate could not be made."""


def run_certificate(parent: Path) -> Path:
    """A fresh folder under ``parent`` (mode 0700) holding ``key.pem`` and ``cert.pem``: an
    EC P-256 key and a certificate signed by itself, which is also the CA that every side
    checks the others against."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError("cannot make the run's TLS certificate: openssl is not "
                               "installed (apt-get install openssl)")
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="tls-", dir=parent))  # 0700
    key, cert = folder / "key.pem", folder / "cert.pem"
    old = os.umask(0o077)
    try:
        done = subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(DAYS),
             "-subj", "/CN=autograder-dask-run", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
            capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.umask(old)
    if done.returncode != 0 or not key.is_file() or not cert.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        raise CertificateError(f"cannot make the run's TLS certificate: openssl says "
                               f"{' '.join(done.stderr.split())[:300]}")
    return folder


def run_security(folder: Path) -> Any:
    """Dask's ``Security`` for every role with the certificate of ``run_certificate``."""
    from distributed.security import Security

    key, cert = str(folder / "key.pem"), str(folder / "cert.pem")
    return Security(tls_ca_file=cert, tls_scheduler_cert=cert, tls_scheduler_key=key,
                    tls_worker_cert=cert, tls_worker_key=key, tls_client_cert=cert,
                    tls_client_key=key, require_encryption=True)


def instructor_security(args: argparse.Namespace) -> Any:
    """The client's ``Security`` for ``--scheduler`` with ``--tls-ca-file``/``--tls-cert``/
    ``--tls-key`` (None without them: Dask's configuration decides, as before)."""
    given = (args.tls_ca_file, args.tls_cert, args.tls_key)
    if not any(given):
        return None
    from distributed.security import Security

    return Security(tls_ca_file=_path(args.tls_ca_file), tls_client_cert=_path(args.tls_cert),
                    tls_client_key=_path(args.tls_key), require_encryption=True)


def _path(value: Path | None) -> str | None:
    return None if value is None else str(value)


def missing_files(args: argparse.Namespace) -> list[str]:
    """The certificate files named on the command line that cannot be read."""
    return [f"{flag} {path}" for flag, path in (("--tls-ca-file", args.tls_ca_file),
                                                ("--tls-cert", args.tls_cert),
                                                ("--tls-key", args.tls_key))
            if path is not None and not os.access(path, os.R_OK)]
