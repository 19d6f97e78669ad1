"""Parameters whose value depends on the profile (format 2): a table by an attribute of the profile.

A score sheet often gives one threshold per kind of community (城市型 90 %, 农村型 80 %) or per size band
(under 1,000 households …). The pack says so once, on the parameter:

    service_rate_min: {type: percent, by: community.type, rows: {城市型: 90, 农村型: 80}}
    area_min: {type: number, by: households, bands: [{below: 1000, value: 200}, {at_least: 1000, value: 300}]}

rather than `if(community.type == '城市型', …)` inside every condition. The builder checks the table against
the input it depends on (`check_table`); while a profile is assessed the value is looked up once
(`ParamTable.lookup`) and read by the rules like a value computed from the profile, so both backends see it
as they see a derived value. An attribute the profile does not give makes the rules that read the parameter
*missing data* (the attribute is what to supply); a value with no row or band takes the parameter's `default`,
and a row whose value is null (the sources give none) makes them *not assessed* for that profile — never an
invented number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import did_you_mean
from engine.expr import types as T
from engine.pack.layers import shown
from engine.pack.schema import ParamBand, ParamDecl, Text

OTHER = Text(zh="其他", en="other")
NUMBER_KINDS = ("integer", "number")


@dataclass(frozen=True)
class TableRow:
    """One row of a parameter's table: how reports name it and the value (None: the sources give none)."""

    label: Text
    value: Any


@dataclass(frozen=True)
class ParamTable:
    by: str  # the input of the profile the value depends on
    by_title: Text | None
    rows: dict[str, TableRow]  # by the attribute's value (enum or text inputs)
    bands: list[tuple[ParamBand, TableRow]]  # from the lowest (number inputs)
    default: TableRow  # where no row or band applies

    def lookup(self, attribute: Any) -> TableRow:
        """The row that applies to the profile's value of the attribute (the default, named by that value)."""
        if self.bands:
            found = next((row for band, row in self.bands if _in_band(band, attribute)), None)
        else:
            found = self.rows.get(str(attribute))
        if found is not None:
            return found
        shown_value = shown(attribute) if isinstance(attribute, Decimal) else str(attribute)
        return TableRow(Text(zh=f"{shown_value}（表中未列，取默认值）", en=f"{shown_value} (not in the table: the "
                             "default)"), self.default.value)


def _in_band(band: ParamBand, value: Any) -> bool:
    if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
        return False
    if band.at_least is not None and value < band.at_least or band.above is not None and value <= band.above:
        return False
    return not (band.below is not None and value >= band.below or band.at_most is not None and value > band.at_most)


def band_label(band: ParamBand) -> Text:
    """A band as reports name it: its own label, or its bounds (`≥1000，<3000`)."""
    if band.label is not None:
        return band.label
    parts = [f"{sign}{shown(bound)}" for sign, bound in
             (("≥", band.at_least), (">", band.above), ("<", band.below), ("≤", band.at_most)) if bound is not None]
    return Text(zh="，".join(parts) or "全部", en=", ".join(parts) or "all")


Report = Callable[[str, tuple[Any, ...], str | None], None]  # (message, parts of the declaration, hint)
Coerce = Callable[[Any, tuple[Any, ...]], Any]  # (value, parts where it is written) → the value, checked


def check_table(decl: ParamDecl, found: tuple[T.Type, str, Text | None] | None, inputs: list[str],
                report: Report, coerce: Coerce) -> ParamTable | None:
    """The table of a parameter declared with `by`, checked against the input it names; None after an error."""
    by = decl.by or ""
    if found is None:
        report(f"'{by}' is not an input of the profile", ("by",),
               did_you_mean(by, inputs) or "a parameter depends on an input of the profile (not a list or a "
               "derived value)")
        return None
    input_type, kind, input_title = found  # the input's type in expressions, its declared type, its title
    default = TableRow(OTHER, coerce(decl.default, ("default",)))
    if decl.rows is not None:
        rows = _rows(decl.rows, by, input_type, report, coerce)
        return ParamTable(by, input_title, rows, [], default) if rows is not None else None
    bands = _bands(decl.bands or [], by, kind, report, coerce)
    return ParamTable(by, input_title, {}, bands, default) if bands is not None else None


def _rows(rows: dict[str, Any], by: str, input_type: T.Type, report: Report,
          coerce: Coerce) -> dict[str, TableRow] | None:
    if not (isinstance(input_type, T.EnumType) or input_type == T.STRING):
        report(f"rows need an input of kinds (enum or text); '{by}' is {input_type}", ("rows",),
               "use bands: for a number")
        return None
    allowed = input_type.values if isinstance(input_type, T.EnumType) else None
    out: dict[str, TableRow] = {}
    for key, value in rows.items():
        if allowed is not None and key not in allowed:
            report(f"'{key}' is not a value of '{by}' ({', '.join(allowed)})", ("rows", key),
                   did_you_mean(key, allowed))
            continue
        out[key] = TableRow(Text(zh=key, en=key), coerce(value, ("rows", key)))
    return out


def _bands(bands: list[ParamBand], by: str, kind: str, report: Report,
           coerce: Coerce) -> list[tuple[ParamBand, TableRow]] | None:
    if kind not in NUMBER_KINDS:
        report(f"bands need an integer or number input; '{by}' is {kind}", ("bands",), "use rows: for kinds")
        return None
    out = []
    for index, band in enumerate(bands):
        if index and not _follows(bands[index - 1], band):
            report("bands go from the lowest up and do not overlap: this band starts before the one above it "
                   "ends", ("bands", index), "start it where the band before ends ('at_least' after 'below')")
            return None
        out.append((band, TableRow(band_label(band), coerce(band.value, ("bands", index, "value")))))
    return out


def _follows(before: ParamBand, band: ParamBand) -> bool:
    """Whether `band` starts at or after the end of `before` (a shared bound inclusive on one side only)."""
    high, low = before.high, band.low
    if high is None or low is None:
        return False
    if high != low:
        return low > high
    return not (before.at_most is not None and band.at_least is not None)  # both would hold the shared bound


__all__ = ["ParamTable", "TableRow", "band_label", "check_table"]
