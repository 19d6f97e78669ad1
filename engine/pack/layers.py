"""The layers of a pack (an overlay on its base) and what each change of an overlay is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.errors import display_path
from engine.pack.origins import Origin


@dataclass(frozen=True)
class Layer:
    """One pack that contributed to a (possibly layered) pack: the base first, the overlay last."""

    id: str
    version: str
    root: Path

    @property
    def shown(self) -> str:
        return display_path(self.root)


@dataclass(frozen=True)
class Change:
    """One thing an overlay changes in its base, with where the overlay says so."""

    target: str  # 'rule R1.1', 'dimension D1', 'parameter x', 'scoring', 'source s'
    what: str  # 'points', 'weight', 'disabled', 'added', 'default', 'grades', ...
    before: Any
    after: Any
    origin: Origin | None
    reason: str | None = None  # the overlay's `reason:` for a rule's change

    def describe(self) -> str:
        if self.what == "added":
            return f"{self.target}: added" + (f" ({self.after})" if self.after else "")
        if self.what == "removed":
            return f"{self.target}: removed"
        if self.what == "disabled":
            return f"{self.target}: disabled" + (f" — {self.after}" if self.after else "")
        if self.before is None and self.after in ("added", "removed"):  # a field of a list's elements
            return f"{self.target}: {self.what} {self.after}"
        why = f" — {self.reason}" if self.reason else ""
        return f"{self.target}: {self.what} {shown(self.before)} → {shown(self.after)}{why}"

    def position(self) -> tuple[str, int, int]:
        if self.origin is None:
            return "", 0, 0
        line, col = self.origin.position()
        return self.origin.file, line, col

    def to_dict(self) -> dict[str, Any]:
        file, line, col = self.position()
        return {"file": file, "line": line, "col": col, "target": self.target, "change": self.what,
                "before": _plain(self.before), "after": _plain(self.after), "reason": self.reason,
                "text": self.describe()}


def shown(value: Any) -> str:
    """A value of a change as `assess pack check` shows it."""
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)
