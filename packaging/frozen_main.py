"""Entry point of the PyInstaller bundle (see packaging/snapdesk.spec).

`multiprocessing.freeze_support()` must run before anything else: the audience hashing uses a
spawn ProcessPoolExecutor, and in a frozen app every worker process starts this same executable;
freeze_support() turns such a start into the worker and never returns to the code below.
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from snapdesk.cli import main

    sys.exit(main())
