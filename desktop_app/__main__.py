"""`python -m desktop_app` runs the same entry point as the `librarian` command."""

import sys

from desktop_app.launcher import main

# The guard matters: the parser child process is started with "spawn", which re-imports the
# parent's __main__ module; without it the child would run the whole command again.
if __name__ == "__main__":
    sys.exit(main())
