"""Copy rings of any size: a ring of 5 verbatim copies and a renamed pair in a class of 30
tiny submissions (small files written directly, nothing graded); the shared-passage limit
scales with the class; the stub and the handout are boilerplate; earlier terms are compared
against and never reported."""

from __future__ import annotations

from autograder.report.similarity import find_similar, read_archive, read_code, share_limit

from .classes import HANDOUT, STUB, STUBS, body, code, filled, renamed, write


def _class(tmp_path, n: int = 30, ring: int = 5) -> list:
    """``n`` students, s00.. s{ring-1} copies of one solution, s20 and s21 a renamed pair."""
    shared = filled(body(1000))
    texts = {f"s{i:02d}": filled(body(i)) for i in range(n)}
    texts.update({f"s{i:02d}": shared for i in range(ring)})
    texts["s21"] = renamed(texts["s20"])
    return [read_code(name, write(tmp_path, name, text), STUBS) for name, text in texts.items()]


def test_a_ring_of_five_and_a_renamed_pair_are_found(tmp_path) -> None:
    found = find_similar(_class(tmp_path), STUBS, handout=HANDOUT)
    assert [r.members for r in found.rings] == [["s00", "s01", "s02", "s03", "s04"],
                                                ["s20", "s21"]]
    five, pair = found.rings
    assert five.reason("s02").startswith("shares ") and five.reason("s02").endswith(
        " passages with 4 others")
    assert min(five.passages.values()) >= 20 and pair.reason("s21").endswith("with 1 other")
    assert found.compared < 10 + 2   # a ring's own pairs are not all compared (10 of them)
    assert not found.missing


def test_the_shared_passage_limit_scales_with_the_class() -> None:
    assert [share_limit(n) for n in (8, 20, 30, 300, 2000)] == [10, 10, 15, 150, 1000]


def test_a_ring_of_twelve_in_thirty_is_found(tmp_path) -> None:
    """12 copies: more than the old fixed limit of 10 submissions per passage."""
    found = find_similar(_class(tmp_path, ring=12), STUBS, handout=HANDOUT)
    assert [len(r.members) for r in found.rings] == [12, 2]
    assert found.params["max_share"] == 15


def test_an_idiom_most_of_the_class_writes_is_ignored(tmp_path) -> None:
    """20 of 30 paste one block beside their own code: more than half the class, no ring."""
    idiom = body(5000)
    codes = [code(f"s{i:02d}", filled(body(i) if i >= 20 else idiom + body(i)))
             for i in range(30)]
    found = find_similar(codes, STUBS)
    assert found.rings == [] and found.pairs == []


def test_the_stub_and_the_handout_are_boilerplate(tmp_path) -> None:
    example = HANDOUT.split("# %%\n")[-1]
    codes = [code("a", STUB + "\n\n" + example), code("b", STUB + "\n\n" + example),
             code("c", STUB), *(code(f"s{i}", filled(body(i))) for i in range(5))]
    found = find_similar(codes, STUBS, handout=HANDOUT)
    assert found.rings == []
    assert found.missing == {"a": "too little code of its own to compare",
                             "b": "too little code of its own to compare",
                             "c": "no code of its own: every file is the stub's"}
    without = find_similar(codes, STUBS, min_prints=5)   # the same code without the handout
    assert [r.members for r in without.rings] == [["a", "b"]]


def test_earlier_terms_are_compared_against_and_never_reported(tmp_path) -> None:
    old = tmp_path / "2025"
    write(old, "leaked", filled(body(7)))
    write(old, "leaked-again", filled(body(7)))
    write(old, "other", filled(body(8)))
    archive = read_archive([old], STUBS)
    assert sorted(c.name for c in archive) == ["archive:2025/leaked", "archive:2025/leaked-again",
                                               "archive:2025/other"]
    current = [code(f"s{i}", filled(body(i))) for i in range(10, 20)]
    current[0] = code("s10", filled(body(7)))
    found = find_similar(current + archive, STUBS)
    assert [r.members for r in found.rings] == [["s10", "archive:2025/leaked",
                                                 "archive:2025/leaked-again"]]
    ring = found.rings[0]
    assert ring.archived == ["archive:2025/leaked", "archive:2025/leaked-again"]
    assert ring.reason("s10") == f"shares {ring.passages['s10']} passages with 2 others " \
                                 "(2 from earlier terms)"
    assert all("s10" in (p.a, p.b) for p in found.pairs)   # no pair of two archived ones
    assert found.submissions == 10 and found.archived == 3
    assert not any(name.startswith("archive:") for name in found.missing)


def test_two_archived_folders_of_one_name_are_two_terms(tmp_path) -> None:
    """``--archive 2024/subs --archive 2025/subs``: alice of 2025 is not alice of 2024."""
    write(tmp_path / "2024" / "subs", "alice", filled(body(40)))
    write(tmp_path / "2025" / "subs", "alice", filled(body(7)))
    archive = read_archive([tmp_path / "2024" / "subs", tmp_path / "2025" / "subs"], STUBS)
    assert len({c.name for c in archive}) == 2
    current = [code("s10", filled(body(7))), *(code(f"s{i}", filled(body(i)))
                                               for i in range(11, 20))]
    found = find_similar(current + archive, STUBS)
    assert [len(r.members) for r in found.rings] == [2] and "s10" in found.rings[0].members
