"""Write a syntax tree back as canonical source text.

Used as the identity of derived values (two rules computing the same
`ratio(a, b)` share one derived field) and to show the compiled form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engine.expr import ast
from engine.expr.values import format_number

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
               "not in": 4, "+": 5, "-": 5, "*": 6, "/": 6}


def unparse(node: ast.Node) -> str:
    return _text(node, 0)


def _text(node: ast.Node, parent: int) -> str:
    if isinstance(node, ast.Literal):
        return _literal(node)
    if isinstance(node, ast.Path):
        return node.dotted
    if isinstance(node, ast.ListExpr):
        return "[" + ", ".join(_text(item, 0) for item in node.items) + "]"
    if isinstance(node, ast.Call):
        return f"{node.name}(" + ", ".join(_text(arg, 0) for arg in node.args) + ")"
    if isinstance(node, ast.Unary):
        if node.op == "not":
            inner = f"not {_text(node.operand, 3)}"
            return f"({inner})" if parent > 3 else inner
        return f"-{_text(node.operand, 7)}"
    if isinstance(node, ast.Binary):
        level = _PRECEDENCE[node.op]
        right_level = level + 1 if node.op in ("-", "/") or level == 4 else level
        inner = f"{_text(node.left, level if level != 4 else 5)} {node.op} {_text(node.right, right_level)}"
        return f"({inner})" if level < parent else inner
    raise TypeError(type(node).__name__)


def _literal(node: ast.Literal) -> str:
    value = node.value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, Decimal)):
        if node.percent:
            return format_number(value, percent=True)
        return format_number(value)
    if isinstance(value, dt.date):  # a date parameter folded into a condition
        return f"date('{value.isoformat()}')"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(ast.Literal(node.start, node.end, v)) for v in value) + "]"
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    return f"'{escaped}'"
