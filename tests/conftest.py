"""Suite-wide settings: tests never touch the network."""

from __future__ import annotations

import os

# Dataset loaders fall back to local files and the bundled subset; never download in tests.
os.environ.setdefault("COSIM_OFFLINE", "1")
