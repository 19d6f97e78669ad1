"""A pack's rules that would reach a limit of the C library, as diagnostics at the rules' positions."""

from __future__ import annotations

from collections.abc import Iterable

from engine.backends.durable.compile import compile_program
from engine.backends.durable.limits import LimitProblem, check_ruleset
from engine.backends.durable.lowering import lower_pack
from engine.errors import ERROR, Diagnostic
from engine.pack.model import Pack


def limit_problems(pack: Pack) -> list[Diagnostic]:
    """Statically refuse what would reach a C limit or an unsafe regex in durable_rules."""
    return limit_diagnostics(pack, check_ruleset(compile_program(lower_pack(pack)).rules))


def limit_diagnostics(pack: Pack, problems: Iterable[LimitProblem]) -> list[Diagnostic]:
    """The problems durable_rules would have with the pack's ruleset, each at the rule it comes from
    (durable rule names are `rule|decision|n`); problems of no one rule at the pack's first file."""
    found = []
    for problem in problems:
        rule_id = problem.rule.split("|", 1)[0]
        rule = pack.rule(rule_id)
        if rule is not None:
            line, col = rule.origin.position()
            file = rule.origin.file
        else:
            file, line, col = pack.files[0], 1, 1
        found.append(Diagnostic(file, line, col, ERROR, "pack-limit",
                                f"rule '{rule_id}' cannot be matched safely: {problem.message}",
                                hint="simplify the condition or split the rule"))
    return found
