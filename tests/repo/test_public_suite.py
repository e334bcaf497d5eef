"""The public tests pass on the reference, fail on the stubs, cover every part, and judge like the
grader: its rule guard, its tolerances and thresholds, its verdict on a caught violation."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import tolerances
from autograder.api import API
from autograder.assign.examples import mutants_module, write_mutant
from conftest import REPO

PUBLIC = Path(__file__).resolve().parents[1] / "public"
HIDDEN = REPO / "tests" / "hidden"


@pytest.mark.slow  # runs the public tests on the reference and the stubs (~20 s)
def test_reference_passes_every_public_test(public_reference) -> None:
    failed = [t for t, o in public_reference.outcomes.items() if o != "passed"]
    assert public_reference.outcomes, public_reference.output
    assert not failed, f"reference fails {failed}\n{public_reference.output[-4000:]}"


@pytest.mark.slow
def test_stubs_fail_every_public_test(public_stubs, public_reference) -> None:
    assert set(public_stubs.outcomes) == set(public_reference.outcomes), public_stubs.output
    passing = [t for t, o in public_stubs.outcomes.items() if o != "failed"]
    assert not passing, f"these public tests do not fail on the stubs: {passing}"


@pytest.mark.slow
def test_every_part_has_public_tests(public_reference) -> None:
    for part in [*API, "concepts"]:
        tests = [t for t in public_reference.outcomes if t.split("::")[0].endswith(f"test_{part}")]
        assert len(tests) >= 2, f"part {part} has {len(tests)} public tests, expected at least 2"
        source = (PUBLIC / f"test_{part}.py").read_text()
        assert re.search(rf"pytestmark = pytest\.mark\.{part}\b", source), f"{part}: marker missing"


# Hidden check (id before "[") -> its public counterparts (test_<part>.py::function): the same
# property on other inputs. A new kind of hidden check needs a line here, and a public test.
COUNTERPARTS = {
    "corr2d.d2l_example": ["test_cross_correlation.py::test_d2l_example"],
    "corr2d.oracle": ["test_cross_correlation.py::test_matches_torch_and_keeps_inputs"],
    "corr2d.exact_integers": ["test_cross_correlation.py::test_exact_on_small_integers"],
    "corr2d.float32": ["test_cross_correlation.py::test_float32_in_float32_out"],
    "corr2d.half_precision": ["test_cross_correlation.py::test_half_precision_kept"],
    "corr2d.int_and_pair_arguments": ["test_cross_correlation.py::test_int_arguments_mean_pairs"],
    "device.cross_correlation": ["test_cross_correlation.py::test_output_on_the_input_device"],
    "corr2d.vectorised": ["test_cross_correlation.py::test_vectorised_over_output_positions"],
    "backward.vs_autograd": ["test_conv2d_backward.py::test_backward_matches_autograd_of_conv2d"],
    "backward.float32": ["test_conv2d_backward.py::test_float32_kept_in_forward_and_backward"],
    "backward.gradcheck": ["test_conv2d_backward.py::test_gradcheck"],
    "backward.needs_input_grad": [
        "test_conv2d_backward.py::test_backward_honours_needs_input_grad"],
    "backward.vectorised": [
        "test_conv2d_backward.py::test_backward_vectorised_over_output_positions"],
    "conv2d.layer": ["test_conv2d_backward.py::test_conv2d_layer"],
    "conv2d.int_kernel_size": ["test_conv2d_backward.py::test_conv2d_int_kernel_size_is_square"],
    "learn_kernel.edge": [
        "test_conv2d_backward.py::test_learn_kernel_recovers_edge_detector",
        "test_conv2d_backward.py::test_learn_kernel_recovers_a_random_kernel_on_the_edge_image"],
    "learn_kernel.random_kernel": [
        "test_conv2d_backward.py::test_learn_kernel_recovers_a_random_kernel"],
    "learn_kernel.layout": ["test_conv2d_backward.py::test_learn_kernel_recovers_a_random_kernel"],
    "device.conv2d_backward": ["test_conv2d_backward.py::test_tensors_stay_on_the_input_device"],
    "im2col.oracle": ["test_conv_as_matmul.py::test_im2col_small_example",
                      "test_conv_as_matmul.py::test_im2col_and_corr2d_matmul_match_torch"],
    "corr2d_matmul.oracle": ["test_conv_as_matmul.py::test_im2col_and_corr2d_matmul_match_torch"],
    "kernel_matrix.exact": ["test_conv_as_matmul.py::test_kernel_matrix_is_the_matrix_of_corr2d"],
    "kernel_matrix.transpose": [
        "test_conv_as_matmul.py::test_kernel_matrix_transpose_gives_input_gradient"],
    "conv_as_matmul.float32": ["test_conv_as_matmul.py::test_float32_kept"],
    "device.conv_as_matmul": ["test_conv_as_matmul.py::test_outputs_on_the_input_device"],
    "im2col.vectorised": ["test_conv_as_matmul.py::test_im2col_vectorised_over_output_positions"],
    "kernel_matrix.vectorised": [
        "test_conv_as_matmul.py::test_kernel_matrix_vectorised_over_output_positions"],
    "linear_to_conv1x1.per_pixel": [
        "test_conv1x1_fc.py::test_linear_to_conv1x1_is_per_pixel_linear"],
    "conv1x1_to_linear.round_trip": ["test_conv1x1_fc.py::test_conv1x1_to_linear_round_trip"],
    "conv1x1.dtype": ["test_conv1x1_fc.py::test_linear_to_conv1x1_is_per_pixel_linear",
                      "test_conv1x1_fc.py::test_conv1x1_to_linear_round_trip"],
    "device.conv1x1_fc": ["test_conv1x1_fc.py::test_layers_stay_on_the_input_device"],
    "finite_difference.coefficients": [
        "test_derivative_kernels.py::test_first_and_second_order_values",
        "test_derivative_kernels.py::test_high_order_coefficients"],
    "finite_difference.polynomials": ["test_derivative_kernels.py::test_exact_on_polynomials"],
    "second_derivative.kernel": [
        "test_derivative_kernels.py::test_first_and_second_order_values",
        "test_derivative_kernels.py::test_second_derivative_of_a_sampled_cosine"],
    "integral.cumsum": ["test_derivative_kernels.py::test_integral_kernel_gives_cumsum"],
    "kernels.dtype_device": ["test_derivative_kernels.py::test_dtype_argument_and_default"],
    "min_kernel_size.values": ["test_derivative_kernels.py::test_min_kernel_size"],
    "device.derivative_kernels": ["test_derivative_kernels.py::test_device_argument"],
    "corr1d.oracle": ["test_audio_conv1d.py::test_corr1d_example",
                      "test_audio_conv1d.py::test_corr1d_matches_conv1d"],
    "corr1d_multi_in.oracle": ["test_audio_conv1d.py::test_multi_channel_versions_match_conv1d"],
    "corr1d_multi_in_out.oracle": [
        "test_audio_conv1d.py::test_multi_channel_versions_match_conv1d"],
    "corr1d.float32": ["test_audio_conv1d.py::test_float32_kept"],
    "corr1d.vectorised": ["test_audio_conv1d.py::test_vectorised_over_output_positions",
                          "test_audio_conv1d.py::test_vectorised_over_channels"],
    "audio_net.shapes": ["test_audio_conv1d.py::test_audio_conv_net_shapes_and_input_dependence"],
    "audio_net.accuracy": [
        "test_audio_conv1d.py::test_audio_conv_net_accuracy_after_the_given_training"],
    "device.audio_conv1d": ["test_audio_conv1d.py::test_outputs_on_the_input_device"],
    "textcnn.shapes": ["test_text_conv.py::test_logits_shape_and_input_dependence"],
    "textcnn.shift_invariance": ["test_text_conv.py::test_logits_do_not_move_with_the_sentence"],
    "textcnn.padding_length": ["test_text_conv.py::test_more_padding_does_not_change_the_logits"],
    "textcnn.short_sentences": [
        "test_text_conv.py::test_sentences_shorter_than_the_widest_kernel"],
    "textcnn.rows_shorter_than_kernels": [
        "test_text_conv.py::test_rows_shorter_than_the_widest_kernel"],
    "textcnn.padding_idx": ["test_text_conv.py::test_another_padding_idx"],
    "textcnn.accuracy": ["test_text_conv.py::test_accuracy_after_the_given_training"],
    "device.text_conv": ["test_text_conv.py::test_logits_on_the_input_device"],
    # The answers themselves cannot be public: only their types are checked.
    "concepts.answer": ["test_concepts.py::test_integer_answers",
                        "test_concepts.py::test_multiple_choice_answer",
                        "test_concepts.py::test_shape_answer"],
}


@pytest.mark.slow
def test_every_kind_of_hidden_check_has_a_public_counterpart(public_reference) -> None:
    from autograder.grade.bank import load_bank

    kinds = {c.id.split("[")[0] for c in load_bank().checks}
    lacking = sorted(kinds - set(COUNTERPARTS))
    assert not lacking, f"hidden checks without a public counterpart: {lacking}"
    assert not set(COUNTERPARTS) - kinds, f"no such hidden check: {set(COUNTERPARTS) - kinds}"
    tests = {re.sub(r"\[.*", "", t.split("::", 1)[0].rsplit(".", 1)[-1]) + ".py::"
             + re.sub(r"\[.*", "", t.split("::", 1)[1]) for t in public_reference.outcomes}
    missing = sorted({t for ts in COUNTERPARTS.values() for t in ts} - tests)
    assert not missing, f"COUNTERPARTS names public tests that do not exist: {missing}"


def test_public_tests_load_the_graders_guard_and_tolerances() -> None:
    """Not copies: the very files the grader runs (make release ships them at the same paths)."""
    code = ("import sys; sys.path.insert(0, 'tests/public'); import support; "
            "print(support.guards.__file__); print(support.tolerances.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert [Path(p).resolve() for p in out] == [
        REPO / "autograder" / "sandbox" / "guards.py", REPO / "autograder" / "tolerances.py"]
    for path in PUBLIC.glob("*.py"):  # no name-patching guard or tolerance table of their own
        source = path.read_text()
        assert "setattr(" not in source and "TOLERANCES = " not in source, path.name


def _assigned(path: Path, name: str):
    """The literal value of the module-level ``name = ...`` in ``path``."""
    for node in ast.parse(path.read_text()).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(node.value)
        if any(isinstance(t, ast.Tuple) and name in [e.id for e in t.elts] for t in targets):
            index = [e.id for e in targets[0].elts].index(name)
            return ast.literal_eval(node.value)[index]
    raise LookupError(f"{name} is not assigned in {path}")


def test_one_table_of_tolerances_and_thresholds() -> None:
    """The grader's numbers are the public tests' (autograder/tolerances.py): judge.py and the
    checks import them from there and keep no copies of their own."""
    from autograder.grade import judge

    assert judge.TOLERANCES is tolerances.TOLERANCES
    for path in sorted(HIDDEN.glob("checks_*.py")):
        source = path.read_text()
        for name in ("ACCURACY", "LEARNED", "GRADCHECK", "INVARIANCE", "WORK_SLACK",
                     "SLACK_RATIO", "SLACK_OPS"):
            with pytest.raises(LookupError):
                _assigned(path, name)
        if "ACCURACY" in source or "loops_over_outputs" in source:
            assert "from autograder.tolerances import" in source, path.name


CAUGHT = {
    "cross_correlation": mutants_module().Mutant(
        "corr2d_catches_the_guard", "cross_correlation.py", "    Y = X.new_zeros((out_h, out_w))\n",
        "    try:\n        import torch.nn.functional as F\n"
        "        F.conv2d(Xp[None, None], K[None, None])\n    except BaseException:\n"
        "        pass\n    Y = X.new_zeros((out_h, out_w))\n", (), "tries torch's conv2d quietly"),
    "conv2d_backward": mutants_module().Mutant(
        "backward_catches_the_guard", "conv2d_backward.py",
        "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n",
        "        X, K = ctx.saved_tensors  # type: ignore[attr-defined]\n"
        "        try:\n            with torch.enable_grad():\n"
        "                Xr = X.detach().requires_grad_()\n"
        "                torch.autograd.grad((Xr * 2).sum(), Xr)\n"
        "        except BaseException:\n            pass\n", (), "tries autograd quietly"),
}


@pytest.mark.slow
@pytest.mark.parametrize("part", sorted(CAUGHT))
def test_a_caught_violation_still_fails(tmp_path, part) -> None:
    """Code that catches the guard's exception and goes on with the right values still fails,
    with a message that names the rule."""
    impl = write_mutant(CAUGHT[part], tmp_path / part)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/public", "-m", part, "--impl", str(impl), "-q",
         "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "broke the assignment's rules" in proc.stdout, proc.stdout[-3000:]
    assert "catching its exception does not help" in proc.stdout
