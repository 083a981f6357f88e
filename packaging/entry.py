"""The packaged app's entry point (PyInstaller freezes this file, not desktop_app/__main__.py)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Librarian parses documents and runs Chroma in "spawn" child processes. A frozen app has no
    # Python to spawn: the child is this executable again, and freeze_support() turns it into
    # the child instead of a second window. It must run before anything else.
    multiprocessing.freeze_support()
    from desktop_app.launcher import main

    sys.exit(main())
