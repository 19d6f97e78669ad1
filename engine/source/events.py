"""YAML events → plain data + the node tree behind `SourceMap`.

Only PyYAML's *event* parser is used (libyaml's CParser, or the pure-Python
Reader/Scanner/Parser); no composer, no constructor, no implicit resolver, so
no tag can construct anything and typing follows `_plain_value` alone.

Depth: the node composers of PyYAML recurse, once per nesting level.
Measured with PyYAML 6.0.3 on CPython 3.11: `yaml.load(..., CSafeLoader)`
*segfaults* (C stack overflow in the Cython composer) on 100,000 nested
`[` or `- `, and the pure-Python `SafeLoader` raises RecursionError past
about 500 levels. libyaml's event parser is not recursive but is quadratic in flow
nesting depth (about 37 s for 100,000 `[`). So the builder keeps its own stack
and stops reading events as soon as `max_depth` is exceeded: a 100,000-deep
file is rejected after parsing about `max_depth` events.
"""

from __future__ import annotations

import datetime
import decimal
import gc
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, Final, NamedTuple, TypeAlias

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.resolver import BaseResolver

from engine.errors import ERROR, Diagnostic
from engine.source.encodings import line_starts
from engine.source.limits import Limits
from engine.source.spans import AliasNode, KeyEvent, MapNode, Mark, Node, SeqNode, start_of


# BaseResolver (no implicit resolvers) is mixed in as PyYAML's loaders do; as
# only events are read, nothing is ever resolved by it.
class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, BaseResolver):
    def __init__(self, text: str):
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        BaseResolver.__init__(self)


if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _CParser

    class _LibyamlParser(_CParser, BaseResolver):
        def __init__(self, text: str):
            _CParser.__init__(self, text)
            BaseResolver.__init__(self)


# -- scalar values --------------------------------------------------------------

_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE_TAG = (
    "tag:yaml.org,2002:" + n for n in ("str", "int", "float", "bool", "null", "map", "seq", "merge"))
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_PLAIN_WORDS: dict[str, Any] = {**dict.fromkeys(_NULLS), **_BOOLS}
_NUMBER_START = frozenset("0123456789+-.")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_DECIMAL_RE = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_INT_DIGITS = 4000  # below CPython's int/str conversion limit (4300)
_MISSING = object()


def _plain_value(text: str) -> Any:
    """Type of an untagged plain scalar: null, bool, int, Decimal, date, else str."""
    found = _PLAIN_WORDS.get(text, _MISSING)
    if found is not _MISSING:
        return found
    if text[0] in _NUMBER_START:
        if _INT_RE.fullmatch(text):
            return int(text) if len(text) <= _MAX_INT_DIGITS else text
        if _DECIMAL_RE.fullmatch(text):
            return decimal.Decimal(text)
        if _DATE_RE.fullmatch(text):
            try:
                return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                return text
    return text


def _tagged_value(tag: str, text: str) -> tuple[bool, Any]:
    """(fits, value) of a scalar with an explicit standard tag."""
    if tag == _STR:
        return True, text
    if tag == _INT and _INT_RE.fullmatch(text) and len(text) <= _MAX_INT_DIGITS:
        return True, int(text)
    if tag == _FLOAT and (_INT_RE.fullmatch(text) or _DECIMAL_RE.fullmatch(text)):
        return True, decimal.Decimal(text)
    if tag == _BOOL and text in _BOOLS:
        return True, _BOOLS[text]
    if tag == _NULL and text in _NULLS:
        return True, None
    return False, None


def _quiet_value(event: ScalarEvent) -> Any:
    """Value of a scalar without reporting tag problems (for an anchored key: already reported)."""
    if event.tag is None:
        return event.value if event.style else _plain_value(event.value)
    fits, value = _tagged_value(event.tag, event.value)
    return value if fits else event.value


