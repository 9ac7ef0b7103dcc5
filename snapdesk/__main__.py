"""`python -m snapdesk`."""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from snapdesk.cli import main

    sys.exit(main())
