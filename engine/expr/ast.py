"""Syntax tree of the expression language.

Every node records `start`/`end`: character offsets into the expression
source, so that errors and the compiled form can point at the exact column
inside the YAML value the expression came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.expr import types as T

if TYPE_CHECKING:
    from engine.expr.checker import Ref
    from engine.expr.functions.registry import Function
    from engine.expr.safe_regex import SafeRegex


@dataclass(eq=False)
class Node:
    start: int
    end: int
    # Filled by the checker: the type of the node's value.
    type: T.Type | None = field(default=None, init=False, repr=False)

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(eq=False)
class Literal(Node):
    """A number, string, boolean or null written in the expression.

    `value` is already in engine form: int, Decimal, str, bool or None.
    `percent` marks literals written with a % sign (shown back as 90%).
    """

    value: Any
    percent: bool = False
    # Filled by the checker for the argument of date('2024-01-01'): the date it names.
    parsed_date: dt.date | None = field(default=None, init=False, repr=False)
    # Filled by the checker for the pattern of matches(): the pattern, compiled.
    pattern: SafeRegex | None = field(default=None, init=False, repr=False)


@dataclass(eq=False)
class Path(Node):
    """A dotted name such as `party_members.total` or `params.pass_mark`.

    The checker resolves it and fills `ref`.
    """

    parts: tuple[str, ...]
    ref: Ref | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(eq=False)
class ListExpr(Node):
    items: list[Node] = field(default_factory=list)

    def children(self) -> tuple[Node, ...]:
        return tuple(self.items)


@dataclass(eq=False)
class Unary(Node):
    op: str  # 'not' | '-'
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(eq=False)
class Binary(Node):
    """Arithmetic, comparison, membership and boolean operators.

    op is one of: + - * /  == != < <= > >=  in  not in  and  or
    """

    op: str
    left: Node
    right: Node
    op_start: int = 0

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(eq=False)
class Call(Node):
    name: str
    args: list[Node] = field(default_factory=list)
    name_end: int = 0
    # Filled by the checker: the Function entry and, for functions that
    # iterate a list, the element type the per-item argument was checked in.
    function: Function | None = None
    item_type: T.ObjectType | None = None

    def children(self) -> tuple[Node, ...]:
        return tuple(self.args)


def walk(node: Node) -> Iterator[Node]:
    """Yield node and all its descendants, parents first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))


def node_count(node: Node) -> int:
    return sum(1 for _ in walk(node))


def depth(node: Node) -> int:
    best = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in current.children())
    return best
