"""``python -m autograder grade``: grade submissions with the hidden check bank."""
