"""Generate the two small datasets used by the convolution assignment (run from anywhere).

    python scripts/make_data.py [--out DIR] [--only audio|text] [--workers N] [--eval NPZ]
    python scripts/make_data.py --add-val [--out DIR] [--only audio|text] [--workers N]

* ``data/audio_mfcc.npz``: MFCC frames of ten spoken command words synthesised with espeak-ng
  (needs the ``espeak-ng`` binary and ``pip install librosa soundfile``).
* ``data/text.npz``: synthetic sentiment sentences in which only local n-grams (negation next to
  an adjective) decide the label, so a unigram bag of words is near chance.
* with ``--eval NPZ``: the grader's hidden held-out set (other speakers, other sentences), which
  is not part of data/ and must not be shipped to students.
* both files also hold a validation split (``X_val``, ``y_val``, and ``len_val`` for text) drawn
  like the grader's held-out set but from other speakers / sentences, so that students can
  predict their held-out accuracy. ``--add-val`` loads the existing files and only appends
  (or replaces) these validation arrays, leaving every other array as it is: regenerating
  everything with other espeak-ng / librosa versions need not reproduce the committed arrays.

Everything is drawn from fixed seeds, so a second run writes identical arrays (with the same
espeak-ng / librosa versions; the committed files are the reference).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterable
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------------------------------
# Audio
# ----------------------------------------------------------------------------------------------
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
ACCENTS = [  # espeak-ng English voices that accept a "+variant" (plain "en-gb" ignores it)
    "en", "en-us", "en-gb-scotland", "en-029", "en-us-nyc", "en-gb-x-rp", "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
]
# Speakers are espeak-ng voice variants. Each split has its own speakers and its own disjoint
# grids of speeds (words/min) and pitches (0-99), so test accuracy measures generalisation.
# "eval" is the grader's hidden set (--eval), never shipped to students. "val" is shipped: it is
# drawn like "eval" (named variants of the same kind, one counterpart per eval voice, speed and
# pitch grids shifted the same way) so its accuracy predicts the held-out one. Its voices:
# edward2 (klatt-6 based with formant tweaks, like adam), Mike (benjamin), pedro (the plain
# formants and tone line of john), max (paul's formant pattern), Andrea (Annie), aunty (linda's
# formants), Alex (for belinda: no undistorted female variant is left) and klatt5 (klatt4).
# (Some espeak-ng variants, e.g. zac, norbert, shelby, are strongly distorted: they are used
# nowhere. A screen of the unused named variants, 50 clips each, kept only those on which the
# reference AudioConvNet scores >= 85%, as it does on every eval voice; the val voices come
# from those.)
AUDIO_SPLITS = {  # name: (variants, speeds, pitches, examples per word)
    "train": (["m1", "m2", "m3", "m4", "m6", "m8", "f1", "f2", "f4", "klatt", "klatt3"],
              range(140, 231, 10), range(25, 76, 10), 80),
    "test": (["m5", "m7", "f3", "f5", "klatt2"], range(145, 226, 10), range(30, 71, 10), 30),
    "eval": (["adam", "john", "benjamin", "paul", "Annie", "linda", "belinda", "klatt4"],
             range(142, 223, 10), range(27, 68, 10), 30),
    "val": (["edward2", "Mike", "pedro", "max", "Andrea", "aunty", "Alex", "klatt5"],
            range(147, 228, 10), range(32, 73, 10), 30),
}

SR = 16_000  # espeak-ng writes 22.05 kHz; resampled to 16 kHz
N_MFCC = 20
N_MELS = 40
N_FFT = 512  # 32 ms window
HOP = 400  # 25 ms
T = 40  # frames per example
CLIP = N_FFT + (T - 1) * HOP  # 16112 samples (~1.0 s) give exactly T frames with center=False
AUDIO_SEED = 20240601


def synth(word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """espeak-ng -> float32 mono at SR, leading/trailing silence trimmed, peak 1."""
    import librosa
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "w.wav")
        cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", path, word]
        subprocess.run(cmd, check=True, capture_output=True)
        y, sr = sf.read(path, dtype="float32")
    y = librosa.resample(y, orig_sr=sr, target_sr=SR, res_type="soxr_hq")
    y, _ = librosa.effects.trim(y, top_db=40)
    return (y / np.abs(y).max()).astype(np.float32)


def audio_example(job: tuple[int, str, str, int, int, float, int]) -> np.ndarray:
    """One (N_MFCC, T) MFCC matrix: word at a random offset in a noisy 1 s clip."""
    import librosa

    index, word, voice, speed, pitch, snr_db, seed = job
    rng = np.random.default_rng([seed, index])  # per-example stream: order/worker independent
    y = synth(word, voice, speed, pitch)
    if len(y) > CLIP:  # never happens with the speed grids above; keep the middle if it did
        start = (len(y) - CLIP) // 2
        y = y[start : start + CLIP]
    clip = np.zeros(CLIP, np.float32)
    offset = int(rng.integers(0, CLIP - len(y) + 1))  # random time shift
    clip[offset : offset + len(y)] = y * rng.uniform(0.3, 1.0)
    rms = np.sqrt(np.mean(clip[offset : offset + len(y)] ** 2))
    clip += rng.standard_normal(CLIP).astype(np.float32) * rms * 10 ** (-snr_db / 20)
    mfcc = librosa.feature.mfcc(
        y=clip, sr=SR, n_mfcc=N_MFCC, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, center=False
    )
    assert mfcc.shape == (N_MFCC, T), mfcc.shape
    return mfcc.astype(np.float32)


def audio_jobs(split: str, rng: np.random.Generator, start: int) -> tuple[list, np.ndarray]:
    """Random (voice, speed, pitch, noise) settings for every example of one split."""
    variants, speeds, pitches, per_word = AUDIO_SPLITS[split]
    jobs, labels = [], []
    for label, word in enumerate(WORDS):
        for _ in range(per_word):
            voice = f"{rng.choice(ACCENTS)}+{rng.choice(variants)}"
            snr = float(rng.uniform(15, 30))  # mild white noise, 15-30 dB below the word
            jobs.append((start + len(jobs), word, voice, int(rng.choice(speeds)),
                         int(rng.choice(pitches)), snr, AUDIO_SEED))
            labels.append(label)
    return jobs, np.array(labels, np.int64)


def audio_features(jobs: list, workers: int) -> np.ndarray:
    with Pool(workers) as pool:  # map keeps the job order, so the result is deterministic
        return np.stack(pool.map(audio_example, jobs, chunksize=8))


def all_audio_jobs() -> dict[str, tuple[list, np.ndarray]]:
    """The jobs and labels of every split, drawn in the order train, test, eval, val from one
    stream, so adding a split at the end changes none before it."""
    rng = np.random.default_rng(AUDIO_SEED)
    splits, start = {}, 0
    for name in ("train", "test", "eval", "val"):
        splits[name] = audio_jobs(name, rng, start)
        start += len(splits[name][0])
    return splits


def audio_val_arrays(jobs: dict[str, tuple[list, np.ndarray]], val_feats: np.ndarray,
                     mean: np.ndarray, std: np.ndarray) -> dict[str, np.ndarray]:
    """The validation arrays (standardised with the training statistics) and the speakers."""
    return {
        "X_val": ((val_feats - mean) / std).astype(np.float16), "y_val": jobs["val"][1],
        **{f"speakers_{name}": np.array(AUDIO_SPLITS[name][0]) for name in ("train", "test",
                                                                            "val")},
    }


def make_audio(out: Path, workers: int, hidden: dict[str, np.ndarray] | None = None) -> None:
    """Write audio_mfcc.npz; with ``hidden``, also put the eval split (other speakers) into it."""
    jobs = all_audio_jobs()
    (train_jobs, y_train), (test_jobs, y_test) = jobs["train"], jobs["test"]
    (eval_jobs, y_eval), (val_jobs, _) = jobs["eval"], jobs["val"]
    feats = audio_features(train_jobs + test_jobs + val_jobs
                           + (eval_jobs if hidden is not None else []), workers)
    n_train, n_test, n_val = len(train_jobs), len(test_jobs), len(val_jobs)
    X_train, X_test = feats[:n_train], feats[n_train : n_train + n_test]
    val_feats = feats[n_train + n_test : n_train + n_test + n_val]
    # Standardise each MFCC coefficient with statistics of the training frames only (c0 is on a
    # very different scale from the others); float16 keeps ~3 significant digits, plenty here.
    mean = X_train.mean(axis=(0, 2), keepdims=True)
    std = X_train.std(axis=(0, 2), keepdims=True)
    X_train, X_test = ((X - mean) / std for X in (X_train, X_test))
    if hidden is not None:
        X_eval = (feats[n_train + n_test + n_val :] - mean) / std
        hidden |= {"audio_X": X_eval.astype(np.float16), "audio_y": y_eval}
    np.savez_compressed(
        out / "audio_mfcc.npz",
        X_train=X_train.astype(np.float16), y_train=y_train,
        X_test=X_test.astype(np.float16), y_test=y_test,
        classes=np.array(WORDS),
        feature_mean=mean[0, :, 0], feature_std=std[0, :, 0],
        n_mfcc=N_MFCC, sample_rate=SR, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS,
        **audio_val_arrays(jobs, val_feats, mean, std),
    )
    print(f"audio: X_train {X_train.shape}, X_test {X_test.shape}, X_val {(n_val, N_MFCC, T)}, "
          f"{len(WORDS)} classes")


def add_audio_val(out: Path, workers: int) -> None:
    """Append the validation arrays to the existing audio_mfcc.npz; nothing else is recomputed:
    the clips are standardised with the stored training statistics."""
    path = out / "audio_mfcc.npz"
    old = load_arrays(path)
    jobs = all_audio_jobs()
    for name in ("train", "test"):  # the labels are drawn with the settings: a cheap check
        if not np.array_equal(old[f"y_{name}"], jobs[name][1]):
            raise SystemExit(f"{path}: y_{name} differs from the one drawn here; is AUDIO_SPLITS "
                             "still the one that made the file?")
    val_feats = audio_features(jobs["val"][0], workers)
    mean, std = (old[k][None, :, None] for k in ("feature_mean", "feature_std"))
    write_with(path, old, audio_val_arrays(jobs, val_feats, mean, std))
    print(f"audio: appended X_val {val_feats.shape} to {path}")


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def write_with(path: Path, old: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> None:
    """Rewrite ``path`` with the arrays ``old`` (same order) plus ``new`` (replacing arrays of
    the same name), then check that every old array not in ``new`` reads back unchanged."""
    keep = {k: v for k, v in old.items() if k not in new}
    np.savez_compressed(path, **keep, **new)
    back = load_arrays(path)
    for k, v in keep.items():
        if v.dtype != back[k].dtype or not np.array_equal(v, back[k]):
            raise SystemExit(f"{path}: array {k} changed while appending")


# ----------------------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------------------
SUBJECTS = ["the movie", "the film", "the food", "the service", "the hotel", "the book",
            "the plot", "the music", "this phone", "the staff", "the room", "the game",
            "the show", "the coffee", "the ending", "the concert", "the trip", "the meal"]
VERBS = ["was", "is", "seemed", "looked", "felt", "sounded", "turned out", "was just"]
NEG_VERBS = {"was": "wasn't", "is": "isn't"}  # the negation can also sit in the verb token
NEGATORS = ["not", "never"]
INTENSIFIERS = ["very", "really", "quite", "so", "truly", "pretty", "extremely", "rather"]
POSITIVE = ["good", "great", "excellent", "nice", "wonderful", "pleasant", "enjoyable",
            "brilliant", "superb", "lovely", "fantastic", "fine"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "poor", "dull", "horrible", "disappointing",
            "mediocre", "weak", "dreadful", "annoying"]
# Sentiment-free clauses, several with their own negation, so that "not" anywhere in the
# sentence says nothing: only "not" right before the adjective flips the label.
NEUTRAL_ADJ = ["warm", "cold", "sunny", "quiet", "busy", "late", "early", "long", "short"]
FILLERS = ["i did not expect that", "we had never been there before", "to be honest",
           "i have to say", "my friends were not sure", "if i am honest", "after a long day",
           "on a rainy evening", "it was not my first time", "i went there with my sister",
           "we never planned to go", "as i told my brother", "i was not alone",
           "last weekend", "for what it is worth"]
CLASSES = ["negative", "positive"]
TEXT_LEN = 32  # sentences have at most 21 tokens; the rest is padding (room to shift)
TEXT_TRAIN, TEXT_TEST = 4000, 1000  # eval and val have TEXT_TEST sentences too
TEXT_SEED = 20240602


def sentence(rng: np.random.Generator) -> tuple[str, int]:
    """A random sentence and its label: adjective polarity, flipped by an adjacent negation."""
    subject, verb = rng.choice(SUBJECTS), str(rng.choice(VERBS))
    negated = rng.random() < 0.5
    words = [subject]
    if negated and verb in NEG_VERBS and rng.random() < 0.3:
        words.append(NEG_VERBS[verb])
    else:
        words += [verb] + ([str(rng.choice(NEGATORS))] if negated else [])
    if rng.random() < 0.5:
        words.append(rng.choice(INTENSIFIERS))
    positive = rng.random() < 0.5
    words.append(rng.choice(POSITIVE if positive else NEGATIVE))
    main = " ".join(words)
    clauses = [main]
    for _ in range(int(rng.choice(3, p=[0.3, 0.5, 0.2]))):  # 0-2 distractor clauses
        if rng.random() < 0.3:
            neg = "not " if rng.random() < 0.5 else ""
            neutral = f"the weather was {neg}{rng.choice(NEUTRAL_ADJ)}"
        else:
            neutral = str(rng.choice(FILLERS))
        clauses.insert(int(rng.integers(0, len(clauses) + 1)), neutral)
    return " , ".join(clauses), int(positive != negated)


def text_splits() -> dict[str, tuple[list[str], list[int]]]:
    """Sentences and labels of train, test, eval and val, drawn in this order from one stream
    (each split after the ones before, so adding one at the end changes none of them); no
    sentence appears twice, within or across splits."""
    rng = np.random.default_rng(TEXT_SEED)
    seen: set[str] = set()
    splits: dict[str, tuple[list[str], list[int]]] = {}
    for name, n in (("train", TEXT_TRAIN), ("test", TEXT_TEST), ("eval", TEXT_TEST),
                    ("val", TEXT_TEST)):
        splits[name] = ([], [])
        while len(splits[name][0]) < n:
            text, label = sentence(rng)
            if text not in seen:
                seen.add(text)
                splits[name][0].append(text)
                splits[name][1].append(label)
    return splits


def text_arrays(splits: dict[str, tuple[list[str], list[int]]]) -> dict[str, np.ndarray]:
    """X_<split>, len_<split>, y_<split> for every split, with the vocabulary of the training
    sentences (words never seen in training map to <unk> = 1), and ``vocab``."""
    words = sorted({w for text in splits["train"][0] for w in text.split()})
    vocab = ["<pad>", "<unk>"] + words
    index = {w: i for i, w in enumerate(vocab)}
    arrays: dict[str, np.ndarray] = {"vocab": np.array(vocab)}
    for name, (texts, labels) in splits.items():
        ids = np.zeros((len(texts), TEXT_LEN), np.int64)  # right-padded with <pad> = 0
        lengths = np.zeros(len(texts), np.int64)
        for row, text in enumerate(texts):
            toks = [index.get(w, 1) for w in text.split()]
            assert len(toks) <= TEXT_LEN, text
            ids[row, : len(toks)] = toks
            lengths[row] = len(toks)
        arrays |= {f"X_{name}": ids, f"len_{name}": lengths,
                   f"y_{name}": np.array(labels, np.int64)}
    return arrays


TEXT_VAL_KEYS = ("X_val", "len_val", "y_val")


def make_text(out: Path, hidden: dict[str, np.ndarray] | None = None) -> None:
    """Write text.npz (train, test, val); with ``hidden``, also fill it with the eval split."""
    splits = text_splits()
    arrays = text_arrays(splits)
    evals = {f"text_{k}": arrays.pop(f"{k}_eval") for k in ("X", "len", "y")}
    if hidden is not None:
        hidden |= evals
    vocab = arrays.pop("vocab")
    val = {k: arrays.pop(k) for k in TEXT_VAL_KEYS}
    np.savez_compressed(out / "text.npz", **arrays, vocab=vocab, classes=np.array(CLASSES),
                        **val)
    print(f"text: X_train {arrays['X_train'].shape}, X_test {arrays['X_test'].shape}, "
          f"X_val {val['X_val'].shape}, vocab {len(vocab)}, max length "
          f"{arrays['len_train'].max()}, positive share {arrays['y_train'].mean():.2f}")
    print(f"  e.g. {splits['train'][0][0]!r} -> {CLASSES[splits['train'][1][0]]}")
    bag_of_words_baseline(arrays, len(vocab))


def add_text_val(out: Path) -> None:
    """Append the validation arrays to the existing text.npz. The sentences are drawn again
    from the seed (cheap); the stored train/test arrays and vocabulary must equal the ones drawn
    here (so the val sentences are surely new), and only the validation arrays are written."""
    path = out / "text.npz"
    old = load_arrays(path)
    arrays = text_arrays(text_splits())
    for k in ("X_train", "len_train", "y_train", "X_test", "len_test", "y_test", "vocab"):
        if not np.array_equal(old[k], arrays[k]):
            raise SystemExit(f"{path}: {k} differs from the one drawn from TEXT_SEED (another "
                             "numpy version?); the validation sentences would not be surely new")
    write_with(path, old, {k: arrays[k] for k in TEXT_VAL_KEYS})
    print(f"text: appended X_val {arrays['X_val'].shape} to {path}")


def bag_of_words_baseline(arrays: dict[str, np.ndarray], vocab_size: int) -> None:
    """Logistic regression on unigram (and, for contrast, uni+bigram) counts; needs scikit-learn."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("  (scikit-learn missing: bag-of-words baseline skipped)")
        return

    def counts(X: np.ndarray, bigrams: bool) -> np.ndarray:
        n = vocab_size
        F = np.zeros((len(X), n + (n * n if bigrams else 0)), np.float32)
        for row, ids in enumerate(X):
            ids = ids[ids != 0]
            np.add.at(F[row], ids, 1)
            if bigrams:
                np.add.at(F[row], n + ids[:-1] * n + ids[1:], 1)
        return F

    for bigrams in (False, True):
        clf = LogisticRegression(max_iter=3000)
        clf.fit(counts(arrays["X_train"], bigrams), arrays["y_train"])
        acc = clf.score(counts(arrays["X_test"], bigrams), arrays["y_test"])
        print(f"  bag-of-{'uni+bigrams' if bigrams else 'unigrams'} logistic regression: "
              f"test accuracy {acc:.3f}")



