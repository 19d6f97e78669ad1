"""Recommendation and note texts with `{expression}` placeholders.

`{missing(venue.homes, params.seven_homes)}` shows a computed value;
`{rate:percent}` formats a fraction as a percentage; `{{` and `}}` are literal
braces. Placeholders are ordinary expressions, checked when the pack loads.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from engine.expr.errors import ExprError
from engine.expr.values import format_number, is_unknown

FORMATS = ("percent", "number", "list")


class Placeholder(NamedTuple):
    """`{source:format}` in a text: the expression's source, its format, and where the source starts."""

    source: str
    format: str | None
    offset: int


def parse_template(text: str) -> list[str | Placeholder]:
    """Split into literal strings and placeholders."""
    pieces: list[str | Placeholder] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "{}" and text[i + 1 : i + 2] == ch:  # '{{' and '}}' are literal braces
            literal.append(ch)
            i += 2
        elif ch == "}":
            raise ExprError("template", "unmatched '}' in text", i, i + 1, hint="write '}}' for a literal brace")
        elif ch == "{":
            if literal:
                pieces.append("".join(literal))
                literal = []
            placeholder, i = _placeholder(text, i)
            pieces.append(placeholder)
        else:
            literal.append(ch)
            i += 1
    if literal:
        pieces.append("".join(literal))
    return pieces


def _placeholder(text: str, start: int) -> tuple[Placeholder, int]:
    """The placeholder opened by the '{' at `start`, and the index after its '}'."""
    end = _closing(text, start + 1)
    if end < 0:
        raise ExprError("template", "unclosed '{' in text", start, start + 1, hint="write '{{' for a literal brace")
    inner = text[start + 1 : end]
    source, fmt = inner, None
    colon = _format_colon(inner)
    if colon >= 0:
        source, fmt = inner[:colon], inner[colon + 1 :].strip()
        if fmt not in FORMATS:
            raise ExprError("template", f"unknown format ':{fmt}'", start + 1 + colon, end,
                            hint="formats: " + ", ".join(FORMATS))
    if not source.strip():
        raise ExprError("template", "empty placeholder '{}'", start, end + 1)
    return Placeholder(source, fmt, start + 1), end + 1


def _closing(text: str, start: int) -> int:
    quote = None
    for index in range(start, len(text)):
        ch = text[index]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "}":
            return index
    return -1


def _format_colon(inner: str) -> int:
    quote = None
    for index, ch in enumerate(inner):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == ":":
            return index
    return -1


def format_value(value: Any, fmt: str | None, lang: str, *, percent_hint: bool = False) -> str:
    """A value as it appears inside a sentence."""
    if is_unknown(value):
        return "—"
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"
    if isinstance(value, list):
        shown = [format_value(v, None if fmt == "list" else fmt, lang) for v in value]
        if not shown:
            return "无" if lang == "zh" else "none"
        return ("、" if lang == "zh" else ", ").join(shown)
    if isinstance(value, (int, Decimal)):
        percent = fmt == "percent" or (fmt is None and percent_hint)
        if percent:  # the engine formats percentages: one decimal (93.5%); other numbers as the pack rounds them
            value = Decimal(value).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        return format_number(value, percent=percent)
    return str(value)
