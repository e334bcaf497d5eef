"""Measure what otter and nbgrader protect against when they run inside the grading container.

    python scripts/frontend_protections.py OUT [--platform otter nbgrader] [--timeout 240]
                                               [--attack ID ...] [--jobs 2]

Each attack is the reference with hostile code appended (``tests/adversarial/corpus.py``, plus
``PROBES`` below, which ask what the container lets a submission see or do). Every submission
is graded by ``otter run`` and by ``nbgrader autograde``, each in its own confined container
(``--backend docker``); nothing of the corpus runs outside a container. ``OUT/protections.json``
gets, per attack and platform: whether the run produced results, the wall time, the part
scores and the parts that differ from the honest control's. docs/frontends-containers.md gives
the figures.

A probe is a ``min_kernel_size`` that raises when its snippet *succeeds* (``corpus.attacks``):
the part ``derivative_kernels`` loses that check exactly when the container let it through.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import paths
from autograder.assign.examples import copy_package

CONTROL = "control"
# The corpus's attacks whose outcome the container could change, and a few that show the
# in-kernel rules still hold there. (`network` is left out: it connects to outside hosts; the
# probe `has_network` below asks the kernel instead, sending nothing.)
CORPUS_IDS = ("lying_eq", "patches_torch", "disables_rule_guard", "os_exit", "infinite_loop",
              "memory_bomb", "fork_bomb", "output_flood", "leaves_processes", "writes_outside")
# Snippets that succeed only if the container allows what they try.
PROBES = {
    "has_network": "assert len(open('/proc/net/route').read().splitlines()) > 1 or "
                   "any(l.split()[0] != '00000000000000000000000000000001' for l in "
                   "open('/proc/net/if_inet6').read().splitlines() if l.strip())",
    "reads_own_checks": "import os\nassert any(os.path.isfile(p) for p in ("
                        "'../source/files/d2l_grader/tests/hidden/manifest.toml', "
                        "'../../../grader/tests/hidden/manifest.toml'))",
    "sees_other_submissions": "import glob, os\nhere = os.path.realpath('.')\n"
                              "me = '/' + os.path.basename(os.path.dirname(here)) + '/'\n"
                              "found = {os.path.realpath(os.path.dirname(os.path.dirname(p))) "
                              "for top in ('/tmp', '/out', '/grading', '/opt', '/root', '/home',"
                              " '/mnt', '/srv', '/var') for p in glob.glob(top + "
                              "'/**/convolutions/__init__.py', recursive=True) "
                              "if '/source/' not in p and '/release/' not in p}\n"
                              "assert [d for d in found if d != here and me not in d + '/']",
    "writes_image": "open('/opt/autograder/PWNED', 'w').write('x')",
    "writes_inputs": "import glob\nopen(glob.glob('/grading/*')[0], 'a').write('x')",
}


def _corpus():
    spec = importlib.util.spec_from_file_location(
        "_corpus", paths.CORPUS)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_corpus"] = module
    spec.loader.exec_module(module)
    return module


def materialise(root: Path, attack_ids: list[str]) -> dict[str, Path]:
    """name -> a checkout (``convolutions/`` inside) for the control and every attack."""
    corpus = _corpus()
    by_id = {a.id: a for a in corpus.CORPUS}
    by_id |= {i: corpus.Adversary(i, "probe", {corpus.LEAF: corpus.attacks(code)})
              for i, code in PROBES.items()}
    out = {CONTROL: root / CONTROL}
    copy_package(paths.SOLUTIONS / paths.PACKAGE, root / CONTROL)
    for name in [i for i in attack_ids if i in by_id]:
        by_id[name].write_into(copy_package(paths.SOLUTIONS / paths.PACKAGE, root / name))
        out[name] = root / name
    return out


def _summary(scores: dict[str, float | None] | None, control: dict[str, float | None] | None,
             seconds: float | None, error: str | None) -> dict:
    differs = None
    if scores is not None and control is not None:
        differs = sorted(p for p in control if scores.get(p) != control[p])
    return {"results": scores is not None, "seconds": seconds, "scores": scores,
            "differs_from_control": differs, "error": (error or "")[-600:] or None}


def measure_otter(subs: dict[str, Path], out: Path, jobs: int, timeout: float) -> dict:
    from autograder.frontends import otter

    zip_ = otter.build(out / "dist")
    results = otter.grade(zip_, list(subs.values()), out / "otter", jobs=jobs,
                          backend="docker", timeout=timeout)
    control = otter.part_scores(results[CONTROL]) if results[CONTROL]["tests"] else None
    report = {}
    for name, r in results.items():
        extra = r["extra_data"]
        scores = otter.part_scores(r) if not extra.get("error") else None
        report[name] = _summary(scores, control, extra.get("seconds"), extra.get("error"))
    return report


def measure_nbgrader(subs: dict[str, Path], out: Path, timeout: float) -> dict:
    from autograder.frontends import container
    from autograder.frontends import nbgrader_course as nc

    course = nc.build(out / "dist")
    nc.generate(course)
    raw: dict[str, tuple[dict | None, float | None, str | None]] = {}
    for name, directory in subs.items():
        nc.prepare_submission(course, name, directory)
        start = time.monotonic()
        try:
            nc.autograde(course, name, timeout=timeout, backend="docker")
            scores = nc.part_scores(course, [name])[name]
            raw[name] = ({p: s for p, s in scores.items() if p != nc.MANUAL_PART},
                         time.monotonic() - start, None)
        except container.EngineError:
            raise  # the engine failed, not the submission: no figure to record
        except Exception as exc:  # noqa: BLE001 - a dead or hung run is a result here
            raw[name] = (None, time.monotonic() - start, f"{type(exc).__name__}: {exc}")
    control = raw[CONTROL][0]
    return {name: _summary(s, control, round(t, 1) if t else t, e)
            for name, (s, t, e) in raw.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--platform", nargs="+", choices=("otter", "nbgrader"),
                        default=["otter", "nbgrader"])
    parser.add_argument("--attack", nargs="+", default=[*CORPUS_IDS, *PROBES])
    parser.add_argument("--timeout", type=float, default=240.0,
                        help="seconds per submission and platform (a hang costs this much)")
    parser.add_argument("--jobs", type=int, default=2, help="otter runs at a time")
    args = parser.parse_args(argv)

    from autograder.frontends import container

    ok, why = container.available("cpu")
    if not ok:
        print(f"skipped: {why}")
        return 0
    out = args.out.resolve()
    subs = materialise(out / "submissions", args.attack)
    report: dict = {"image": why, "attacks": sorted(subs)}
    path = out / "protections.json"
    if "otter" in args.platform:
        report["otter"] = measure_otter(subs, out, args.jobs, args.timeout)
        path.write_text(json.dumps(report, indent=2))
    if "nbgrader" in args.platform:
        report["nbgrader"] = measure_nbgrader(subs, out, args.timeout)
        path.write_text(json.dumps(report, indent=2))
    for platform in args.platform:
        for name, r in sorted(report[platform].items()):
            what = ("no results" if not r["results"] else
                    f"differs from control in {r['differs_from_control'] or 'nothing'}")
            print(f"{platform:9s} {name:24s} {what}  ({r['seconds']} s)")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
