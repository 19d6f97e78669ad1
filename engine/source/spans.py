"""Data path → position in the YAML source, computed lazily.

The loader keeps a light node tree beside the data: the parser's own scalar
events (with their marks) and one small object per collection. Spans are only
worked out when someone asks for one, so loading stays about as fast as plain
PyYAML. A path is a tuple of str (mapping key) and int (sequence index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from yaml.events import AliasEvent, Event, ScalarEvent

from engine.source.encodings import line_starts, position


class Mark(Protocol):
    """A position the YAML parser gives (PyYAML's and libyaml's marks alike); 0-based."""

    @property
    def index(self) -> int: ...

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


def start_of(event: Event) -> Mark:
    """Where an event starts (the parsers give every event its marks)."""
    if event.start_mark is None:
        raise ValueError(f"{type(event).__name__} without a position")
    return event.start_mark


def end_of(event: Event) -> Mark:
    if event.end_mark is None:
        raise ValueError(f"{type(event).__name__} without a position")
    return event.end_mark


@dataclass(frozen=True)
class Span:
    """1-based; columns count characters. (end_line, end_col) is just past the last character."""

    line: int
    col: int
    end_line: int
    end_col: int


class MapNode:
    """A mapping: its entries (key text, key event, child node) and the sources merged in with `<<`."""

    __slots__ = ("start", "end", "entries", "merges", "_index")

    def __init__(self, start: Mark):
        self.start = start  # mark of the first character (properties included)
        self.end: Mark | None = None  # mark past the closing '}' of a flow mapping; None for block style
        self.entries: list[tuple[str, KeyEvent, Node | None]] = []
        self.merges: list[tuple[KeyEvent, Node | None]] = []  # (event of the '<<' key, merged node)
        self._index: dict[str, tuple[KeyEvent, Node | None]] | None = None

    def index(self) -> dict[str, tuple[KeyEvent, Node | None]]:
        """key → (key event, child); explicit keys win over merged ones, earlier merges over later."""
        if self._index is None:
            index: dict[str, tuple[KeyEvent, Node | None]] = {}
            for key, key_event, child in self.entries:
                index.setdefault(key, (key_event, child))
            for _, source in self.merges:
                for mapping in _merge_sources(source):
                    for key, found in mapping.index().items():
                        index.setdefault(key, found)
            self._index = index
        return self._index


class SeqNode:
    __slots__ = ("start", "end", "items")

    def __init__(self, start: Mark | None):
        self.start = start  # None for the builder's own root list, which holds the document
        self.end: Mark | None = None  # as for MapNode
        self.items: list[Node | None] = []


class AliasNode:
    """A `*name` use: positioned where it is written, descends into what it names."""

    __slots__ = ("event", "target")

    def __init__(self, event: AliasEvent, target: Node | None):
        self.event = event
        self.target = target


# A node of the tree: a collection, an alias, or the parser's own event of a scalar. A key of a mapping is
# the event of the scalar or alias it is written with.
Node: TypeAlias = MapNode | SeqNode | AliasNode | ScalarEvent
KeyEvent: TypeAlias = ScalarEvent | AliasEvent
Path: TypeAlias = Sequence[str | int]


def _deref(node: Node | None) -> MapNode | SeqNode | ScalarEvent | None:
    while isinstance(node, AliasNode):
        node = node.target
    return node


def _merge_sources(node: Node | None) -> list[MapNode]:
    node = _deref(node)
    if isinstance(node, MapNode):
        return [node]
    if isinstance(node, SeqNode):
        return [n for n in map(_deref, node.items) if isinstance(n, MapNode)]
    return []


def _last_child(node: MapNode) -> Node | None:
    """Value written last in a block mapping: the last entry's or the last '<<' value."""
    candidates = [(start_of(e[1]).index, e[2]) for e in node.entries[-1:]]
    candidates += [(start_of(m[0]).index, m[1]) for m in node.merges[-1:]]
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


