"""A pack's rules that would reach a limit of the C library, as diagnostics at the rules' positions."""

from __future__ import annotations

from engine.backends.durable.compile import compile_program
from engine.backends.durable.limits import check_ruleset
from engine.backends.durable.lowering import lower_pack
from engine.errors import ERROR, Diagnostic
from engine.pack.model import Pack


def limit_problems(pack: Pack) -> list[Diagnostic]:
    """Statically refuse what would reach a C limit or an unsafe regex in durable_rules."""
    compiled = compile_program(lower_pack(pack))
    found = []
    for problem in check_ruleset(compiled.rules):
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
