"""Pairs of submissions whose student-written code is alike: a list *to review*, not a verdict.

Two stages, as MOSS does it:

1. **Index** (every submission, O(n)): of each file that differs from its stub, the lines that
   are not the stub's are normalised (names become ``V``, numbers ``N``, strings, comments and
   spaces go, keywords and punctuation stay), cut into k-grams, hashed and winnowed; the
   fingerprints of the stubs and of the handout (the code students were given) are removed as
   boilerplate. A passage that more than ``share_limit(n)`` submissions have, max(10, half the
   class), is ignored too (an idiom most of the class writes is no evidence; MOSS's ``-m``,
   scaled with the class so that a leaked solution copied by many is still found). An inverted
   index from fingerprint to submissions then counts, for each pair that shares anything, how
   many fingerprints it shares: no pair that shares nothing is ever looked at, so 2 000
   submissions take seconds, not 2 million comparisons. This stage is vectorised with numpy
   over the whole class at once.
2. **Comparison** (the best ``max_compare`` candidates): copydetect (the kept library for this:
   its pygments tokeniser and filter, its winnowing, its overlap search, its highlighting)
   compares the two submissions' student-written lines (a diff against the stub) file by file,
   with the stubs' fingerprints as boilerplate. Its shares give the similarity shown: the mean,
   over both submissions, of the fraction of each one's fingerprinted code found in the other.
   copydetect hashes k-grams with Python's salted ``hash``; a stable hash is used instead, so a
   report is the same every run.
3. **Rings**: pairs at or above the threshold are joined into connected components, so that a
   ring of copies of any size is one finding; a candidate whose two sides are already in one
   ring is not compared again (a ring of 40 needs 39 comparisons, not 780). Each member's
   evidence is the number of passages (fingerprints) it shares with the ring's other members.

Submissions of earlier terms (``--archive``) take part in the index, the comparisons and the
rings, but a pair of two archived submissions is never looked at, and they are never reported
on their own: they are what a current submission is compared against.

Nothing is executed: code is read as bytes with the grader's own safe reader (no links, size
and count limits, zips checked) and tokenised as text.
"""

from __future__ import annotations

import keyword
import math
import re
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np

K = 25            # copydetect's noise threshold: matches shorter than K characters are ignored
WINDOW = 6        # copydetect's guarantee threshold 30 = K + WINDOW - 1
MIN_SHARE = 10    # passages in more submissions than max(MIN_SHARE, SHARE * n) are ignored
SHARE = 0.5       # (MOSS's -m, scaled with the class: see share_limit)
MIN_PRINTS = 20   # fewer fingerprints than this (after boilerplate) is too little code to judge
CANDIDATE = 0.3   # stage 1 score (shared / smaller side) needed to be compared in stage 2
THRESHOLD = 0.5   # stage 2 similarity from which a pair is listed for review
MAX_COMPARE = 300  # candidate pairs compared in stage 2 (pairs inside a known ring skipped)
CONTEXT = 6       # lines of unshared code kept around shared code in the side-by-side view


# -- reading the code (never running it)

@dataclass
class Code:
    """A submission's student-written files: those that differ from their stub."""

    name: str
    files: dict[str, str] = field(default_factory=dict)   # "convolutions/x.py" -> text
    source: str | None = None                              # where it was read from
    problem: str | None = None                             # why it could not be read
    archived: bool = False                                 # an earlier term's (--archive)


def share_limit(n: int) -> int:
    """How many of ``n`` submissions may share a passage before it counts as an idiom of the
    class rather than evidence: max(10, half the class)."""
    return max(MIN_SHARE, math.floor(SHARE * n))


def read_stubs(stubs: Path) -> dict[str, str]:
    """The stub package (``assignments/convolutions``) as ``{"convolutions/x.py": text}``."""
    if not stubs.is_dir():
        return {}
    return {f"{stubs.name}/{p.relative_to(stubs).as_posix()}": p.read_text("utf-8", "replace")
            for p in sorted(stubs.rglob("*.py")) if "__pycache__" not in p.parts}


def read_handout(path: Path) -> str:
    """The handout's code (the notebook as a jupytext percent file; its Markdown is comments,
    which fingerprints ignore), or "" where it is missing."""
    try:
        return path.read_text("utf-8", "replace") if path.is_file() else ""
    except OSError:
        return ""


