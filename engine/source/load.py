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

import os
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
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > limits.max_bytes:
                raise error_class([_too_large(file, limits)])
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise error_class([Diagnostic(file, 0, 0, ERROR, "file-not-found", "file not found")]) from None
    except IsADirectoryError:
        raise error_class([Diagnostic(file, 0, 0, ERROR, "io-error", "is a directory, not a file")]) from None
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        raise error_class([Diagnostic(file, 0, 0, ERROR, "io-error", message)]) from None
    return load_yaml_bytes(data, file, error_class=error_class, limits=limits)


def load_yaml_bytes(data: bytes, file: str, *, error_class: type[EngineError] = InputError,
                    limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load YAML from bytes; `file` is the name diagnostics show."""
    if len(data) > limits.max_bytes:
        raise error_class([_too_large(file, limits)])
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
    return Document(builder.root, SourceMap(file, text, builder.root_node), encoding, diagnostics)


def _too_large(file: str, limits: Limits) -> Diagnostic:
    return Diagnostic(file, 0, 0, ERROR, "file-too-large",
                      f"file is larger than the limit of {limits.max_bytes} bytes")


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
