"""The structural rewrites the runtime applies to every ruleset (docs/explanation/durable-rules.md §8.2).

Flattened `$and`s, cross-fact terms before any group, an always-true `_t` term
closing every joining pattern, `$iany` split over an `$or` of different
properties, float divisors, and the sentinel rule that tells a run is complete.
limits.py explains which evaluation bugs each one avoids.
"""

from __future__ import annotations

import copy
from collections.abc import Set
from typing import Any

from engine.backends.durable.terms import (
    MAX_PRI,
    SENTINEL_KIND,
    SENTINEL_RULE,
    Cond,
    _Bad,
    _dnf,
    _ors_consistent,
    _term,
    number_kind,
)

# ---- hardening (the structural part of the runtime's workarounds) -------------------------------

def _flatten(cond: Cond) -> list[Cond]:
    key, body = next(iter(cond.items()))
    if key == "$and":
        out: list[Cond] = []
        for term in body:
            out.extend(_flatten(term))
        return out
    return [cond]


def _flatten_or(terms: list[Cond]) -> list[Cond]:
    out: list[Cond] = []
    for term in terms:
        key, body = next(iter(term.items()))
        out.extend(_flatten_or(body) if key == "$or" else [term])
    return out


def _kind(term: Cond, aliases: tuple[str, ...]) -> str:
    refs: set[str] = set()
    try:
        return _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:  # an unchecked ruleset (tests only): leave the term where it is
        return "simple"


def _refs_of(term: Cond, aliases: tuple[str, ...]) -> list[str]:
    refs: set[str] = set()
    try:
        _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:
        return []
    return sorted(refs, key=aliases.index)


def _float_divisors(term: Any) -> Any:
    """Integer constant divisors become floats, so that $div divides like Python."""
    if isinstance(term, dict):
        out = {}
        for key, value in term.items():
            if key == "$div" and isinstance(value, dict) and number_kind(value.get("$r")) == "int":
                value = dict(value, **{"$r": float(value["$r"])})
            out[key] = _float_divisors(value)
        return out
    if isinstance(term, list):
        return [_float_divisors(t) for t in term]
    return term


def _split_iany(term: Cond) -> Cond:
    """$iany: {p: A or B} -> $or: [$iany: {p: A}, $iany: {p: B}] where the $or is unsafe inside."""
    key, body = next(iter(term.items()))
    if key == "$iany":
        (prop, inner), = body.items()
        if not _ors_consistent(inner):
            alts = [{"$iany": {prop: conj[0] if len(conj) == 1 else {"$and": conj}}} for conj in _dnf(inner)]
            return alts[0] if len(alts) == 1 else {"$or": alts}
        return term
    if key in ("$or", "$and"):
        return {key: [_split_iany(t) for t in body]}
    return term


def _terms(cond: Cond, reorder: bool) -> list[Cond]:
    """The pattern's terms: its $and flattened (only the outer one when not reordering)."""
    if reorder:
        return _flatten(cond)
    key, body = next(iter(cond.items()))
    return list(body) if key == "$and" else [cond]


def _reordered(terms: list[Cond], aliases: tuple[str, ...]) -> list[Cond]:
    """The discriminator first, then single tests, cross-fact tests, cross-fact $or, and groups last."""
    kinds = [_kind(t, aliases) for t in terms]
    rest = list(zip(terms[1:], kinds[1:], strict=True))
    return (terms[:1] + [t for t, k in rest if k == "simple"] + [t for t, k in rest if k == "cross"]
            + [t for t, k in rest if k == "cross-or"] + [t for t, k in rest if k == "alpha-group"])


def _or_with_false_term(term: Cond, aliases: tuple[str, ...], anchor: str) -> Cond:
    """A cross-fact $or gets an always-false last alternative (§8.2 precaution)."""
    if "$or" in term and _kind(term, aliases) == "cross-or":
        return {"$or": _flatten_or(term["$or"]) + [{"$lt": {"_t": {anchor: "_t"}}}]}
    return term


def harden_pattern(cond: Cond, aliases: tuple[str, ...], disabled: Set[str] = frozenset()) -> Cond:
    """The pattern as registered: see the module docstring for each step."""
    cond = _float_divisors(cond)
    if "iany_or" not in disabled:
        cond = _split_iany(cond)
    terms = _terms(cond, "reorder" not in disabled)
    refs: list[str] = []
    for t in terms:
        refs.extend(r for r in _refs_of(t, aliases) if r not in refs)
    if not refs:
        return terms[0] if len(terms) == 1 else {"$and": terms}
    anchor = refs[0]
    if "reorder" not in disabled:
        terms = _reordered(terms, aliases)
    if "or_false" not in disabled:
        terms = [_or_with_false_term(t, aliases, anchor) for t in terms]
    if "t_term" not in disabled:
        terms = [*terms, {"$gte": {"_t": {anchor: "_t"}}}]
    return {"$and": terms}


def sentinel_rule() -> dict[str, Any]:
    return {"all": [{"m": {"k": SENTINEL_KIND}}], "pri": MAX_PRI + 1}


def harden_rules(rules: dict[str, Any], disabled: Set[str] = frozenset()) -> dict[str, Any]:
    """The ruleset the runtime registers. Assumes check_ruleset found no problem."""
    out: dict[str, Any] = {}
    for name, rule in rules.items():
        patterns: list[Cond] = []
        aliases: tuple[str, ...] = ()
        for pattern in rule["all"]:
            (alias, cond), = pattern.items()
            patterns.append({alias: harden_pattern(copy.deepcopy(cond), aliases, disabled)})
            aliases = (*aliases, alias)
        hardened: dict[str, Any] = {"all": patterns}
        if "pri" in rule:
            hardened["pri"] = rule["pri"]
        out[name] = hardened
    if "sentinel" not in disabled:
        out[SENTINEL_RULE] = sentinel_rule()
    return out