def read_code(name: str, path: Path | None, stubs: dict[str, str]) -> Code:
    """The ``.py`` files of submission ``path`` that are not byte-for-byte their stub."""
    from autograder.grade.intake import read_submission

    if path is None:
        return Code(name, problem="its code was not found (see --submissions)")
    try:
        sub = read_submission(path, name)
    except Exception as exc:  # noqa: BLE001 - one unreadable submission must not stop the report
        return Code(name, source=str(path), problem=f"unreadable ({type(exc).__name__})")
    if sub.error is not None:
        return Code(name, source=str(path), problem=sub.error[:300])
    files = {}
    for rel, data in sorted(sub.files.items()):
        if rel.endswith(".py"):
            text = data.decode("utf-8", "replace")
            if stubs.get(rel) != text:
                files[rel] = text
    return Code(name, files, str(path))


# -- stage 1: normalisation and winnowing of the whole class at once, vectorised with numpy

# String literals (a prefix such as f or rb stays as a name, harmless) and comments: found by
# what they start with, so the regex engine tries them only at a quote or a hash.
_STRINGS = re.compile(r"""(?=['"\#])(?:'''[\s\S]*?(?:'''|$)|\"\"\"[\s\S]*?(?:\"\"\"|$)
                          |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|(\#[^\n]*))""", re.X)
_KEYWORDS = sorted(w for w in keyword.kwlist if len(w) <= 8)   # all of them
_IDENT = np.zeros(256, bool)
_IDENT[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")] = True
_IDENT[128:] = True          # UTF-8 bytes of non-ASCII names
_SPACE = np.zeros(256, bool)
_SPACE[list(b" \t\n\r\x0b\x0c")] = True
_SEP = 0                     # the byte between two texts


_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], np.uint64)


