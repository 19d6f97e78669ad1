"""Dotted input paths (`party.members.total`) as nested mappings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def set_dotted(tree: dict, path: str, value: Any) -> None:
    """Put `value` at `path` inside `tree`, creating the mappings on the way."""
    *parents, last = path.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def nest(pairs: Iterable[tuple[str, Any]]) -> dict:
    """A nested mapping from (dotted path, value) pairs."""
    tree: dict = {}
    for path, value in pairs:
        set_dotted(tree, path, value)
    return tree