def _tag_name(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


# -- the builder ------------------------------------------------------------------

class _Key(Enum):
    """What a mapping frame holds instead of the text of its next key."""

    NONE = "waiting for a key"
    NODE = "a mapping or list is being read as a key (rejected when it ends)"
    BAD = "the key was rejected; drop its value"
    MERGE = "'<<': merge the value in"


# The keys as module names: read in the hot loop, where a global is quicker to get than an enum's member.
_NO_KEY: Final = _Key.NONE
_KEY_NODE: Final = _Key.NODE
_BAD_KEY: Final = _Key.BAD
_MERGE_KEY: Final = _Key.MERGE


class _Stop(Exception):
    """Stop reading events (the problem is already recorded)."""


class _Anchor(NamedTuple):
    """What `&name` was put on: its value, its node, how many values it holds, and how deep it is."""

    value: Any
    node: Node | None
    size: int
    height: int


# What an event gives its enclosing collection: the value, its node, and how many levels it holds.
_Read: TypeAlias = tuple[Any, "Node | None", int]


class _SeqFrame:
    """A list being read."""

    __slots__ = ("data", "node", "anchor", "count0", "height", "flow")

    def __init__(self, node: SeqNode, anchor: str | None, count0: int, flow: bool | None = False):
        self.data: list[Any] = []
        self.node = node
        self.anchor = anchor
        self.count0 = count0  # the node count when it started (an anchor's size)
        self.height = 1
        self.flow = flow


class _MapFrame:
    """A mapping being read: its data, and the key whose value comes next."""

    __slots__ = ("data", "node", "key", "key_event", "anchor", "count0", "height", "merges", "flow")

    def __init__(self, node: MapNode, anchor: str | None, count0: int, flow: bool | None = False):
        self.data: dict[str, Any] = {}
        self.node = node
        self.key: str | _Key = _NO_KEY
        self.key_event: KeyEvent | None = None
        self.anchor = anchor
        self.count0 = count0
        self.height = 1
        self.merges: list[tuple[int, list[dict[str, Any]]]] | None = None  # (where, the merged mappings)
        self.flow = flow


_Frame: TypeAlias = _SeqFrame | _MapFrame


class Builder:
    """Reads the events of one YAML text; afterwards: root, root_node, diagnostics."""

    def __init__(self, text: str, file: str, limits: Limits, use_libyaml: bool = True):
        self.use_libyaml = use_libyaml and yaml.__with_libyaml__
        self.text = text
        self.file = file
        self.limits = limits
        self.libyaml_too_deep = False
        self.diagnostics: list[Diagnostic] = []
        self.root: Any = None
        self.root_node: Node | None = None
        self.count = 0
        self.anchors: dict[str, _Anchor] = {}

    def error(self, mark: Mark | None, code: str, message: str, hint: str | None = None) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        self.diagnostics.append(Diagnostic(self.file, line, col, ERROR, code, message, hint))

    def run(self) -> None:
        parser = _LibyamlParser(self.text) if self.use_libyaml else _PureParser(self.text)
        # The build makes no reference cycles; the cyclic GC would only rescan
        # the growing tree (more than half the time on a file of 10^5 values).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._stream(parser.get_event)
        except _Stop:
            pass
        except yaml.MarkedYAMLError as exc:
            self._syntax_error(exc)
        except yaml.YAMLError as exc:  # e.g. a ReaderError, which carries no mark
            self.diagnostics.append(Diagnostic(self.file, 0, 0, ERROR, "yaml-syntax", str(exc)))
        finally:
            if gc_was_enabled:
                gc.enable()
            dispose = getattr(parser, "dispose", None)
            if dispose:
                dispose()

    def _stream(self, get_event: Callable[[], Event | None]) -> None:
        get_event()  # StreamStartEvent
        event = get_event()
        if isinstance(event, StreamEndEvent):
            return  # empty file, or only comments
        self._document(get_event)
        event = get_event()
        if isinstance(event, DocumentStartEvent):
            self.error(event.start_mark, "yaml-multiple-documents",
                       "the file holds more than one YAML document ('---'); only one is allowed",
                       "put each document in a file of its own")

    def _document(self, get_event: Callable[[], Event | None]) -> None:
        # The hot loop: one pass over the events, building data and nodes together. Each event is read by
        # the method for its class; what it gives (a value and its node) goes into the enclosing collection.
        root = _SeqFrame(SeqNode(None), None, 0, True)
        stack: list[_Frame] = [root]
        readers: dict[type, Callable[[Any, list[_Frame]], _Read | None]] = {
            ScalarEvent: self._scalar, AliasEvent: self._alias_use,
            MappingStartEvent: self._collection_start, SequenceStartEvent: self._collection_start,
            MappingEndEvent: self._collection_end, SequenceEndEvent: self._collection_end,
        }
        deliver = self._deliver
        while True:
            event = get_event()
            read = readers.get(event.__class__)
            if read is not None:
                found = read(event, stack)
                if found is not None:
                    deliver(stack[-1], found)
            elif event.__class__ is DocumentEndEvent:  # the parser emits nothing else inside a document
                self._finish(root)
                return

    # -- reading one event ---------------------------------------------------

    def _counted(self, event: Event, size: int = 1) -> None:
        self.count += size
        if self.count > self.limits.max_nodes:
            self._too_many(event)

    def _scalar(self, event: ScalarEvent, stack: list[_Frame]) -> _Read | None:
        self.count += 1
        if self.count > self.limits.max_nodes:
            self._too_many(event)
        top = stack[-1]
        if top.__class__ is _MapFrame and top.key is _NO_KEY:
            top.key_event = event
            top.key = self._scalar_key(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(_quiet_value(event), event, 1, 0)
            return None
        if event.tag is None:
            value = _plain_value(event.value) if not event.style else event.value
        else:
            value = self._tagged_scalar(event, event.tag)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, event, 1, 0)
        return value, event, 0

    def _collection_start(self, event: CollectionStartEvent, stack: list[_Frame]) -> None:
        max_depth = self.limits.max_depth
        if len(stack) > max_depth:
            self.error(event.start_mark, "too-deep", f"nesting is deeper than {max_depth} levels",
                       "flatten the structure")
            raise _Stop
        self._counted(event)
        is_map = event.__class__ is MappingStartEvent
        top = stack[-1]
        if isinstance(top, _MapFrame) and top.key is _NO_KEY:
            top.key = _KEY_NODE  # still build the key node, then reject it
            self.error(event.start_mark, "key-type", "a mapping key must be a plain text, not a "
                       + ("mapping" if is_map else "list"))
        self._check_collection_tag(event, _MAP if is_map else _SEQ)
        if event.anchor is not None:
            self.anchors.pop(event.anchor, None)  # a redefinition replaces the old one
        start = start_of(event)
        frame: _Frame = (_MapFrame(MapNode(start), event.anchor, self.count, event.flow_style) if is_map
                         else _SeqFrame(SeqNode(start), event.anchor, self.count, event.flow_style))
        stack.append(frame)

    def _collection_end(self, event: CollectionEndEvent, stack: list[_Frame]) -> _Read:
        frame = stack.pop()
        if frame.flow:  # a block collection's end is worked out from its last child
            frame.node.end = event.end_mark
        if isinstance(frame, _MapFrame) and frame.merges:
            self._apply_merges(frame, frame.merges[0])
        if frame.anchor is not None:
            self.anchors[frame.anchor] = _Anchor(frame.data, frame.node, self.count - frame.count0 + 1, frame.height)
        return frame.data, frame.node, frame.height

    def _alias_use(self, event: AliasEvent, stack: list[_Frame]) -> _Read | None:
        found = self._alias(event, stack)
        node = AliasNode(event, found.node) if found is not None else None
        top = stack[-1]
        if isinstance(top, _MapFrame) and top.key is _NO_KEY:
            top.key_event = event
            top.key = self._alias_key(event, _alias_key_text(node)) if node is not None else _BAD_KEY
            return None
        return (found.value, node, found.height) if found is not None else (None, None, 0)

    def _deliver(self, top: _Frame, found: _Read) -> None:
        """Put a value (and its node) into the collection being read."""
        value, node, height = found
        if height >= top.height:
            top.height = height + 1
        if isinstance(top, _SeqFrame):
            top.data.append(value)
            top.node.items.append(node)
            return
        key, top.key = top.key, _NO_KEY
        if key is _KEY_NODE:  # that was a rejected key; its value comes next
            top.key = _BAD_KEY
        elif key is _MERGE_KEY:
            self._add_merge(top, value, node)
        elif isinstance(key, str) and top.key_event is not None:
            if key in top.data:
                self._duplicate(top, key, top.key_event)
                return
            top.data[key] = value
            top.node.entries.append((key, top.key_event, node))

    def _finish(self, root: _SeqFrame) -> None:
        self.root = root.data[0] if root.data else None
        self.root_node = root.node.items[0] if root.node.items else None
        if self.root is None and isinstance(self.root_node, ScalarEvent):
            self.root_node = None  # '---' alone: an empty document, like an empty file

    # -- pieces of the loop ----------------------------------------------------

    def _scalar_key(self, event: ScalarEvent) -> str | _Key:
        """What a key written as a scalar is: its text, '<<', or rejected (reported)."""
        text, tag = event.value, event.tag
        if tag is not None and tag != "!":
            return self._tagged_key(event, tag, text)
        if tag is None and not event.style and (text in _NULLS or text == "<<"):
            if text == "<<":
                return _MERGE_KEY
            self.error(event.start_mark, "key-type", "a mapping key must not be empty or null",
                       "give the key a name, or quote it if the name really is 'null'")
            return _BAD_KEY
        return text

    def _alias_key(self, event: AliasEvent, text: str | None) -> str | _Key:
        """What a key written as `*name` is: the text of the scalar it names, or rejected (reported)."""
        if text is None:
            self.error(event.start_mark, "key-type", "a mapping key must be a plain text, not a list or mapping")
            return _BAD_KEY
        if text in _NULLS:
            self.error(event.start_mark, "key-type", "a mapping key must not be empty or null",
                       "give the key a name, or quote it if the name really is 'null'")
            return _BAD_KEY
        return text

    def _tagged_key(self, event: ScalarEvent, tag: str, text: str) -> str | _Key:
        if tag == _MERGE_TAG:
            return _MERGE_KEY
        fits, value = _tagged_value(tag, text)
        if not fits:
            self._check_scalar_tag(event, tag, text, fits)
            return _BAD_KEY
        if value is None:
            self.error(event.start_mark, "key-type", "a mapping key must not be null")
            return _BAD_KEY
        return text

    def _tagged_scalar(self, event: ScalarEvent, tag: str) -> Any:
        if tag == "!":  # the non-specific tag: a string
            return event.value
        fits, value = _tagged_value(tag, event.value)
        self._check_scalar_tag(event, tag, event.value, fits)
        return value

    def _check_scalar_tag(self, event: KeyEvent, tag: str, text: str, fits: bool) -> bool:
        if fits:
            return True
        if tag in (_STR, _INT, _FLOAT, _BOOL, _NULL):
            self.error(event.start_mark, "yaml-tag", f"'{text}' is not a valid {_tag_name(tag)}")
        elif tag in (_MAP, _SEQ):
            self.error(event.start_mark, "yaml-tag", f"{_tag_name(tag)} cannot tag a single value")
        else:
            self._unsupported_tag(event, tag)
        return False

    def _check_collection_tag(self, event: CollectionStartEvent, expected: str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag == expected:
            return
        if tag in (_MAP, _SEQ, _STR, _INT, _FLOAT, _BOOL, _NULL):
            kind = "mapping" if expected == _MAP else "list"
            self.error(event.start_mark, "yaml-tag", f"{_tag_name(tag)} cannot tag a {kind}")
        else:
            self._unsupported_tag(event, tag)

    def _unsupported_tag(self, event: Event, tag: str) -> None:
        self.error(event.start_mark, "yaml-tag", f"tag '{_tag_name(tag)}' is not supported",
                   "remove the tag; only !!str !!int !!float !!bool !!null !!map !!seq are allowed")

    def _alias(self, event: AliasEvent, stack: list[_Frame]) -> _Anchor | None:
        """What `*name` stands for (its value copied), counted; None when it stands for nothing (reported)."""
        name = event.anchor or ""
        found = self.anchors.get(name)
        if found is None:
            if any(frame.anchor == name for frame in stack):
                self.error(event.start_mark, "yaml-alias", f"alias '*{name}' is used inside its own anchor '&{name}'",
                           "a value cannot contain itself")
            else:
                self.error(event.start_mark, "yaml-alias",
                           f"alias '*{name}' refers to no anchor '&{name}' defined before it")
            return None
        depth = len(stack) - 1
        self._counted(event, found.size)
        if depth + found.height > self.limits.max_depth:
            self.error(event.start_mark, "too-deep",
                       f"nesting is deeper than {self.limits.max_depth} levels once '*{name}' is expanded")
            return None
        return found._replace(value=_copy(found.value))

    def _too_many(self, event: Event) -> None:
        self.error(event.start_mark, "too-many-nodes",
                   f"the document has more than {self.limits.max_nodes} values once aliases are expanded",
                   "too many aliases (a 'billion laughs' file?), or a file that is far too big")
        raise _Stop

    def _duplicate(self, frame: _MapFrame, key: str, key_event: KeyEvent) -> None:
        first = next(e for k, e, _ in frame.node.entries if k == key)
        self.error(key_event.start_mark, "duplicate-key", f"duplicate key '{key}' in this mapping",
                   f"'{key}' is first given on line {start_of(first).line + 1}; remove or rename one of them")

    def _add_merge(self, frame: _MapFrame, value: Any, node: Node | None) -> None:
        key_event = frame.key_event
        if key_event is None:  # pragma: no cover - a '<<' key was read before its value
            return
        sources = [value] if isinstance(value, dict) else value if isinstance(value, list) else None
        if not sources or not all(isinstance(s, dict) for s in sources):
            self.error(key_event.start_mark, "yaml-merge",
                       "the merge key '<<' needs a mapping (such as *anchor) or a list of mappings")
            return
        if frame.merges is None:
            frame.merges = []
        elif frame.merges:
            self.error(key_event.start_mark, "duplicate-key", "duplicate merge key '<<' in this mapping",
                       "merge several mappings with one key: '<<: [*a, *b]'")
            return
        frame.merges.append((len(frame.data), sources))
        frame.node.merges.append((key_event, node))

    @staticmethod
    def _apply_merges(frame: _MapFrame, merge: tuple[int, list[dict[str, Any]]]) -> None:
        # Explicit keys win; among merged mappings the earlier wins (YAML merge semantics).
        explicit = frame.data
        position, sources = merge
        merged: dict[str, Any] = {}
        for source in sources:
            for key, value in source.items():
                if key not in merged and key not in explicit:
                    merged[key] = value
        items = list(explicit.items())
        frame.data = dict(items[:position] + list(merged.items()) + items[position:])

    def _syntax_error(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in message:
            # libyaml's own limit (the libyaml of pyyaml >= 6.0.4 has one) hit while scanning ahead, before our
            # lower limit saw the levels: the loader reads the document again with the pure-Python parser
            self.libyaml_too_deep = True
            self.error(mark, "too-deep", f"nesting is deeper than {self.limits.max_depth} levels",
                       "flatten the structure")
            return
        if exc.context and exc.context_mark and exc.problem:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        hint = None
        if mark is not None and self._tab_near(mark):
            hint = "YAML indentation uses spaces; replace the tab"
        self.error(mark, "yaml-syntax", message, hint)

    def _tab_near(self, mark: Mark) -> bool:
        starts = line_starts(self.text)
        line = min(mark.line, len(starts) - 1)
        end = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        text = self.text[starts[line]:end]
        return "\t" in text[: len(text) - len(text.lstrip(" \t"))] or "\t" in text[mark.column:mark.column + 1]


def _alias_key_text(node: AliasNode) -> str | None:
    """Text of an aliased key: the anchored scalar's source text; None for collections/unknown."""
    target = node.target
    return target.value if isinstance(target, ScalarEvent) else None


def _copy(value: Any) -> Any:
    """Deep copy of aliased containers, so that no two paths share a mutable object (no recursion)."""
    if not isinstance(value, (dict, list)):
        return value
    result: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
    work: list[tuple[Any, dict[str, Any] | list[Any]]] = [(value, result)]
    key: Any  # a mapping's key or a list's index
    while work:
        source, target = work.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                copied: dict[str, Any] | list[Any] = {} if isinstance(item, dict) else []
                work.append((item, copied))
                item = copied
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return result