def _packed(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The first ``min(length, 8)`` bytes of each token as one little-endian uint64."""
    padded = np.concatenate([data, np.zeros(8, np.uint8)])
    eight = np.lib.stride_tricks.as_strided(padded, shape=(len(data), 8), strides=(1, 1))
    words = np.ascontiguousarray(eight[starts]).view("<u8").ravel()
    return words & _LOW_BYTES[np.minimum(lengths, 8)]


_KW_BYTES = np.frombuffer("".join(_KEYWORDS).encode(), np.uint8)
_KW_CODES = _packed(_KW_BYTES, np.cumsum([0] + [len(w) for w in _KEYWORDS[:-1]]),
                    np.array([len(w) for w in _KEYWORDS]))
_KW_ORDER = np.argsort(_KW_CODES)
_KW_SORTED = _KW_CODES[_KW_ORDER]


def _strip_strings(code: str) -> str:
    return _STRINGS.sub(lambda m: "" if m.group(1) else "S", code.replace("\0", ""))


def normalise_all(texts: list[str]) -> np.ndarray:
    """Every text normalised, as one byte array with a 0 between texts: strings become ``S``,
    comments and whitespace go, names become ``V``, numbers ``N``, each keyword one byte of
    its own; punctuation stays. Renaming variables or reformatting changes nothing."""
    data = np.frombuffer("\0".join(map(_strip_strings, texts)).encode("utf-8", "replace"),
                         np.uint8)
    ident = _IDENT[data]
    first = ident.copy()
    first[1:] &= ~ident[:-1]
    starts = np.flatnonzero(first)
    ends = np.flatnonzero(ident & np.r_[~ident[1:], True]) + 1
    codes = np.where((data[starts] >= 48) & (data[starts] <= 57), ord("N"), ord("V"))
    short = np.flatnonzero(ends - starts <= 8)
    packed = _packed(data, starts[short], (ends - starts)[short])
    where = np.minimum(np.searchsorted(_KW_SORTED, packed), len(_KW_SORTED) - 1)
    is_kw = _KW_SORTED[where] == packed
    codes[short[is_kw]] = 128 + _KW_ORDER[where[is_kw]]
    out = data.copy()
    out[starts] = codes
    return out[first | (~ident & ~_SPACE[data])]


def normalise(code: str) -> str:
    """One text's normalised form (see ``normalise_all``), for reading and for tests."""
    return normalise_all([code]).tobytes().decode("latin-1")


_B = np.uint64(1_000_003)                     # odd, so invertible modulo 2**64
_B_INV = np.uint64(pow(1_000_003, -1, 2**64))


def _kgram_hashes(codes: np.ndarray, k: int = K) -> np.ndarray:
    """A 64-bit polynomial hash of every k-gram of ``codes`` (any unsigned ints), from prefix
    sums (a handful of passes however long k is), finished with a mixer so that the
    winnowing minimum is spread evenly."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    up = np.full(len(codes), _B, np.uint64)
    up[0] = 1
    up = np.cumprod(up, dtype=np.uint64)                   # B**j
    down = np.full(len(codes), _B_INV, np.uint64)
    down[0] = 1
    down = np.cumprod(down, dtype=np.uint64)               # B**-j
    prefix = np.zeros(len(codes) + 1, np.uint64)
    np.cumsum(codes.astype(np.uint64) * down, dtype=np.uint64, out=prefix[1:])
    h = (prefix[k:] - prefix[:n]) * up[k - 1:k - 1 + n]   # sum of c_j B**(i+k-1-j)
    h ^= h >> np.uint64(31)
    h *= np.uint64(0x7FB5D329728EA185)
    h ^= h >> np.uint64(27)
    return h


def _winnow_positions(h: np.ndarray, w: int = WINDOW) -> np.ndarray:
    """Positions the robust winnowing selects: the rightmost minimum of every window."""
    if len(h) <= w:
        return np.array([int(np.argmin(h))] if len(h) else [], np.int64)
    n = len(h) - w + 1
    low = h[:n].copy()
    for j in range(1, w):
        np.minimum(low, h[j:j + n], out=low)
    offset = np.full(n, -1, np.int64)
    for j in range(w - 1, -1, -1):                       # the rightmost position of the minimum
        offset[(offset < 0) & (h[j:j + n] == low)] = j
    pos = offset + np.arange(n)
    return pos[np.r_[True, pos[1:] != pos[:-1]]]  # non-decreasing: drop repeats


def class_fingerprints(texts: list[str], owners: list[int] | None = None,
                       boilerplate: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed fingerprints of every text at once: (owner, hash) pairs sorted by hash, unique,
    minus ``boilerplate`` (``owners[i]`` owns text i, owners never decreasing; default: text i
    itself). k-grams across two texts are never selected."""
    if not texts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    data = normalise_all(texts)
    h = _kgram_hashes(data)
    seps = np.r_[0, np.cumsum(data == _SEP)]              # separators before each position
    text = seps[:len(h)]
    valid = seps[K:K + len(h)] == text                    # no separator inside the k-gram
    h[~valid] = np.iinfo(np.uint64).max                   # never a window's minimum
    pos = _winnow_positions(h)
    pos = pos[valid[pos]]
    who, hashes = text[pos], h[pos]
    if owners is not None:
        who = np.asarray(owners, np.int64)[who]
    if boilerplate is not None and len(boilerplate):
        keep = ~np.isin(hashes, boilerplate)
        who, hashes = who[keep], hashes[keep]
    order = np.argsort(hashes, kind="stable")   # who is already in order: (hash, who) order
    who, hashes = who[order], hashes[order]
    first = np.ones(len(who), bool)
    first[1:] = (hashes[1:] != hashes[:-1]) | (who[1:] != who[:-1])
    return who[first], hashes[first]


def _without(code: str, stub_lines: set[str]) -> str:
    """``code`` less the lines its stub has verbatim: a cheap cut of the scaffold for the index
    (the stub's fingerprints are removed as well; stage 2 diffs properly)."""
    return "\n".join(line for line in code.splitlines() if line not in stub_lines)


@dataclass(frozen=True)
class Candidate:
    a: int
    b: int
    shared: int
    score: float    # shared fingerprints / the smaller side's fingerprints


def candidate_pairs(who: np.ndarray, hashes: np.ndarray, n: int, max_share: int,
                    min_prints: int = MIN_PRINTS, minimum: float = CANDIDATE,
                    archived: np.ndarray | None = None) -> tuple[list[Candidate], np.ndarray]:
    """Pairs that share fingerprints, from the inverted index (``who``/``hashes`` sorted by
    hash): best first, no pair of two ``archived`` submissions. Also each submission's count
    of fingerprints that count (those at most ``max_share`` submissions have)."""
    if not len(hashes):
        return [], np.zeros(n, np.int64)
    bounds = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1], True])
    sizes = np.diff(bounds)
    member_size = np.repeat(sizes, sizes)
    counted = np.bincount(who[member_size <= max_share], minlength=n)
    keys = []
    for s in np.unique(sizes[(sizes >= 2) & (sizes <= max_share)]).tolist():
        groups = bounds[:-1][sizes == s]
        members = who[groups[:, None] + np.arange(s)]          # (groups, s), sorted by who
        i, j = np.triu_indices(s, 1)
        pair_keys = members[:, i].ravel() * n + members[:, j].ravel()
        if archived is not None:
            pair_keys = pair_keys[~(archived[pair_keys // n] & archived[pair_keys % n])]
        keys.append(pair_keys)
    if not keys:
        return [], counted
    pairs, shared = np.unique(np.concatenate(keys), return_counts=True)
    a, b = pairs // n, pairs % n
    smaller = np.minimum(counted[a], counted[b])
    score = shared / np.maximum(smaller, 1)
    keep = (smaller >= min_prints) & (score >= minimum)
    order = np.lexsort((b[keep], a[keep], -score[keep]))
    return ([Candidate(int(x), int(y), int(s), round(float(r), 4)) for x, y, s, r in
             zip(a[keep][order], b[keep][order], shared[keep][order], score[keep][order])],
            counted)


def owners_per_row(hashes: np.ndarray) -> np.ndarray:
    """For each row of the index (sorted by hash): how many submissions have its hash."""
    bounds = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1], True])
    sizes = np.diff(bounds)
    return np.repeat(sizes, sizes)


