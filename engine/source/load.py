"""YAML loader that keeps positions: bytes → plain data + `SourceMap`.

Why not `yaml.safe_load`: it silently keeps the last of duplicate keys, turns
`yes`/`on` into booleans, `0.1` into a binary float and `1:30` into 90, and
constructs whatever a tag asks for. Here the bytes are decoded with care
(`source_encoding`), PyYAML's libyaml or pure-Python *event* parser is read by
an iterative builder with depth and node limits (`source_build`), and
positions are looked up lazily (`source_map`).

Values: quoted and block scalars are str; plain scalars are None
(null/Null/NULL/~/empty), bool (true/false in three spellings), int
(`[-+]?[0-9]+`, base 10), Decimal (a point or exponent, from the exact text),
datetime.date (a valid YYYY-MM-DD), else str. Mapping keys are always str.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.errors import ERROR, Diagnostic, EngineError, InputError
from engine.source.encodings import NON_PRINTABLE, decode_source, line_starts, position
from engine.source.events import Builder
from engine.source.limits import DEFAULT_LIMITS, Limits
from engine.source.spans import SourceMap

USE_LIBYAML = yaml.__with_libyaml__  # tests switch this off to cover the pure-Python parser


@dataclass
class Document:
    """A loaded file: plain data, where each part of it is, how it was decoded, any warnings."""

    data: Any
    source: SourceMap
    encoding: str
    warnings: list[Diagnostic] = field(default_factory=list)


def load_yaml(path: str | os.PathLike[str], *, display_name: str | None = None,
              error_class: type[EngineError] = InputError, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read and load one YAML file; raises `error_class` with every problem found."""
    file = display_name if display_name is not None else os.fspath(path)
    data = read_file(path, file, error_class=error_class, max_bytes=limits.max_bytes)
    return load_yaml_bytes(data, file, error_class=error_class, limits=limits)


def read_file(path: str | os.PathLike[str], file: str, *, error_class: type[EngineError] = InputError,
              max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, `file` being its name in diagnostics.

    Anything else is an `io-error` at once: a FIFO or a device is never read (it could block for ever or never
    end), a directory is not a file. Opened without blocking, then checked, so a FIFO cannot hold the open.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error_class([Diagnostic(file, 0, 0, ERROR, "file-not-found", "file not found")]) from None
    except OSError as exc:
        raise error_class([_unreadable(path, file, exc)]) from None
    try:
        mode = os.fstat(fd)
        if not stat.S_ISREG(mode.st_mode):  # checked on the open file: it cannot be swapped in between
            raise error_class([_not_a_file(file, mode.st_mode)])
        if max_bytes is not None and mode.st_size > max_bytes:
            raise error_class([_too_large(file, max_bytes)])
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise error_class([_unreadable(path, file, exc)]) from None
    finally:
        os.close(fd)


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _not_a_file(file: str, mode: int) -> Diagnostic:
    if stat.S_ISDIR(mode):
        return Diagnostic(file, 0, 0, ERROR, "io-error", "is a directory, not a file")
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return Diagnostic(file, 0, 0, ERROR, "io-error", f"not a regular file ({kind})",
                      hint="only regular files are read: save the content to a file and give its name")


def _unreadable(path: str | os.PathLike[str], file: str, exc: OSError) -> Diagnostic:
    with contextlib.suppress(OSError):  # a socket cannot even be opened: say what it is
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return _not_a_file(file, mode)
    return Diagnostic(file, 0, 0, ERROR, "io-error", f"cannot read file: {exc.strerror or exc}")


def load_yaml_bytes(data: bytes, file: str, *, error_class: type[EngineError] = InputError,
                    limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load YAML from bytes; `file` is the name diagnostics show."""
    if len(data) > limits.max_bytes:
        raise error_class([_too_large(file, limits.max_bytes)])
    text, encoding, diagnostics = decode_source(bytes(data), file)
    if text is None:
        raise error_class(diagnostics)
    bad = _non_printable(text, file)
    if bad:
        raise error_class(diagnostics + bad)
    builder = Builder(text, file, limits, use_libyaml=USE_LIBYAML)
    builder.run()
    if builder.libyaml_too_deep:  # locate the level where our limit is passed, which libyaml did not reach
        builder = Builder(text, file, limits, use_libyaml=False)
        builder.run()
    diagnostics += builder.diagnostics
    if any(d.severity == ERROR for d in diagnostics):
        raise error_class(diagnostics)
    source = SourceMap(file, text, builder.root_node)
    if _SURROGATE_ESCAPE.search(text):  # libyaml refuses them; PyYAML's own parser lets them through
        diagnostics += _lone_surrogates(builder.root, source)
        if diagnostics and diagnostics[-1].severity == ERROR:
            raise error_class(diagnostics)
    return Document(builder.root, source, encoding, diagnostics)


# A "\uD800"-style escape: half of a UTF-16 surrogate pair, no character (UTF-8 cannot even write it).
_SURROGATE_ESCAPE = re.compile(r"\\(u[dD][89a-fA-F]|U0000[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogates(data: Any, source: SourceMap) -> list[Diagnostic]:
    """An error at the first key or text holding a lone surrogate, as libyaml reports it; else nothing."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in items:
            span = source.key((*path, key)) if isinstance(key, str) and _SURROGATE.search(key) else None
            if span is None and isinstance(child, str) and _SURROGATE.search(child):
                span = source.value((*path, key))
            if span is not None:
                return [Diagnostic(source.file, span.line, span.col, ERROR, "yaml-syntax",
                                   "found invalid Unicode character escape code (a lone UTF-16 surrogate)",
                                   hint="write the character itself, or its \\U escape")]
            stack.append(((*path, key), child))
    return []


def _too_large(file: str, max_bytes: int) -> Diagnostic:
    return Diagnostic(file, 0, 0, ERROR, "file-too-large", f"file is larger than the limit of {max_bytes} bytes")


def _non_printable(text: str, file: str) -> list[Diagnostic]:
    found = []
    starts = None
    for match in NON_PRINTABLE.finditer(text):
        starts = starts or line_starts(text)
        line, col = position(starts, match.start())
        found.append(Diagnostic(file, line, col, ERROR, "yaml-syntax",
                                f"control character U+{ord(match.group()):04X} is not allowed in YAML",
                                "delete it (most editors do not show it)"))
        if len(found) >= 20:
            break
    return found
