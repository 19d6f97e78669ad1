"""Diagnostics and the EngineError family.

Every problem the engine reports about its input is a `Diagnostic` with a
position, a stable code word and a message. Loading collects diagnostics and
raises one `EngineError` carrying all of them, so a user sees every problem
of a file at once, in the `file:line:col: severity[code]: message` form
(yamllint / compiler style).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"

_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True, order=False)
class Diagnostic:
    """One problem, located in a file (line and column are 1-based; 0 = unknown)."""

    file: str
    line: int
    col: int
    severity: str
    code: str
    message: str
    hint: str | None = None

    def format(self) -> str:
        where = self.file or "<input>"
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        text = f"{where}: {self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (self.file, self.line, self.col, _SEVERITY_ORDER.get(self.severity, 9), self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
        if self.hint:
            data["hint"] = self.hint
        return data


class EngineError(Exception):
    """Raised with every diagnostic found; the CLI maps it to exit code 2."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics), key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == ERROR]


class InputError(EngineError):
    """A profile or other user data file is invalid."""


class PackError(EngineError):
    """A rule pack is invalid."""


class UsageError(EngineError):
    """The command line or API was used wrongly (unknown parameter, bad option value)."""


@dataclass
class DiagnosticSink:
    """Collects diagnostics while a file is checked, so all are reported together."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(self, file: str, line: int, col: int, code: str, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(file, line, col, ERROR, code, message, hint))

    def warning(self, file: str, line: int, col: int, code: str, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(file, line, col, WARNING, code, message, hint))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.items)

    def raise_if_errors(self, kind: type[EngineError] = EngineError) -> None:
        if self.has_errors:
            raise kind(self.items)


def did_you_mean(name: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """A 'did you mean ...?' hint for a misspelt name, or None."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=cutoff)
    return f"did you mean '{matches[0]}'?" if matches else None


def display_path(path: Path) -> str:
    """A path as users should see it: as written when relative, else relative to the
    working directory when inside it (not from the filesystem root), else absolute."""
    path = Path(path)
    if not path.is_absolute():
        return os.path.normpath(path)
    cwd = Path.cwd()
    try:
        if cwd != Path(cwd.anchor) and path.is_relative_to(cwd):
            return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        pass
    return str(path)