def shared_passages(who: np.ndarray, hashes: np.ndarray, owners: np.ndarray,
                    members: list[int], max_share: int) -> dict[int, int]:
    """For each of ``members``: how many of its counted fingerprints (passages, those at most
    ``max_share`` submissions have) at least one other member has too."""
    inside = np.isin(who, members) & (owners <= max_share)
    w, h = who[inside], hashes[inside]
    out = dict.fromkeys(members, 0)
    if not len(h):
        return out
    in_ring = owners_per_row(h)
    for m, count in zip(*np.unique(w[in_ring >= 2], return_counts=True)):
        out[int(m)] = int(count)
    return out


# -- stage 2: copydetect on the candidates

def student_part(stub: str | None, code: str) -> str:
    """The lines of ``code`` that are not its stub's (inserted or changed), each run headed by
    a ``# line N`` comment (comments do not count in fingerprints). What stage 2 compares and
    shows: the student's own code, not the scaffold around it. A multi-line string that a
    changed line touches is taken whole, so that every run tokenises as it does in the file."""
    if stub is None:
        return code
    import difflib

    mine = code.splitlines(keepends=True)
    changed: set[int] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, stub.splitlines(keepends=True), mine,
                                                     autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            changed.update(j for j in range(j1, j2) if mine[j].strip())
    if not changed:
        return ""
    starts = np.cumsum([0] + [len(line) for line in mine])
    for m in _STRINGS.finditer(code):  # strings (and comments) spanning lines
        first, last = (int(np.searchsorted(starts, x, side="right")) - 1
                       for x in (m.start(), m.end() - 1))
        if last > first and changed.intersection(range(first, last + 1)):
            changed.update(range(first, last + 1))
    out, previous = [], -2
    for j in sorted(changed):
        if j != previous + 1:
            out.append(f"# line {j + 1}\n")
        out.append(mine[j] if mine[j].endswith("\n") else mine[j] + "\n")
        previous = j
    return "".join(out)


@dataclass
class FilePrint:
    """copydetect's ``CodeFingerprint`` for one file, built from its pieces with a stable hash
    (its ``compare_files`` takes any object with these attributes)."""

    filename: str
    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    k: int
    token_coverage: float


