"""Output files are replaced whole: written to a temporary file beside them, then renamed.

A reader never sees half a ``results.csv``, a crash mid-write leaves the old
file, and a symlink at the output path is replaced by the new file instead of
being written through (so a link planted in a results directory cannot make
cosim overwrite what it points to).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    The temporary name keeps the suffix, so writers that choose the format
    by suffix (matplotlib's ``savefig``) write the right one. On an exception
    the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`; return ``path``."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def save_figure(fig: Any, path: str | Path, **kwargs: Any) -> Path:
    """``fig.savefig`` through :func:`replacing` (format from the suffix); return ``path``."""
    with replacing(path) as tmp:
        fig.savefig(tmp, **kwargs)
    return Path(path)
