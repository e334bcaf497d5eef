"""Honest variants: correct code written in other styles than the reference, which must get full
marks on its part from the hidden checks and pass the part's public tests.

The mutants (``mutants.py``) are buggy code the checks must fail; these are the other half of
the checks' validity: code as it is written elsewhere (d2l, CS231n, "Deep Learning from
Scratch", numpy-ml, popular TextCNN repositories), ported into the student API with the least
glue, within the stated rules. A check that fails one of them judges style, not correctness.

One mechanism: a variant's ``code`` is **appended** to a copy of the reference module ``file``
(as in ``tests/adversarial/corpus.py``). A top-level ``def`` or ``class`` there redefines the
reference's name, so a variant only writes the functions it changes, and it can use everything
the module already imports or defines (``torch``, ``Tensor``, ``nn``, the given helpers
``check_matrix``, ``as_pair``, ``output_size``, ``_check``, ``_float_dtype``, ``_check_int``).
Functions of the module that are not redefined (e.g. ``Conv2D`` calling ``Corr2dFunction``)
find the new definitions, since they look names up in the module at call time. Keep the stub's
given lines (argument checks outside the ``TODO``) as a student would.

``pending``: only for a correct variant that the grader still fails while a fix of the grader is
pending: the hidden check ids and public test names (``test_<module>::<test>``) it fails, and
``pending_why`` the diagnosis. The repository test then requires exactly those to fail, so any
other failure is still caught, and a fix shows up as a test to update (remove the entry).

A part's honest variants are written in its own file, ``tests/variants/<part>.py`` (its
``VARIANTS``, made with ``V``); ``VARIANTS`` here gathers them all, in the registry's order of
parts.
"""

from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:  # loaded by path: the parts' files import
    sys.path.append(str(Path(__file__).parent))  # variant_kinds from this folder

from variant_files import part_modules  # noqa: E402
from variant_kinds import HonestVariant, V  # noqa: E402

__all__ = ["V", "VARIANTS", "HonestVariant"]

VARIANTS: list[HonestVariant] = [v for module in part_modules()
                                 for v in getattr(module, "VARIANTS", ())]