def _stable_kgrams(text: str, k: int) -> np.ndarray:
    data = text.encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(data, np.uint32).astype(np.uint64)
    return _kgram_hashes(codes, k).view(np.int64)


def file_print(filename: str, code: str, boilerplate: np.ndarray, k: int = K,
               window: int = WINDOW) -> FilePrint:
    """copydetect's tokenise-filter-winnow of ``code`` (Python), minus ``boilerplate``."""
    from copydetect.utils import filter_code, get_token_coverage, winnow

    filtered, offsets = filter_code(code, filename, language="python")
    all_hashes = _stable_kgrams(filtered, k)
    if len(all_hashes):
        hashes, idx = winnow(all_hashes, window, remove_duplicates=False)
    else:
        hashes, idx = all_hashes, np.zeros(0, np.int64)
    keep = ~np.isin(hashes, boilerplate)
    hash_idx: dict[int, list[int]] = {}
    for value, i in zip(hashes[keep].tolist(), idx[keep].tolist()):
        hash_idx.setdefault(value, []).append(i)
    return FilePrint(filename, code, filtered, offsets, set(hash_idx), hash_idx, k,
                     get_token_coverage(hash_idx, k, len(filtered)))


def stub_prints(stubs: dict[str, str]) -> np.ndarray:
    """copydetect fingerprints of every stub file: the boilerplate of stage 2."""
    empty = np.zeros(0, np.int64)
    found = [np.array(sorted(file_print(rel, text, empty).hashes), np.int64)
             for rel, text in stubs.items()]
    return np.unique(np.concatenate(found)) if found else empty


@dataclass
class SharedFile:
    """One file of a pair, side by side: HTML-escaped code with ``<mark>`` on shared parts."""

    file: str
    a_html: str
    b_html: str
    a_share: float
    b_share: float


@dataclass
class Pair:
    a: str
    b: str
    similarity: float            # mean of the two shares
    a_share: float               # fraction of a's fingerprinted code found in b
    b_share: float
    stage1: float                # the index's score that made it a candidate
    files: list[SharedFile] = field(default_factory=list)


# Characters that would change how code looks without being seen: bidi overrides ("Trojan
# Source"), zero-width characters, controls. Shown as visible codes in the side-by-side view.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2069\ufeff\ud800-\udfff]")


def _highlight(code: str, slices: np.ndarray) -> str:
    """HTML of ``code`` (escaped by copydetect, with markupsafe) with ``<mark>`` on
    ``slices``; invisible characters made visible."""
    from copydetect.utils import highlight_overlap

    if slices.ndim != 2 or not slices.shape[1]:  # copydetect returns such code unescaped
        html = escape(code)
    else:
        html, _ = highlight_overlap(code, slices, "<mark>", "</mark>", truncate=CONTEXT,
                                    escape_html=True)
    return _INVISIBLE.sub(lambda m: f'<span class="ctl">U+{ord(m.group()):04X}</span>', html)


def compare(a: Code, b: Code, prints: dict[str, dict[str, FilePrint]], stage1: float = 0.0,
            detail: bool = False) -> Pair:
    """copydetect's comparison of two submissions' student-written code (``prints``: name ->
    file -> print), file by file (the assignment fixes the files, so copied code stays in its
    file); each side's share is over all its student-written files."""
    from copydetect.detector import compare_files

    pa, pb = prints[a.name], prints[b.name]
    cover_a = sum(p.token_coverage for p in pa.values())
    cover_b = sum(p.token_coverage for p in pb.values())
    over_a = over_b = 0.0
    files = []
    for rel in sorted(set(pa) & set(pb)):
        fa, fb = pa[rel], pb[rel]
        _, (sa, sb), (slices_a, slices_b) = compare_files(fa, fb)
        over_a += sa * fa.token_coverage
        over_b += sb * fb.token_coverage
        if detail and (sa or sb):
            files.append(SharedFile(rel, _highlight(fa.raw_code, np.asarray(slices_a)),
                                    _highlight(fb.raw_code, np.asarray(slices_b)),
                                    round(float(sa), 4), round(float(sb), 4)))
    share_a = over_a / cover_a if cover_a else 0.0
    share_b = over_b / cover_b if cover_b else 0.0
    return Pair(a.name, b.name, round((share_a + share_b) / 2, 4), round(share_a, 4),
                round(share_b, 4), stage1, files)


