"""A pack's test cases, checked with the pack: case files that do not load, cases naming rules, grades or
parameters the pack lacks, and rules no case tests (for an overlay: the rules it adds or changes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ERROR, WARNING, Diagnostic, EngineError, did_you_mean
from engine.pack.model import Pack, RuleSpec
from engine.pack.origins import Origin, diagnostic_at

if TYPE_CHECKING:
    from engine.testing.cases import LoadedCase


def own_rule(pack: Pack, rule: RuleSpec) -> bool:
    """A rule this pack (not its base) defines or changes: its tests are this pack's job."""
    from engine.pack.origins import LayeredOrigin

    if pack.base is None or isinstance(rule.origin, LayeredOrigin):
        return True
    try:
        return Path(rule.origin.file).resolve().is_relative_to(Path(pack.root).resolve())
    except (OSError, ValueError):
        return False


def case_problems(pack: Pack) -> list[Diagnostic]:
    """Case files that do not load, cases naming what the pack lacks, rules no case tests (not said while a
    case file does not load: what it tests is not known)."""
    from engine.testing.cases import case_files, load_cases

    found: list[Diagnostic] = []
    tested: set[str] = set()
    all_loaded = True
    for path in case_files(pack.root):
        try:
            loaded_cases = load_cases(path)
        except EngineError as exc:
            found += exc.diagnostics
            all_loaded = False
            continue
        for loaded in loaded_cases:
            tested.update(loaded.case.expect)
            found += _unknown_names(pack, loaded) + _adjustment_problems(pack, loaded)
    if all_loaded:
        found += _untested_rules(pack, tested)
    return found


def _adjustment_problems(pack: Pack, loaded: LoadedCase) -> list[Diagnostic]:
    """A case's adjustments name item or bonus rules of the pack, as an adjustments file must."""
    review = loaded.review()
    try:
        if review is not None:
            review.check([pack])
    except EngineError as exc:
        return list(exc.diagnostics)
    return []


def _unknown_names(pack: Pack, loaded: LoadedCase) -> list[Diagnostic]:
    """The rules, grade and parameters a case names that the pack does not have."""
    case = loaded.case
    origin = Origin(loaded.file, loaded.source, ("cases", loaded.index))
    rule_ids = [rule.id for rule in pack.rules]
    grade_ids = [grade.id for grade in pack.grades]
    found = [diagnostic_at(origin, ERROR, "case-unknown-rule", f"case '{case.name}' expects rule '{rule_id}', "
                           "which the pack does not have", "expect", rule_id, key=True,
                           hint=did_you_mean(rule_id, rule_ids))
             for rule_id in case.expect if rule_id not in rule_ids]
    if case.grade is not None and case.grade not in grade_ids:
        found.append(diagnostic_at(origin, ERROR, "case-unknown-grade", f"case '{case.name}' expects grade "
                                   f"'{case.grade}', which the pack does not have", "grade",
                                   hint=did_you_mean(case.grade, grade_ids) or "grades: " + ", ".join(grade_ids)))
    found += [diagnostic_at(origin, ERROR, "case-unknown-parameter", f"case '{case.name}' sets parameter '{name}', "
                            "which the pack does not have", "params", name, key=True,
                            hint=did_you_mean(name, pack.params))
              for name in case.params if name not in pack.params]
    return found


def _untested_rules(pack: Pack, tested: set[str]) -> list[Diagnostic]:
    """The pack's own rules no case expects anything of."""
    return [diagnostic_at(_own_origin(rule), WARNING, "rule-untested", f"rule {rule.id} is not tested by any case",
                          hint="add it to the 'expect:' of a case in tests/*.yaml")
            for rule in pack.rules if rule.id not in tested and own_rule(pack, rule)]


def _own_origin(rule: RuleSpec) -> Origin:
    """Where this pack says something about the rule: its id, or the overlay's change of it."""
    from engine.pack.origins import LayeredOrigin

    if isinstance(rule.origin, LayeredOrigin) and rule.origin.patched:
        patch: Origin = rule.origin.patched[0][1]
        return patch
    return rule.origin.child("id")
