"""Dotted input paths (`party.members.total`) as nested mappings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

Tree: TypeAlias = dict[str, Any]  # nested mappings, with values (or further mappings) at the leaves


def set_dotted(tree: Tree, path: str, value: Any) -> None:
    """Put `value` at `path` inside `tree`, creating the mappings on the way."""
    *parents, last = path.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def nest(pairs: Iterable[tuple[str, Any]]) -> Tree:
    """A nested mapping from (dotted path, value) pairs."""
    tree: Tree = {}
    for path, value in pairs:
        set_dotted(tree, path, value)
    return tree
