"""Oracles and shared pieces of the check bank (grader side only; never shipped)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from autograder.rules import NO_CONVOLUTION

NO_CONV = [NO_CONVOLUTION]


def oracle_corr2d(X: torch.Tensor, K: torch.Tensor, padding=0, stride=1) -> torch.Tensor:
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def oracle_corr1d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_in, T), K (c_out, c_in, kw) -> (c_out, T - kw + 1)."""
    return F.conv1d(X[None], K)[0]


def trainer_source() -> str:
    """The given ``train_classifier``, as source the student process can run on its own.

    It is taken from the reference's ``training.py`` (the file students were given), so the
    grader trains every submission the same way, whatever their own copy says.
    """
    import ast

    from autograder import paths

    path = paths.SOLUTIONS / paths.PACKAGE / "training.py"
    source = path.read_text()
    fn = next(n for n in ast.parse(source).body
              if isinstance(n, ast.FunctionDef) and n.name == "train_classifier")
    header = "import torch\nfrom torch import Tensor, nn\nfrom torch.nn import functional as F\n"
    return header + ast.get_source_segment(source, fn)


def reference_training() -> dict:
    """AUDIO_TRAINING, TEXT_TRAINING and TEXT_MODEL of the reference's ``training.py``."""
    import ast

    from autograder import paths

    tree = ast.parse((paths.SOLUTIONS / paths.PACKAGE / "training.py").read_text())
    out = {}
    for node in tree.body:  # each is NAME: dict[...] = dict(key=literal, ...)
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and node.target.id in ("AUDIO_TRAINING", "TEXT_TRAINING", "TEXT_MODEL")):
            assert isinstance(node.value, ast.Call)
            out[node.target.id] = {kw.arg: ast.literal_eval(kw.value) for kw in node.value.keywords}
    return out


def load_npz(path) -> dict:
    import numpy as np

    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def expect_accuracy(obs: dict, y_eval: torch.Tensor, n_classes: int, threshold: float,
                    model: str) -> None:
    """The held-out logits a trained model returned reach ``threshold`` accuracy."""
    from autograder.grade.bank import CheckFailed
    from autograder.grade.judge import as_tensor

    logits = as_tensor(obs["logits"], f"{model} logits on the held-out set")
    if tuple(logits.shape) != (len(y_eval), n_classes):
        raise CheckFailed(f"logits of shape {tuple(logits.shape)} on the held-out set, expected "
                          f"{(len(y_eval), n_classes)}")
    predicted = logits.argmax(1)
    if len(y_eval) > 1 and bool((predicted == predicted[0]).all()):
        # a constant (input-independent) classifier earns nothing, whatever the class balance
        raise CheckFailed(f"{model} predicts the same class for every held-out input")
    acc = (predicted == y_eval).double().mean().item()
    if acc < threshold:
        raise CheckFailed(f"held-out accuracy {acc:.1%}, below {threshold:.0%}")
    if acc <= torch.bincount(y_eval, minlength=n_classes).max().item() / len(y_eval):
        raise CheckFailed(f"held-out accuracy {acc:.1%}: no better than always predicting the "
                          "most frequent class")


def expect_input_dependent(logits, what: str) -> None:
    """Rows computed from distinct inputs are not all the same: a model whose output ignores
    its input (a constant, a learned bias expanded to the batch, zeros) fails.

    ``logits`` is a tensor (rows = distinct inputs) or a list of 1-D tensors."""
    from autograder.grade.bank import CheckFailed

    rows = torch.stack(list(logits)) if isinstance(logits, (list, tuple)) else logits
    rows = rows.detach().to(torch.float64).reshape(len(rows), -1)
    if not bool(torch.isfinite(rows).all()):
        raise CheckFailed(f"{what}: the logits contain NaN or inf")
    if len(rows) < 2:
        return
    spread = (rows - rows[0]).abs().max()
    if not bool(spread > 1e-6 * (1 + rows.abs().max())):
        raise CheckFailed(f"{what}: the logits are the same for all of them; they must depend "
                          "on the input")
