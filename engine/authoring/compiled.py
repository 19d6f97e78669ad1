"""What a pack compiles to, for `assess pack compile --show` and `assess explain`: the network's conjuncts,
constants, what is computed in Python first, and the durable_rules JSON."""

from __future__ import annotations

import json

from engine.backends.durable.compile import compile_pack
from engine.backends.durable.lowering import Program
from engine.pack.model import Pack, RuleSpec


def compiled_text(pack: Pack) -> str:
    """What goes to the Rete network, what is computed before, and the durable_rules JSON."""
    compiled = compile_pack(pack)  # as the backend matches it
    program = compiled.program
    lines = [f"# {pack.id} {pack.version}: {len(compiled.rules)} durable rules from {len(program.decisions)} "
             f"conditions; {len(program.synth)} derived values computed before matching", ""]
    for rule in pack.rules:
        lines += rule_compiled_lines(program, rule)
    if program.synth:
        lines.append("")
        lines.append("# derived values computed in Python before matching")
        for name, synth in program.synth.items():
            scope = f" (each {synth.list_path})" if synth.list_path else ""
            lines.append(f"{name}{scope} = {synth.text}")
    lines.append("")
    lines.append("# durable_rules ruleset (before the runtime adds its sentinel rule and join guards)")
    lines.append(json.dumps(compiled.rules, ensure_ascii=False, indent=1, default=str))
    return "\n".join(lines) + "\n"


def rule_compiled_lines(program: Program, rule: RuleSpec) -> list[str]:
    """One rule's conditions: the network's conjuncts (DNF), constants, and what is computed in Python."""
    if rule.unset_params:
        return [f"{rule.id}: not compiled — parameter not set: {', '.join(rule.unset_params)}"]
    lines = []
    for name, _ in rule.decisions():
        decision = program.decision(rule.id, name)
        if decision is None:  # every condition of a rule whose parameters are set is lowered
            raise LookupError(f"{rule.id} {name} was not lowered")
        scope = f" for each {decision.list_path}" if decision.list_path else ""
        lines.append(f"{rule.id} {name}{scope}: {decision.expr.source.strip()}")
        if decision.constant is not None:
            lines.append(f"    constant {str(decision.constant).lower()} (parameters folded)")
        for index, conjunct in enumerate(decision.conjuncts):
            lines.append(f"    [{index}] " + " and ".join(atom.show() for atom in conjunct))
        if decision.fallback:
            lines.append(f"    (whole condition computed in Python: {decision.fallback})")
    return lines


def rule_synth(program: Program, rule: RuleSpec) -> list[str]:
    """The derived values computed in Python before matching that one rule's conditions compare."""
    names: set[str] = set()
    for name, _ in rule.decisions():
        decision = program.decision(rule.id, name)
        if decision is not None:
            names |= set(decision.synth)
    lines = []
    for name in sorted(names, key=lambda n: (len(n), n)):
        synth = program.synth.get(name)
        if synth is not None:
            scope = f" (each {synth.list_path})" if synth.list_path else ""
            lines.append(f"{name}{scope} = {synth.text}")
    return lines
