"""Collecting students' repositories for the official grade:
``python -m autograder collect ROSTER --deadline ...`` (docs/collect.md).

``roster`` reads the class list (a plain CSV, or Classroom 50's score export), ``times`` the
deadlines and extensions, ``git`` fetches a repository and exports one commit's files,
``select`` picks the commit that counts, ``manifest`` is the record written beside the
checkouts (``DEST/collection.csv``) that ``grade --collection`` reads back, and ``command``
runs it all, one student at a time in a few threads.
"""
