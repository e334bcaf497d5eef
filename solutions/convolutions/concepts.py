"""Part ``concepts`` (optional): short auto-graded answers to conceptual questions.

Each function returns one answer: a letter for multiple choice, a number otherwise. Replace the
``raise NotImplementedError`` with ``return <your answer>``. Work the answer out (on paper or in
the notebook); the checks only look at the value you return.
"""

from __future__ import annotations


def fc_parameter_count() -> int:
    """d2l 6.1.1: a fully connected layer maps a 1000 x 1000 grayscale image to a hidden
    representation with 1000 x 1000 units (no bias). How many weights does it have?"""
    ### BEGIN SOLUTION
    ### TASK: Return the count as an int.
    ### HINT nudge: Every hidden unit is connected to every input pixel by its own weight. How
    ### HINT nudge: many (input pixel, hidden unit) pairs are there?
    ### ANSWER: 10**12
    ### ANSWER: 10^12
    ### ANSWER: 1e12
    ### ANSWER: 1000000000000
    ### ANSWER: 1_000_000_000_000
    ### ANSWER: a trillion
    ### ANSWER: one trillion
    return 10**12
    ### END SOLUTION


def conv_parameter_count() -> int:
    """d2l 6.1.2: the same layer made translation-invariant and local, with a kernel of
    Delta = 10 (offsets -10..10 in both directions), one input and one output channel, no
    bias. How many weights does it have?"""
    ### BEGIN SOLUTION
    ### TASK: Return the count as an int.
    ### HINT nudge: Translation invariance makes the weights the same for every output position,
    ### HINT nudge: and locality keeps only the offsets (a, b) with |a| <= Delta and |b| <= Delta.
    ### HINT nudge: How many such offsets are there?
    ### ANSWER: 441
    ### ANSWER: 21 * 21
    ### ANSWER: 21**2
    ### ANSWER: 21^2
    ### ANSWER: 21 x 21
    return 21 * 21
    ### END SOLUTION


def transposed_edge_response() -> str:
    """d2l 6.2 exercise 1: X is d2l's edge image (vertical edges), K = [[1, -1]]. What is
    ``corr2d(X.T, K)``?

    (a) the same as corr2d(X, K).T   (b) all zeros   (c) the vertical edges again
    (d) corr2d(X, K) with opposite signs
    """
    ### BEGIN SOLUTION
    ### TASK: Return "a", "b", "c" or "d".
    ### HINT nudge: Draw X.T: where are its edges now? Which pairs of pixels does K = [[1, -1]]
    ### HINT nudge: compare, and how do those pixels differ in X.T? Then run it in the notebook.
    ### ANSWER: return "b"
    ### ANSWER: return 'b'
    return "b"
    ### END SOLUTION


def receptive_field(num_layers: int = 3) -> int:
    """d2l 6.2.6: stacking ``num_layers`` 3 x 3 convolutions (stride 1, no pooling), how wide
    (in input pixels) is the receptive field of one output pixel? Answer for num_layers = 3."""
    ### BEGIN SOLUTION
    ### TASK: Return the width as an int for num_layers = 3 (the default).
    ### HINT nudge: One 3 x 3 layer makes an output pixel depend on 3 input pixels across. By how
    ### HINT nudge: many pixels does each further 3 x 3 layer widen that region?
    ### ANSWER: return 7
    ### ANSWER: 2 * num_layers + 1
    ### ANSWER: 2 * 3 + 1
    ### ANSWER: 7 x 7
    return 2 * num_layers + 1
    ### END SOLUTION


def output_shape() -> tuple[int, int]:
    """d2l 6.3: an input of shape (28, 31) cross-correlated with a (5, 4) kernel, padding
    (2, 1) and stride (3, 2). What is the output shape?"""
    ### BEGIN SOLUTION
    ### TASK: Return (out_h, out_w) as a tuple of ints.
    ### HINT nudge: Draw a case small enough to count: a row of 7 inputs, a kernel of width 3,
    ### HINT nudge: one zero of padding on each side, stride 2. How many windows fit? Does the
    ### HINT nudge: formula you take from d2l 6.3 give the same count? Then treat each dimension
    ### HINT nudge: on its own, with its own padding and stride.
    ### ANSWER: (10, 15)
    ### ANSWER: 10 x 15
    ### ANSWER: (28 + 4 - 5) // 3 + 1
    ### ANSWER: (31 + 2 - 4) // 2 + 1
    return ((28 + 4 - 5) // 3 + 1, (31 + 2 - 4) // 2 + 1)
    ### END SOLUTION
