"""The structural rewrites the runtime applies to every ruleset (DURABLE_RULES.md §8.2).

Flattened `$and`s, cross-fact terms before any group, an always-true `_t` term
closing every joining pattern, `$iany` split over an `$or` of different
properties, float divisors, and the sentinel rule that tells a run is complete.
durable_limits.py explains which evaluation bugs each one avoids.
"""

from __future__ import annotations

import copy

from engine.backends.durable.terms import (
    MAX_PRI,
    SENTINEL_KIND,
    SENTINEL_RULE,
    _Bad,
    _dnf,
    _ors_consistent,
    _term,
    number_kind,
)

# ---- hardening (the structural part of the runtime's workarounds) -------------------------------

def _flatten(cond) -> list:
    key, body = next(iter(cond.items()))
    if key == "$and":
        out = []
        for term in body:
            out.extend(_flatten(term))
        return out
    return [cond]


def _flatten_or(terms: list) -> list:
    out = []
    for term in terms:
        key, body = next(iter(term.items()))
        out.extend(_flatten_or(body) if key == "$or" else [term])
    return out


def _kind(term, aliases: tuple) -> str:
    refs: set = set()
    try:
        return _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:  # an unchecked ruleset (tests only): leave the term where it is
        return "simple"


def _refs_of(term, aliases: tuple) -> list[str]:
    refs: set = set()
    try:
        _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:
        return []
    return sorted(refs, key=aliases.index)


def _float_divisors(term):
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


def _split_iany(term):
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


def harden_pattern(cond, aliases: tuple, disabled=frozenset()):
    """The pattern as registered: see the module docstring for each step."""
    cond = _float_divisors(cond)
    if "iany_or" not in disabled:
        cond = _split_iany(cond)
    terms = _flatten(cond) if "reorder" not in disabled else [cond]
    if len(terms) == 1 and "reorder" in disabled:
        key, body = next(iter(cond.items()))
        terms = list(body) if key == "$and" else [cond]
    refs: list[str] = []
    for t in terms:
        refs.extend(r for r in _refs_of(t, aliases) if r not in refs)
    if not refs:
        return terms[0] if len(terms) == 1 else {"$and": terms}
    anchor = refs[0]
    if "reorder" not in disabled:
        kinds = [_kind(t, aliases) for t in terms]
        first, rest = terms[:1], list(zip(terms[1:], kinds[1:]))
        terms = (first + [t for t, k in rest if k == "simple"] + [t for t, k in rest if k == "cross"]
                 + [t for t, k in rest if k == "cross-or"] + [t for t, k in rest if k == "alpha-group"])
    if "or_false" not in disabled:
        terms = [({"$or": _flatten_or(t["$or"]) + [{"$lt": {"_t": {anchor: "_t"}}}]}
                  if "$or" in t and _kind(t, aliases) == "cross-or" else t) for t in terms]
    if "t_term" not in disabled:
        terms = terms + [{"$gte": {"_t": {anchor: "_t"}}}]
    return {"$and": terms}


def sentinel_rule() -> dict:
    return {"all": [{"m": {"k": SENTINEL_KIND}}], "pri": MAX_PRI + 1}


def harden_rules(rules: dict, disabled=frozenset()) -> dict:
    """The ruleset the runtime registers. Assumes check_ruleset found no problem."""
    out = {}
    for name, rule in rules.items():
        patterns, aliases = [], ()
        for pattern in rule["all"]:
            (alias, cond), = pattern.items()
            patterns.append({alias: harden_pattern(copy.deepcopy(cond), aliases, disabled)})
            aliases = aliases + (alias,)
        hardened = {"all": patterns}
        if "pri" in rule:
            hardened["pri"] = rule["pri"]
        out[name] = hardened
    if "sentinel" not in disabled:
        out[SENTINEL_RULE] = sentinel_rule()
    return out
