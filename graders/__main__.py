"""`python -m graders`: the instructor's commands (graders/instructor/cli.py)."""

import sys

from graders.instructor.cli import main

if __name__ == "__main__":
    sys.exit(main())
