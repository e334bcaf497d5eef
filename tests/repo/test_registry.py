"""The parts registry (autograder/parts.toml): it is validated, and what repeats it agrees."""

import re
import subprocess
import sys

import pytest

from autograder import parts, paths, signatures
from autograder.assign import package_init, tables
from autograder.grade.bank import load_bank, load_scheme
from test_toy_part import REGISTRY_ENTRY

# A well-formed entry: the toy part that test_toy_part.py adds to a copy of the repository.
GOOD = REGISTRY_ENTRY


def test_the_registry_loads_and_api_derives_from_it() -> None:
    registry = parts.load()
    assert [p.id for p in registry] == signatures.PARTS
    assert {p.id for p in registry if p.kind == "auto"} == set(signatures.API)
    assert all(p.points >= 0 and p.label for p in registry)


def test_a_good_entry_parses() -> None:
    (toy,) = parts.parse(GOOD)
    assert (toy.id, toy.kind, toy.points, toy.module) == ("pooling", "auto", 5, "pooling")
    assert toy.names == (parts.Name("max_pool2d", "(X, pool_size)", None),)


@pytest.mark.parametrize("edit, message", [
    (('kind = "auto"', 'kind = "automatic"'), "kind"),
    (("points = 5", "pionts = 5"), "unknown key 'pionts'"),
    (('label = "pool"\n', ""), "missing label"),
    (("points = 5", "points = -1"), "negative"),
    (("points = 5", 'points = "5"'), "expected type"),
    (('max_pool2d = { signature', 'max_pool2d = { signture'), "unknown key 'signture'"),
    (("[parts.pooling.names]", "[parts.pooling.nmes]"), "unknown key 'nmes'"),
    (("[parts.pooling]", "[part.pooling]"), "unknown table"),
    (('title = "max pooling (d2l §6.5)"\n', ""), "needs a title"),
    (('kind = "auto"', 'kind = "manual"'), "no module or names"),
])
def test_a_malformed_registry_is_an_error(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(parts.RegistryError, match=message):
        parts.parse(GOOD.replace(*edit))


def test_a_name_in_two_parts_is_an_error() -> None:
    twice = GOOD + GOOD.replace("[parts.pooling", "[parts.pool2").replace('label = "pool"',
                                                                            'label = "pool2"')
    with pytest.raises(parts.RegistryError, match="named by parts pooling and pool2"):
        parts.parse(twice)


@pytest.mark.parametrize("text, message", [
    ("[optinal]\nconcepts = 5\n", r"unknown table \[optinal\]"),
    ("[parts]\ncross_correlation = 15\n", r"unknown table \[parts\]"),
    ("[limits]\ncheck_secnds = 5\n", "check_secnds"),
])
def test_a_misspelt_manifest_is_an_error(tmp_path, text: str, message: str) -> None:
    (tmp_path / "manifest.toml").write_text(text)
    with pytest.raises(ValueError, match=message):
        load_scheme(tmp_path / "manifest.toml")


def test_the_bank_shares_the_registry_points() -> None:
    bank = load_bank()
    for part in parts.graded():
        checks = bank.by_part()[part.id]
        assert sum(c.points for c in checks) == pytest.approx(part.points, abs=1e-2), part.id
    assert set(bank.by_part()) == {p.id for p in parts.graded()}


def test_the_documents_tables_and_headings_follow_the_registry() -> None:
    stale = tables.stale_documents()
    assert not stale, f"run `make stubs` (then `make notebook`): {stale}"
    for doc in tables.DOCUMENTS:
        assert "<!-- parts-table:" in doc.read_text(), doc


def test_the_handout_has_a_heading_per_part_with_code() -> None:
    text = tables.HANDOUT.read_text()
    for part in parts.graded():
        assert text.count(tables.heading(part) + "\n") == 1, part.id


def test_a_heading_for_an_unknown_part_is_an_error() -> None:
    with pytest.raises(ValueError, match="lacks"):
        tables.render("# ## Part `no_such_part` (10 points): nothing\n")  # (not the toy's)


def test_the_written_questions_points_add_up() -> None:
    written = next(p for p in parts.load() if p.kind == "manual")
    heading = r"^# ### ✍️ Written question [\d.-]+ \(([\d.]+) points?\)"
    points = [float(m) for m in re.findall(heading, tables.HANDOUT.read_text(), re.M)]
    assert points and sum(points) == written.points


def test_the_package_init_is_generated_from_the_registry() -> None:
    assert not package_init.is_stale(), "run `make stubs`"
    (toy,) = parts.parse(GOOD)
    rendered = package_init.render([*parts.load(), toy])
    assert "from .pooling import max_pool2d" in rendered and '    "max_pool2d",' in rendered


def test_the_package_docstring_lists_every_part_and_name() -> None:
    doc = (paths.SOLUTIONS / paths.PACKAGE / "__init__.py").read_text().split('"""')[1]
    for part in parts.graded():
        assert re.search(rf"^{part.id}\b", doc, re.M), part.id
        for top in {n.name.split(".")[0] for n in part.names}:
            assert re.search(rf"\b{top}\b", doc), top


def test_the_public_tests_register_one_marker_per_graded_part() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/public", "--markers"],
                          cwd=paths.REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for part in parts.graded():
        assert f"@pytest.mark.{part.marker}" in proc.stdout
