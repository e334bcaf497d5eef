"""Shared setup of the unit tests (``tests/unit``, run by ``make check`` and ``make test``).

The folders are packages (``__init__.py``) so their modules are ``unit.grade.test_results`` and
so on: their base names may repeat those of ``tests/repo`` and this conftest never takes the
place of ``tests/repo/conftest.py``, which that folder's tests import as ``conftest``. Shared
hypothesis strategies live in ``tests/unit/strategies.py`` (``from tests.unit.strategies import
...``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Deterministic (the same examples on every run and machine) and without deadlines: the machine
# is shared, and a slow example is no bug. HYPOTHESIS_PROFILE=explore draws fresh examples.
settings.register_profile("repo", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repo"))