class SourceMap:
    """Positions of the data of one loaded file."""

    def __init__(self, file: str, text: str, root: Node | None):
        self.file = file
        self.text = text
        self._root = root
        self._starts: list[int] | None = None

    # -- lookups -------------------------------------------------------------

    def value(self, path: Path) -> Span | None:
        found = self._walk(tuple(path))
        return None if found is None else self._span(found[0])

    def key(self, path: Path) -> Span | None:
        found = self._walk(tuple(path))
        if found is None or found[1] is None:
            return None
        return self._event_span(found[1])

    def nearest(self, path: Path) -> tuple[tuple[str | int, ...], Span]:
        path = tuple(path)
        for length in range(len(path), -1, -1):
            found = self._walk(path[:length])
            if found is not None:
                return path[:length], self._span(found[0])
        return (), Span(1, 1, 1, 1)  # only reached for an empty document

    def keys_at(self, path: Path) -> list[str]:
        found = self._walk(tuple(path))
        node = None if found is None else _deref(found[0])
        return list(node.index()) if isinstance(node, MapNode) else []

    def locate(self, path: Path, offset: int) -> tuple[int, int]:
        """(line, col) of character `offset` of the string at `path`; never raises, clamps."""
        prefix, span = self.nearest(tuple(path))
        found = self._walk(prefix) if len(prefix) == len(tuple(path)) else None
        node = _deref(found[0]) if found is not None else None
        if not isinstance(node, ScalarEvent):
            return span.line, span.col
        try:
            index = _locate_in_scalar(self.text, node, int(offset))
        except Exception:  # a safety net: locating must never fail a report
            index = None
        if index is None:
            return self._pos(_content_start(self.text, node))
        return self._pos(index)

    # -- internals -----------------------------------------------------------

    def _walk(self, path: tuple[str | int, ...]) -> tuple[Node | None, KeyEvent | None] | None:
        """(node, key event or None) at path, or None if the path does not exist."""
        if self._root is None:
            return (None, None) if not path else None
        node: Node | None = self._root
        key_event: KeyEvent | None = None
        for step in path:
            node = _deref(node)
            if isinstance(node, MapNode) and isinstance(step, str):
                found = node.index().get(step)
                if found is None:
                    return None
                key_event, node = found
            elif isinstance(node, SeqNode) and isinstance(step, int) and not isinstance(step, bool):
                if not 0 <= step < len(node.items):
                    return None
                key_event, node = None, node.items[step]
            else:
                return None
        return node, key_event

    def _pos(self, index: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = line_starts(self.text)
        return position(self._starts, max(0, min(index, len(self.text))))

    def _span(self, node: Node | None) -> Span:
        if node is None:
            return Span(1, 1, 1, 1)
        if isinstance(node, AliasNode):
            return self._event_span(node.event)
        if isinstance(node, (MapNode, SeqNode)):
            start = node.start
            end = self._collection_end(node)
            return Span(start.line + 1, start.column + 1, end[0], end[1]) if start is not None else Span(1, 1, *end)
        return self._event_span(node)

    def _collection_end(self, node: Node | None) -> tuple[int, int]:
        # A block collection's end event sits at the next token, possibly many
        # comment lines below; its real end is the end of its last child.
        while isinstance(node, (MapNode, SeqNode)) and node.end is None:
            node = _last_child(node) if isinstance(node, MapNode) else (node.items[-1] if node.items else None)
        if node is None:
            return 1, 1
        if isinstance(node, (MapNode, SeqNode)):
            end = node.end
            return (end.line + 1, end.column + 1) if end is not None else (1, 1)
        span = self._span(node)
        return span.end_line, span.end_col

    def _event_span(self, event: Event) -> Span:
        start, end = start_of(event), end_of(event)
        if getattr(event, "style", None) in ("|", ">"):
            # a block scalar's end mark lies after its trailing line breaks
            index = end.index
            while index > start.index and self.text[index - 1] in " \t\r\n\x85\u2028\u2029":
                index -= 1
            line, col = self._pos(index)
            return Span(start.line + 1, start.column + 1, line, col)
        return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


# -- locating a character inside a scalar -------------------------------------

_BREAKS = "\r\n\x85\u2028\u2029"
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _content_start(text: str, event: ScalarEvent) -> int:
    """Index of the scalar's first character after its anchor/tag and any opening quote."""
    i, end = start_of(event).index, end_of(event).index
    while i < end and text[i] in "&!":  # properties: '&anchor', '!tag', then blanks/comments
        while i < end and text[i] not in " \t" + _BREAKS:
            i += 1
        while i < end and (text[i] in " \t" + _BREAKS or text[i] == "#"):
            if text[i] == "#":
                while i < end and text[i] not in _BREAKS:
                    i += 1
            else:
                i += 1
    if event.style in ("'", '"') and i < end:
        i += 1
    return i


def _locate_in_scalar(text: str, event: ScalarEvent, offset: int) -> int | None:
    value = event.value
    offset = max(0, min(offset, len(value)))
    style = event.style or ""
    start, end = start_of(event), end_of(event)
    if not style and start.line == end.line:  # one-line plain: the text is the value
        return end.index - len(value) + offset
    if style == "|":
        return _locate_literal(text, event, offset)
    indices = _folded_indices(text, event) if style == ">" else _flow_indices(text, event)
    if indices is None or len(indices) != len(value):
        return None  # the walk disagrees with the parser: fall back to the start
    if offset == len(value):
        return indices[-1] + 1 if indices else _content_start(text, event)
    return indices[offset]


def _flow_indices(text: str, event: ScalarEvent) -> list[int] | None:
    """Source index of every character of a plain or quoted scalar (line folding, escapes, '')."""
    quote = event.style if event.style in ("'", '"') else ""
    i = _content_start(text, event)
    end = end_of(event).index - (1 if quote else 0)
    out: list[int] = []
    blanks: list[int] = []
    while i < end:
        c = text[i]
        if quote == '"' and c == "\\":
            nxt = text[i + 1] if i + 1 < end else ""
            if nxt and nxt in _BREAKS:  # escaped line break: joined without a space
                out.extend(blanks)
                blanks = []
                i = _skip_break(text, i + 1)
                i, empty = _skip_empty_lines(text, i, end)
                out.extend(empty)
                continue
            out.extend(blanks)
            blanks = []
            out.append(i)
            i += 2 + _HEX_ESCAPES.get(nxt, 0)
        elif quote == "'" and c == "'":
            out.extend(blanks)
            blanks = []
            out.append(i)
            i += 2
        elif c in " \t":
            blanks.append(i)
            i += 1
        elif c in _BREAKS:
            blanks = []  # trailing blanks of a folded line are dropped
            first = i
            i = _skip_break(text, i)
            i, empty = _skip_empty_lines(text, i, end)
            out.extend(empty or [first])  # a single break folds into a space
        else:
            out.extend(blanks)
            blanks = []
            out.append(i)
            i += 1
    out.extend(blanks)
    return out


def _skip_break(text: str, i: int) -> int:
    return i + 2 if text.startswith("\r\n", i) else i + 1


def _skip_empty_lines(text: str, i: int, end: int) -> tuple[int, list[int]]:
    """Skip leading blanks of the next line(s); each empty line yields a '\\n' at its break."""
    empty = []
    while True:
        while i < end and text[i] in " \t":
            i += 1
        if i < end and text[i] in _BREAKS:
            empty.append(i)
            i = _skip_break(text, i)
        else:
            return i, empty


def _block_lines(text: str, event: ScalarEvent) -> list[tuple[int, int]] | None:
    """(start, end) indices of the content lines of a block scalar, header line excluded."""
    i = _content_start(text, event)
    end = end_of(event).index
    while i < end and text[i] not in _BREAKS:
        i += 1
    if i >= end:
        return None
    i = _skip_break(text, i)
    lines = []
    while i < end:
        j = i
        while j < end and text[j] not in _BREAKS:
            j += 1
        lines.append((i, j))
        i = _skip_break(text, j) if j < end else j
    return lines


def _locate_literal(text: str, event: ScalarEvent, offset: int) -> int | None:
    # A literal scalar keeps every line: value line k is source line k after the header.
    lines = _block_lines(text, event)
    if not lines:
        return None
    before = event.value[:offset]
    k = before.count("\n")
    within = offset - (before.rfind("\n") + 1)
    value_line = event.value.split("\n")[k]
    if k >= len(lines):
        return lines[-1][1]
    start, stop = lines[k]
    source_line = text[start:stop]
    indent = len(source_line) - len(value_line) if source_line.endswith(value_line) else None
    if indent is None or indent < 0:
        return None
    return min(start + indent + within, stop)


def _folded_indices(text: str, event: ScalarEvent) -> list[int] | None:
    """Match each content line of a folded scalar in its value; separators map to line ends."""
    lines = _block_lines(text, event)
    if not lines:
        return None
    value = event.value
    content = [(s, e) for s, e in lines if text[s:e].strip(" ")]
    if not content:
        return None
    indent = min(len(text[s:e]) - len(text[s:e].lstrip(" ")) for s, e in content)
    out: list[int] = []
    last_end = lines[0][0]
    for s, e in lines:
        segment = text[s + indent:e] if e - s > indent else ""
        if not segment:
            continue
        while len(out) < len(value) and not value.startswith(segment, len(out)):
            if value[len(out)] not in " \n":
                return None
            out.append(last_end)
        if not value.startswith(segment, len(out)):
            return None
        out.extend(range(s + indent, e))
        last_end = e
    while len(out) < len(value):
        out.append(last_end)
    return out
