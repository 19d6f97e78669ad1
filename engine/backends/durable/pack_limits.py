"""A pack's rules that would reach a limit of the C library, as diagnostics at the rules' positions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.backends.durable.compile import compile_pack
from engine.backends.durable.limits import LimitProblem
from engine.backends.durable.terms import MAX_RULES
from engine.errors import ERROR, Diagnostic
from engine.pack.model import Pack

WHOLE_PACK_HINT = "split the pack, or assess it with --backend reference"


def limit_problems(pack: Pack) -> list[Diagnostic]:
    """Statically refuse what would reach a C limit of durable_rules (conditions too big for one durable
    rule are matched as one value: what is left is the pack's)."""
    compiled = compile_pack(pack)
    return limit_diagnostics(pack, compiled.problems, list(compiled.rules))


def limit_diagnostics(pack: Pack, problems: Iterable[LimitProblem], rule_names: Sequence[str] = ()) -> list[Diagnostic]:
    """The problems durable_rules would have with the pack's ruleset (durable rules named `rule|decision|n`,
    in `rule_names`), each at the pack rule it comes from; too many durable rules at the first one past the
    limit; problems of no one rule at the pack's first file."""
    return [_diagnostic(pack, problem, rule_names) for problem in problems]


def _diagnostic(pack: Pack, problem: LimitProblem, rule_names: Sequence[str]) -> Diagnostic:
    if problem.code == "rule-count" and len(rule_names) > MAX_RULES:
        rule = pack.rule(rule_names[MAX_RULES].split("|", 1)[0])
        message = (f"is past durable_rules' limit: the pack compiles to {len(rule_names)} durable rules (one per "
                   f"condition and alternative), at most {MAX_RULES}")
        hint = WHOLE_PACK_HINT
    else:
        rule = pack.rule(problem.rule.split("|", 1)[0])
        message, hint = f"cannot be matched safely: {problem.message}", "simplify the condition or split the rule"
    if rule is None:
        return Diagnostic(pack.files[0], 1, 1, ERROR, "pack-limit",
                          f"the durable backend cannot match this pack safely: {problem.message}", hint=WHOLE_PACK_HINT)
    line, col = rule.origin.position()
    return Diagnostic(rule.origin.file, line, col, ERROR, "pack-limit", f"rule '{rule.id}' {message}", hint=hint)
