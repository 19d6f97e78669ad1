"""Numbers as every human report format shows them: at most two places, half up, no trailing zeros."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Number = Decimal | float  # an int is a float to the type checker


def num(value: Number | None, places: int = 2) -> str:
    if value is None:
        return "—"
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: Number | None) -> str:
    return "—" if value is None else num(Decimal(str(value)) * 100, 1) + "%"


def signed(value: float | None, none: str = "—") -> str:
    """A change in points: '+2', '-3', '0'; `none` when there is no change to give."""
    if value is None:
        return none
    text = num(value)
    return text if text.startswith("-") or text == "0" else "+" + text