@dataclass
class Ring:
    """Submissions joined by pairs at or above the threshold (a connected component): copies of
    one another, or of one source, whatever their number."""

    members: list[str]                 # current submissions first, then archived ones
    passages: dict[str, int]           # member -> passages shared with the others
    similarity: float                  # the highest similarity of a pair in it
    pairs: int                         # its pairs at or above the threshold that were compared
    archived: list[str] = field(default_factory=list)   # members from earlier terms

    def reason(self, name: str) -> str:
        """Why ``name`` is in the ring, in one line."""
        others = len(self.members) - 1
        earlier = sum(m != name for m in self.archived)
        where = f" ({earlier} from earlier terms)" if earlier else ""
        return (f"shares {self.passages.get(name, 0)} passages with {others} "
                f"other{'s' if others != 1 else ''}{where}")


@dataclass
class Similarity:
    pairs: list[Pair]                 # at or above the threshold, most similar first
    compared: int                     # pairs copydetect compared
    candidates: int                   # pairs the index proposed (above CANDIDATE)
    submissions: int                  # submissions whose code was read (current term)
    missing: dict[str, str]           # submission -> why its code was not compared
    seconds: dict[str, float]
    params: dict[str, float]
    rings: list[Ring] = field(default_factory=list)   # largest first; pairs are rings of 2
    archived: int = 0                 # earlier terms' submissions compared against

    def ring_of(self, name: str) -> Ring | None:
        return next((r for r in self.rings if name in r.members), None)


class _Components:
    """Union-find over submission indices."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return [sorted(g) for g in out.values() if len(g) > 1]


def find_similar(codes: list[Code], stubs: dict[str, str], *, threshold: float = THRESHOLD,
                 max_compare: int = MAX_COMPARE, detail: int = 5, max_share: int | None = None,
                 min_prints: int = MIN_PRINTS, handout: str = "") -> Similarity:
    """Stage 1 over all ``codes`` (archived ones included), stage 2 on the best candidates,
    rings from the pairs at or above ``threshold``; side-by-side views for the ``detail``
    most similar pairs. Boilerplate: the ``stubs`` and the ``handout``'s code."""
    clock = time.perf_counter()
    missing = {c.name: c.problem for c in codes if c.problem is not None and not c.archived}
    present = [c for c in codes if c.problem is None]
    current = sum(not c.archived for c in present)
    limit = share_limit(len(present)) if max_share is None else max_share
    texts, owners = [], []
    stub_lines = {rel: set(text.splitlines()) for rel, text in stubs.items()}
    for i, c in enumerate(present):
        for rel in sorted(c.files):
            texts.append(_without(c.files[rel], stub_lines.get(rel, set())))
            owners.append(i)
    given = [*stubs.values(), *([handout] if handout else [])]
    boilerplate = class_fingerprints(given)[1]
    who, hashes = class_fingerprints(texts, owners, boilerplate)
    archived = np.array([c.archived for c in present], bool)
    candidates, counted = candidate_pairs(who, hashes, len(present), limit, min_prints,
                                          archived=archived if archived.any() else None)
    for i, c in enumerate(present):
        if c.archived:
            continue
        if not c.files:
            missing[c.name] = "no code of its own: every file is the stub's"
        elif counted[i] < min_prints:
            missing[c.name] = "too little code of its own to compare"
    indexed = time.perf_counter()

    base = stub_prints({**stubs, **({"handout.py": handout} if handout else {})})
    prints: dict[str, dict[str, FilePrint]] = {}

    def printed(i: int) -> None:
        c = present[i]
        if c.name not in prints:
            prints[c.name] = {rel: file_print(rel, student_part(stubs.get(rel), text), base)
                              for rel, text in c.files.items()}

    rings = _Components()
    pairs, compared = [], 0
    for cand in candidates:
        if compared >= max_compare:
            break
        if rings.find(cand.a) == rings.find(cand.b):
            continue  # already joined through others: no comparison needed to know the ring
        printed(cand.a)
        printed(cand.b)
        pair = compare(present[cand.a], present[cand.b], prints, cand.score)
        compared += 1
        if pair.similarity >= threshold:
            pairs.append(pair)
            rings.union(cand.a, cand.b)
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    by_name = {c.name: c for c in present}
    pairs[:detail] = [compare(by_name[p.a], by_name[p.b], prints, p.stage1, detail=True)
                      for p in pairs[:detail]]
    index = {c.name: i for i, c in enumerate(present)}
    best: dict[int, float] = {}
    edges: dict[int, int] = {}
    for p in pairs:
        root = rings.find(index[p.a])
        best[root] = max(best.get(root, 0.0), p.similarity)
        edges[root] = edges.get(root, 0) + 1
    row_owners = owners_per_row(hashes) if len(hashes) else np.zeros(0, np.int64)
    found = []
    for group in rings.groups():
        passages = shared_passages(who, hashes, row_owners, group, limit)
        now = [present[i].name for i in group if not present[i].archived]
        old = [present[i].name for i in group if present[i].archived]
        if not now:
            continue
        root = rings.find(group[0])
        found.append(Ring(now + old, {present[i].name: passages[i] for i in group},
                          best.get(root, 0.0), edges.get(root, 0), old))
    found.sort(key=lambda r: (-len(r.members), -r.similarity, r.members[0]))
    for ring in found:
        ring.similarity = float(ring.similarity)
    done = time.perf_counter()
    return Similarity(pairs, compared, len(candidates), current, missing,
                      {"index": round(indexed - clock, 3), "compare": round(done - indexed, 3)},
                      {"k": K, "window": WINDOW, "max_share": limit, "share": SHARE,
                       "min_share": MIN_SHARE, "min_prints": min_prints,
                       "candidate": CANDIDATE, "threshold": threshold,
                       "max_compare": max_compare}, found, len(present) - current)


