"""Runtime values: numbers, and the two kinds of 'unknown'.

Numbers are `int` or `decimal.Decimal` with at most six digits after the
point, so that arithmetic on decimal inputs is exact where people expect it
(0.4 × 60 + 0.3 × 60 + 0.3 × 60 is exactly 60, as in a spreadsheet) and both
backends compare the same values. Results of division are rounded half-up at
six places. Magnitudes stay below 10^9; within that range a six-place decimal
has at most 15 significant digits, so converting it to a C double (as
durable_rules does) preserves every comparison.

Unknown values follow Kleene's three-valued logic:
- MISSING: the profile does not give an input the expression reads;
- NA: a value that does not apply, such as a ratio with a zero denominator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, ParamSpec, TypeAlias, TypeVar

# A value an expression computes or reads: int, Decimal, str, bool, datetime.date, a list of those, an
# element of a list of objects (a dict keyed by field path), MISSING or NA. Which one an expression gives
# is settled by the expression checker when the pack loads (engine.expr.types), not by Python's types.
Value: TypeAlias = Any
Number: TypeAlias = int | Decimal

PLACES = Decimal("0.000001")
LIMIT = Decimal(10**9)

# The decimal arithmetic every result rests on, whatever the caller's thread context says: a host
# application that set `decimal.getcontext().prec = 3` must not change a score (Python's defaults, stated).
ARITHMETIC = Context(prec=28, rounding=ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999, capitals=1, clamp=0,
                     flags=[], traps=[InvalidOperation, DivisionByZero, Overflow])

P = ParamSpec("P")
R = TypeVar("R")


def engine_arithmetic(function: Callable[P, R]) -> Callable[P, R]:
    """Run a public entry point in the engine's own decimal context (the caller's is restored after)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(ARITHMETIC):
            return function(*args, **kwargs)

    return wrapper


class _Unknown:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:  # guard against accidental truth tests
        raise TypeError(f"{self.name} has no truth value")

    def __reduce__(self) -> str:
        return self.name  # pickled by name: unpickling gives the same marker


MISSING = _Unknown("MISSING")
NA = _Unknown("NA")


def is_unknown(value: Value) -> bool:
    return value is MISSING or value is NA


def unknown_of(*values: Value) -> _Unknown | None:
    """The unknown marker among values (MISSING wins over NA), else None."""
    found: _Unknown | None = None
    for value in values:
        if value is MISSING:
            found = MISSING
            break
        if value is NA:
            found = NA
    return found


class NumberOutOfRange(ArithmeticError):
    pass


def normalize(value: Decimal) -> Number:
    """Round to six places; integral results become int."""
    try:
        rounded = value.quantize(PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise NumberOutOfRange(str(value)) from exc
    if abs(rounded) >= LIMIT:
        raise NumberOutOfRange(str(value))
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return _strip(rounded)


def _strip(value: Decimal) -> Decimal:
    # 0.500000 -> 0.5; keeps the value, shortens its text in reports and facts (never
    # an exponent: integral values are ints before this is called)
    return value.normalize()


def to_number(value: int | Decimal | float) -> Number:
    """Convert an int/Decimal/float from validated data into engine form."""
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int):
        if abs(value) >= 10**9:
            raise NumberOutOfRange(str(value))
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    return normalize(value)


def add(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return _check_int(a + b)
    return normalize(Decimal(a) + Decimal(b))


def sub(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return _check_int(a - b)
    return normalize(Decimal(a) - Decimal(b))


def mul(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return _check_int(a * b)
    return normalize(Decimal(a) * Decimal(b))


def div(a: Number, b: Number) -> Number | _Unknown:
    """a / b; NA when b is zero (a ratio with nothing to divide by does not apply)."""
    if b == 0:
        return NA
    return normalize(Decimal(a) / Decimal(b))


def _check_int(value: int) -> int:
    if abs(value) >= 10**9:
        raise NumberOutOfRange(str(value))
    return value


def format_number(value: Number, *, percent: bool = False) -> str:
    """Human form: 60, 0.5, 97.5% — no exponent, no trailing zeros."""
    if percent:
        value = Decimal(value) * 100
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
    else:
        text = str(value)
    return text + ("%" if percent else "")
