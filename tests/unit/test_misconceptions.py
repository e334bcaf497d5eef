"""``autograder.misconceptions``: the library of known wrong answers loads, every malformed entry
is refused with a message that names the entry and the key, and a student reads its title and
explanation."""

from __future__ import annotations

import re
import textwrap
import tomllib

import pytest

from autograder import misconceptions, parts
from autograder.misconceptions import LibraryError, Misconception, parse

PARTS = {"cross_correlation", "audio_conv1d"}

GOOD = textwrap.dedent('''
    [kernel_flipped]
    parts = ["cross_correlation", "audio_conv1d"]
    title = "flipped the kernel"
    explanation = """Your output equals a true convolution.
        Re-read d2l §6.2.1."""
''')


def _refused(text: str, known: set[str] = PARTS) -> str:
    with pytest.raises(LibraryError) as caught:
        parse(text, known)
    return str(caught.value)


# ------------------------------------------------------------------------ the real library


def test_the_library_loads_and_names_only_registered_parts() -> None:
    library = misconceptions.load()
    assert library, "the library is empty"
    registered = {p.id for p in parts.load()}
    for mid, entry in library.items():
        assert entry.id == mid
        assert set(entry.parts) <= registered, mid
        assert entry.title and entry.explanation, mid


def test_the_library_keeps_the_files_order() -> None:
    text = misconceptions.LIBRARY.read_text(encoding="utf-8")
    assert list(misconceptions.load()) == list(tomllib.loads(text))


def test_the_rule_based_misconceptions_are_in_the_library() -> None:
    from autograder.recognise import DEFAULT_DEVICE, DEFAULT_DTYPE

    assert {DEFAULT_DTYPE, DEFAULT_DEVICE} <= set(misconceptions.load())


def test_load_reads_the_parts_registry_beside_the_file(tmp_path) -> None:
    (tmp_path / "parts.toml").write_text('[parts.cross_correlation]\n[parts.audio_conv1d]\n')
    (tmp_path / "misconceptions.toml").write_text(GOOD)
    assert list(misconceptions.load(tmp_path / "misconceptions.toml")) == ["kernel_flipped"]
    (tmp_path / "parts.toml").write_text('[parts.cross_correlation]\n')
    other = tmp_path / "other"
    other.mkdir()
    (other / "parts.toml").write_text('[parts.cross_correlation]\n')
    (other / "misconceptions.toml").write_text(GOOD)
    with pytest.raises(LibraryError, match=r"\[kernel_flipped\]\.parts: audio_conv1d"):
        misconceptions.load(other / "misconceptions.toml")


# ------------------------------------------------------------------------------- parse


def test_a_good_entry_is_read_with_its_text_on_one_line() -> None:
    (entry,) = parse(GOOD, PARTS).values()
    assert entry == Misconception("kernel_flipped", ("cross_correlation", "audio_conv1d"),
                                  "flipped the kernel",
                                  "Your output equals a true convolution. Re-read d2l §6.2.1.")


@pytest.mark.parametrize("edit, says", [
    (lambda t: t.replace("title =", "titel = 'x'\ntitle ="),
     r"\[kernel_flipped\]: unknown key 'titel'"),
    (lambda t: t.replace('title = "flipped the kernel"\n', ""),
     r"\[kernel_flipped\]: missing title"),
    (lambda t: t.replace('title = "flipped the kernel"', "title = 3"),
     r"\[kernel_flipped\]\.title: int is not the expected type"),
    (lambda t: t.replace('parts = ["cross_correlation", "audio_conv1d"]',
                         'parts = "cross_correlation"'),
     r"\[kernel_flipped\]\.parts: str is not the expected type"),
    (lambda t: t.replace('parts = ["cross_correlation", "audio_conv1d"]', "parts = []"),
     r"\[kernel_flipped\]\.parts: a non-empty list"),
    (lambda t: t.replace('parts = ["cross_correlation", "audio_conv1d"]', "parts = [1]"),
     r"\[kernel_flipped\]\.parts: a non-empty list"),
    (lambda t: t.replace('"audio_conv1d"]', '"audio_conv"]'),
     r"\[kernel_flipped\]\.parts: audio_conv not in autograder/parts\.toml"),
    (lambda t: t.replace("[kernel_flipped]", "[kernel-flipped]"),
     r"\[kernel-flipped\]: an id is a Python-style name"),
    (lambda t: t.replace("[kernel_flipped]", '["9lives"]'),
     r"\[9lives\]: an id is a Python-style name"),
    (lambda t: t.replace('title = "flipped the kernel"', 'title = "  "'),
     r"\[kernel_flipped\]: an empty title or explanation"),
    (lambda t: "stray = 1\n" + t, r"\[stray\]: expected a table"),
    (lambda t: t + "\n[oops\n", r"misconceptions\.toml: "),
])
def test_a_malformed_entry_is_refused_naming_the_entry_and_key(edit, says) -> None:
    text = edit(GOOD)
    assert text != GOOD, "the edit did not apply"
    assert re.search(says, _refused(text)), _refused(text)


def test_an_entry_after_a_good_one_is_checked_too() -> None:
    second = GOOD.replace("[kernel_flipped]", "[second]").replace("parts =", "part =")
    assert "[second]: unknown key 'part'" in _refused(GOOD + second)


# ------------------------------------------------------------------------------ feedback


def test_feedback_is_the_title_then_the_explanation() -> None:
    entry = misconceptions.load()["kernel_flipped"]
    assert misconceptions.feedback("kernel_flipped") == entry.feedback() == (
        f"Known mistake ({entry.title}). {entry.explanation}")


def test_feedback_of_an_id_the_library_lacks_names_the_id() -> None:
    assert misconceptions.feedback("no_such_mistake") == "Known mistake (no_such_mistake)."


def test_the_library_is_read_without_torch() -> None:
    """The public tests and the class report import it where torch may be absent."""
    import subprocess
    import sys

    code = ("import sys, importlib.util as u; s = u.spec_from_file_location('m', sys.argv[1]); "
            "m = u.module_from_spec(s); sys.modules['m'] = m; s.loader.exec_module(m); m.load(); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code, str(misconceptions.__file__)], check=True,
                   timeout=60)
