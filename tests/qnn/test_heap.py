"""qnn._heap: the thresholds are set once, where the C library is glibc."""

from __future__ import annotations

import platform

import pytest

from qnn import _heap


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_thresholds_are_set_once_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_heap, "_done", False)
    assert _heap.keep_freed_memory()
    calls = []
    monkeypatch.setattr(_heap.ctypes, "CDLL", lambda *a: calls.append(a))
    assert _heap.keep_freed_memory()  # already set: no second call into the C library
    assert calls == []


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_heap, "_done", False)
    monkeypatch.setattr(_heap.platform, "libc_ver", lambda: ("musl", "1.2"))
    assert not _heap.keep_freed_memory()