def arrays_digest(arrays: dict[str, np.ndarray], keys: Iterable[str] | None = None) -> str:
    """A digest of the arrays (``keys``, default all), to compare two runs: sha256 over their
    bytes in sorted key order, first 16 hex digits."""
    names = sorted(arrays if keys is None else keys)
    return hashlib.sha256(b"".join(arrays[k].tobytes() for k in names)).hexdigest()[:16]

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--only", choices=["audio", "text"])
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--eval", type=Path, metavar="NPZ",
                        help="also write the grader's hidden held-out set (audio_X, audio_y, "
                             "text_X, text_len, text_y) to this file")
    parser.add_argument("--add-val", action="store_true",
                        help="only append the validation arrays to the existing .npz files in "
                             "--out, leaving all other arrays unchanged")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    hidden: dict[str, np.ndarray] | None = {} if args.eval else None
    if args.eval and args.only:
        parser.error("--eval needs both data sets: drop --only")
    if args.eval and args.add_val:
        parser.error("--add-val leaves the eval set alone: drop --eval")
    if args.add_val:
        if args.only != "text":
            add_audio_val(args.out, args.workers)
        if args.only != "audio":
            add_text_val(args.out)
    else:
        if args.only != "text":
            make_audio(args.out, args.workers, hidden)
        if args.only != "audio":
            make_text(args.out, hidden)
    if hidden is not None:
        args.eval.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.eval, **hidden)
        print(f"hidden set: audio_X {hidden['audio_X'].shape}, text_X {hidden['text_X'].shape}")
    for path in [args.out / "audio_mfcc.npz", args.out / "text.npz", args.eval]:
        if path is not None and path.exists():
            with np.load(path) as f:
                digest = arrays_digest({k: f[k] for k in f.files})
            print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, "
                  f"arrays sha256 {digest})")


if __name__ == "__main__":
    main()
