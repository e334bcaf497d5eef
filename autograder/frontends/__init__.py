"""Front-ends that run the check bank inside other platforms (otter, nbgrader, Gradescope,
GitHub Classroom). Each is generated from the same check bank, so all give the same scores."""
