"""One writer per results directory: an advisory lock file naming its holder.

``run_study`` holds ``<out>/.cosim.lock`` while it writes the directory. The
lock is an ``flock`` on the open file, so the kernel releases it when the
holder exits, however it exits (kill -9 included): a lock file left behind
never blocks a later run. The file names the holder (pid, host, start time)
for the message a second run prints.

On platforms without ``fcntl`` (Windows) the lock is a no-op.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
import stat
import sys
from pathlib import Path
from types import TracebackType

from cosim.errors import CosimInputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".cosim.lock"


class DirectoryLock:
    """Exclusive use of a results directory for the duration of a ``with`` block.

    Parameters
    ----------
    directory : Path
        The results directory; it must exist.
    wait : bool, default=False
        Wait for the holder to finish instead of refusing.
    where : str, default="--out"
        What the error names.

    Raises
    ------
    CosimInputError
        On entering, when another process holds the lock and ``wait`` is false.
    """

    def __init__(self, directory: Path, *, wait: bool = False, where: str = "--out") -> None:
        self.path = Path(directory) / LOCK_NAME
        self.wait = wait
        self.where = where
        self._fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        if fcntl is None:  # pragma: no cover - Windows
            return self
        try:
            # Never follow a symlink or block on a FIFO planted as the lock:
            # the holder's line is written into this file.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK,
                         0o644)
        except OSError as exc:
            raise CosimInputError(str(self.path), f"cannot be used as the lock file "
                                  f"({exc.strerror}); remove it") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise CosimInputError(str(self.path), "is not a regular file; remove it")
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                if not self.wait:
                    raise CosimInputError(self.where, f"{str(self.path.parent)!r} is in use by "
                                          f"another cosim run ({holder}); wait for it to "
                                          "finish, use another directory, or pass --wait") \
                        from None
                sys.stderr.write(f"cosim: waiting for the other run on {self.path.parent} "
                                 f"({holder})\n")
                fcntl.flock(fd, fcntl.LOCK_EX)
            started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started}\n"
                      .encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            # Closing releases the flock; the file stays (removing it would
            # race with a waiter that already opened it).
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> str:
    text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    return text or "holder unknown"
