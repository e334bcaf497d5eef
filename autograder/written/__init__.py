"""Written answers, graded by hand: ``python -m autograder written collect OUT`` and
``python -m autograder written merge SCORES.csv OUT`` (docs/written.md).

- ``rubric``: the rubric of every question, parsed strictly from ``solutions/written/answers.md``;
- ``notebooks``: each submission's notebook found and its answer cells read, never trusting them;
- ``sheet``: the scores sheet's columns and tick values (written by collect, read by merge);
- ``pages``: the HTML pages graders read (one per question, one per student, an index);
- ``collect``: the answers of every graded submission into the pages and the sheet;
- ``merge``: the filled-in sheet validated and merged into ``OUT/<name>/written.json``, the
  students' ``feedback.md`` and the gradebook;
- ``command``: the verb's two commands.

Nothing here imports torch.
"""
