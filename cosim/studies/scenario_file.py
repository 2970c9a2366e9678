"""Read a scenario file without trusting it.

A scenario may come from anywhere (a mail, a shared directory), so reading it
is bounded before any of it is looked at:

* only a regular file is opened (a FIFO would block, ``/dev/zero`` never
  ends), and at most :data:`MAX_SCENARIO_BYTES` of it is read;
* YAML is parsed by a :class:`yaml.SafeLoader` (tags such as
  ``!!python/object`` are refused, never executed) that also rejects a
  mapping key given twice, naming both lines, caps the nesting depth, and caps
  the number of values with every alias expanded. A few hundred bytes of
  nested aliases ("billion laughs") would otherwise expand into more values
  than memory holds as soon as anything walks or prints them.

Errors are :class:`~cosim.errors.CosimInputError` naming the file or the key
path, never quoting a value.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cosim.errors import CosimInputError

MAX_SCENARIO_BYTES = 1 << 20
"""Largest scenario file read, bytes (1 MiB; the shipped scenarios are under 10 KiB)."""
MAX_NESTING = 32
"""Deepest nesting of mappings and lists, aliases expanded (a scenario needs 4)."""
MAX_NODES = 200_000
"""Most values (scalars, lists, mappings) a scenario may hold, aliases expanded."""


def read_scenario_text(path: str | Path) -> str:
    """The text of the scenario file at ``path``, read with the bounds above.

    Raises
    ------
    CosimInputError
        Missing, not a regular file, too large, unreadable or not UTF-8.
    """
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait for one. The
        # type is checked on the open descriptor, so the file cannot be
        # swapped between the check and the read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise CosimInputError(name, "no such scenario file") from None
    except IsADirectoryError:
        raise CosimInputError(name, "is a directory, expected a scenario YAML file") from None
    except OSError as exc:
        raise CosimInputError(name, f"cannot be read ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise CosimInputError(name, "is a directory, expected a scenario YAML file")
        if not stat.S_ISREG(mode):
            raise CosimInputError(name, "is not a regular file (a device, FIFO or socket); "
                                  "expected a scenario YAML file")
        data = _read_at_most(fd, MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise CosimInputError(name, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_SCENARIO_BYTES:
        raise CosimInputError(name, f"is larger than {MAX_SCENARIO_BYTES} bytes (1 MiB), the "
                              "most a scenario file may be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CosimInputError(name, "is not UTF-8 text, expected a scenario YAML file") from None


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 16, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def parse_yaml(text: str, source: str) -> Any:
    """Parse scenario YAML with the bounds above; ``source`` names the file in errors.

    Raises
    ------
    CosimInputError
        Not YAML, a duplicate key, too deep, or too many values with the
        aliases expanded.
    """
    loader = None
    try:
        loader = _BoundedLoader(text)  # the reader checks the characters here
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise CosimInputError(source, "is not a valid scenario YAML file: "
                              + yaml_reason(exc)) from None
    except ValueError as exc:  # a scalar the constructor cannot build: 2024-13-45, 10**5000
        if isinstance(exc, CosimInputError):
            raise
        raise CosimInputError(source, f"holds a value YAML cannot read ({exc})") from None
    finally:
        if loader is not None:
            loader.dispose()


def yaml_reason(exc: yaml.YAMLError) -> str:
    """What PyYAML found wrong and where (line and column, 1-based)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer checks keys, depth and expanded size node by node.

    The checks run while the node graph is composed, before any Python object
    is built: every finished node records how many nodes and how many levels it
    stands for with its aliases expanded, so an alias costs one lookup, however
    much it expands to.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[str] = []
        self._size: dict[int, int] = {}
        self._depth: dict[int, int] = {}
        self._open: set[str] = set()  # anchors of the nodes being composed

    def _where(self) -> str:
        return "".join(self._path).lstrip(".") or "scenario"

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if isinstance(index, ScalarNode):
            self._path.append(f".{_label(index.value)}")
        elif isinstance(index, int):
            self._path.append(f"[{index}]")
        else:  # the document root, or a mapping key being composed
            self._path.append("" if parent is None else ".<key>")
        try:
            if len(self._path) > MAX_NESTING:
                raise CosimInputError(self._where(), f"nests more than {MAX_NESTING} levels "
                                      "deep; a scenario needs a handful")
            event = self.peek_event()
            if isinstance(event, AliasEvent) and event.anchor in self._open:
                raise CosimInputError(self._where(), "holds a YAML alias to a value that "
                                      "contains it; a scenario cannot be recursive")
            anchor = None if isinstance(event, AliasEvent) else event.anchor
            if anchor is not None:
                self._open.add(anchor)
            try:
                node = super().compose_node(parent, index)
            finally:
                self._open.discard(anchor)
            if id(node) not in self._size:  # a new node, not an alias of a finished one
                self._measure(node)
            if self._depth[id(node)] + len(self._path) - 1 > MAX_NESTING:
                raise CosimInputError(self._where(), f"nests more than {MAX_NESTING} levels "
                                      "deep with its YAML aliases expanded")
            return node
        finally:
            self._path.pop()

    def _measure(self, node: Node) -> None:
        """Record the expanded size and depth of a node whose children are all finished."""
        if isinstance(node, ScalarNode):
            children: list[Node] = []
        elif isinstance(node, SequenceNode):
            children = node.value
        else:
            children = [n for pair in node.value for n in pair]
        size = 1 + sum(self._size[id(c)] for c in children)
        if size > MAX_NODES:
            raise CosimInputError(self._where(), f"holds more than {MAX_NODES} values with "
                                  "its YAML aliases expanded")
        self._size[id(node)] = size
        self._depth[id(node)] = 1 + max((self._depth[id(c)] for c in children), default=0)

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        first: dict[tuple[str, str], Mark] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            mark = key.start_mark
            ident = (key.tag, key.value)
            if ident in first:
                where = f"{self._where()}.{_label(key.value)}".removeprefix("scenario.")
                was = first[ident]
                at = (f"lines {was.line + 1} and {mark.line + 1}" if was.line != mark.line else
                      f"line {mark.line + 1}, columns {was.column + 1} and {mark.column + 1}")
                raise CosimInputError(where, f"is given twice, at {at}; give each key once")
            first[ident] = mark
        return node


def _label(key: str) -> str:
    """A mapping key as it may appear in a key path: short and printable."""
    return key if len(key) <= 40 and key.isprintable() else repr(key[:40]) + "..."
