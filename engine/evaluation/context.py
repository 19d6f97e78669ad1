"""One profile prepared for one pack: inputs plus the pack's derived values.

Derived values are computed once, in dependency order, by the expression
interpreter; a derived value that cannot be computed stays MISSING (with the
inputs that caused it) or NA. Lists of objects are copied so that several
packs can assess the same profile without seeing each other's fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.expr.runtime import WHY, Env
from engine.expr.values import MISSING, NA, is_unknown
from engine.pack.model import Expr, Pack
from engine.pack.paramtables import TableRow
from engine.profile.validate import Profile


@dataclass(frozen=True)
class Truth:
    """Whether a condition holds for a subject, and if not, whether it is
    definitely false (`refuted`) or unknown for lack of data (`missing`) or
    because a value did not apply (`na`). Three-valued, as the language is:
    `a and b` with `a` false is refuted even when `b` is missing."""

    holds: bool
    missing: frozenset[str] = frozenset()
    na: bool = False
    refuted: bool = False

    @property
    def settled_false(self) -> bool:
        return not self.holds and (self.refuted or not (self.missing or self.na))


@dataclass(frozen=True)
class Valued:
    value: object
    missing: frozenset[str] = frozenset()
    na: bool = False


class Context:
    def __init__(self, pack: Pack, profile: Profile, as_of: dt.date | None = None):
        self.pack = pack
        self.profile = profile
        # the date a lasting veto is judged in force on: the reviewer's --as-of, else the end of the period
        self.judged_on = as_of or (profile.period[1] if profile.period is not None else None)
        self.values = dict(profile.values)
        # Per-element derived values are written into the elements: copy those lists only,
        # so several packs can assess one profile without seeing each other's fields.
        for path in element_lists(pack):
            if path in self.values:
                self.values[path] = [dict(element) for element in self.values[path]]
        self.why: dict[str, frozenset[str]] = {}
        self.period = profile.period
        self.outcomes: dict[str, str] = {}
        self.param_rows: dict[str, TableRow] = {}  # parameters by the profile (format 2): the row that applied
        self._look_up_params()
        self._compute_derived()

    def env(self) -> Env:
        return Env(self.values, why=self.why, outcomes=self.outcomes, period=self.period)

    def _look_up_params(self) -> None:
        """The value of each parameter that depends on the profile: its row for the profile's attribute. Without
        the attribute it is missing data (for the attribute); a row without a value leaves the rules that read it
        not assessed (`unset_params`)."""
        for name, spec in self.pack.params.items():
            if spec.table is None:
                continue
            key = "params." + name
            attribute = self.values.get(spec.table.by, MISSING)
            if is_unknown(attribute):
                self.values[key] = MISSING
                self.why[key] = self.why.get(spec.table.by) or frozenset({spec.table.by})
                continue
            row = self.param_rows[name] = spec.table.lookup(attribute)
            self.values[key] = row.value if row.value is not None else MISSING
            if row.value is None:
                self.why[key] = frozenset({key})

    def unset_params(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Those of the parameters by the profile `names` whose row for this profile has no value."""
        return tuple(name for name in names if name in self.param_rows and self.param_rows[name].value is None)

    def _compute_derived(self) -> None:
        env = self.env()
        for derived in self.pack.derived:
            if derived.list_path is None:
                env.reset_tracking()
                value = derived.expr.thunk(env)
                self.values[derived.name] = value
                if value is MISSING:
                    self.why[derived.name] = frozenset(env.missing)
                continue
            elements = self.values.get(derived.list_path)
            if not isinstance(elements, list):
                continue
            for element in elements:
                env.reset_tracking()
                env.push(derived.list_path, element)
                value = derived.expr.thunk(env)
                env.pop()
                element[derived.field] = value
                if value is MISSING:
                    element.setdefault(WHY, {})[derived.field] = frozenset(env.missing)

    def elements(self, list_path: str) -> Any:
        """The elements of a list (MISSING when the profile has none)."""
        return self.values.get(list_path, MISSING)

    def evaluate(self, expr: Expr, subject: int | None = None) -> Valued:
        """Value of an expression for the profile, or for one element of its list."""
        env = self.env()
        if subject is not None:
            assert expr.list_path is not None  # only an expression over a list's elements has subjects
            env.push(expr.list_path, self.values[expr.list_path][subject])
        value = expr.thunk(env)
        return Valued(value, frozenset(env.missing), env.na or value is NA)

    def truth(self, expr: Expr, subject: int | None = None) -> Truth:
        """The reference evaluation of a condition (Kleene logic; true only if definitely true)."""
        result = self.evaluate(expr, subject)
        return Truth(result.value is True, result.missing, result.na, result.value is False)


def element_lists(pack: Pack) -> list[str]:
    """The lists whose elements get values derived for each of them (one walk over the derived values, far
    cheaper than computing them: not worth keeping)."""
    return list(dict.fromkeys(d.list_path for d in pack.derived if d.list_path is not None))


def classify(truth: Truth) -> str:
    """The outcome of a condition that does not hold."""
    if truth.settled_false:
        return "not_met"
    if truth.missing:
        return "missing_data"
    return "not_applicable"


__all__ = ["Context", "Truth", "Valued", "classify", "is_unknown"]
