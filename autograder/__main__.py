"""``python -m autograder``: the command line of ``autograder.cli``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
