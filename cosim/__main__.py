"""Allow ``python -m cosim``."""

import sys

from cosim.cli import main

if __name__ == "__main__":
    sys.exit(main())
