"""Bounds on what a YAML file may cost to load."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from exhausting time, memory or the stack."""

    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 64  # nesting levels of mappings/sequences, aliases expanded
    max_nodes: int = 1_000_000  # after alias expansion (billion laughs)


DEFAULT_LIMITS = Limits()