def read_archive(dirs: list[Path], stubs: dict[str, str]) -> list[Code]:
    """Earlier terms' submissions (``--archive``): each folder is one submission (it holds
    ``convolutions/``) or a folder of them (folders or zips), named ``<folder>/<submission>``
    (``-2``, ``-3``... after a name taken already: two terms' folders may share a name, and
    submissions are told apart by name); an unreadable one is left out (never reported)."""
    codes: list[Code] = []
    taken: set[str] = set()
    for folder in dirs:
        if (folder / "convolutions").is_dir():
            entries = [folder]
        elif folder.is_dir():
            entries = sorted(q for q in folder.iterdir() if not q.name.startswith(".")
                             and not q.is_symlink()
                             and (q.is_dir() or q.suffix.lower() == ".zip"))
        else:
            entries = []
        for entry in entries:
            base = f"archive:{folder.name}/{entry.name}" if entry != folder \
                else f"archive:{folder.name}"
            name, n = base, 2
            while name in taken:
                name, n = f"{base}-{n}", n + 1
            taken.add(name)
            code = read_code(name, entry, stubs)
            if code.problem is None:
                code.archived = True
                codes.append(code)
    return codes


def locate(graded_sources: dict[str, str | None], given: list[Path] | None,
           roots: list[Path]) -> dict[str, Path | None]:
    """Where each submission's code is. With ``given`` (``--submissions``), those paths, named
    as the grader names them (a folder without ``convolutions/`` stands for the submissions in
    it); otherwise the path results.json records, relative to the first of ``roots`` where it
    exists (the grader records the path as it was given on its command line)."""
    if given:
        from autograder.grade.batch import output_names  # imports torch: only when needed

        paths: list[Path] = []
        for p in given:
            if p.is_dir() and not (p / "convolutions").is_dir():
                paths.extend(sorted(q for q in p.iterdir() if not q.name.startswith(".")
                                    and (q.is_dir() or q.suffix.lower() == ".zip")))
            else:
                paths.append(p)
        found = dict(zip(output_names(paths), paths)) if paths else {}
        return {name: found.get(name) for name in graded_sources}
    out: dict[str, Path | None] = {}
    for name, source in graded_sources.items():
        out[name] = None
        if source:
            path = Path(source)
            for root in [Path("/")] if path.is_absolute() else roots:
                if (root / path).exists():
                    out[name] = root / path
                    break
    return out
