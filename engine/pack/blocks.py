"""What a pack took from the packs it includes (format 2 `dimensions[].include`), for reports and checks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from engine.errors import display_path
from engine.pack.schema import Text


@dataclass(frozen=True)
class IncludedBlock:
    """One dimension of another pack scored as a dimension of this one: which pack (its id, version, title
    and edition), which of its dimensions (and that dimension's weight there), into which dimension here (and
    its weight here: the points the block is scaled to)."""

    pack_id: str
    version: str
    title: Text
    edition: Text
    root: Path
    dimension: str
    source_weight: Decimal
    into: str
    weight: Decimal

    @property
    def shown(self) -> str:
        return display_path(self.root)


@dataclass(frozen=True)
class UnitList:
    """A list of units a profile gives (format 2 `units:`), each unit assessed by the pack at `root`; the
    rules of this pack read each unit's result as an element of the list `name`."""

    name: str
    root: Path
    pack_id: str
    title: Text | None


__all__ = ["IncludedBlock", "UnitList"]
