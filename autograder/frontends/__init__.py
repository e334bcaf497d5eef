"""The platforms the check bank runs on besides our own grader: one module each (``github``,
``gradescope``, ``otter``, ``nbgrader_course``) declaring its ``PLATFORM`` (the contract is
``platform.Platform``), all listed once in ``release.PLATFORMS``. Each is generated from the same
check bank, so all give the same scores.

This package is also imported by the student's kernel under otter and nbgrader (``kernel``,
``inprocess``; see ``autograder.bundle.KERNEL_SIDE``), so this file imports nothing.
"""
