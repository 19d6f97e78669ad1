"""Pack checks and the compiled form, for `assess pack check` and `assess pack compile --show`."""

from __future__ import annotations

import json
from pathlib import Path

from .compile import compile_program
from .errors import ERROR, Diagnostic, PackError
from .lowering import lower_pack
from .pack import Pack, load_pack


def check_pack(path: str | Path, *, authoring: bool = True) -> tuple[Pack | None, list[Diagnostic]]:
    """Every problem of a pack: load errors, type errors, rules the matching core could not hold,
    and (with `authoring`) the warnings of `authoring.lint` and the problems of its test cases."""
    try:
        pack = load_pack(path)
    except PackError as exc:
        return None, list(exc.diagnostics)
    diagnostics = list(pack.warnings)
    diagnostics += limit_problems(pack)
    if authoring:
        from .authoring.lint import authoring_warnings

        diagnostics += authoring_warnings(pack)
        if pack.base is not None:
            diagnostics = _without_inherited(pack, diagnostics)
    return pack, sorted(set(diagnostics), key=Diagnostic.sort_key)


def _without_inherited(pack: Pack, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """An overlay's check shows what the overlay causes: its base's own warnings are not repeated."""
    from .authoring.lint import authoring_warnings
    from .errors import INFO

    try:
        base = load_pack(pack.base.root)
    except PackError:
        return diagnostics
    # the same code at the same place: the base's own (an overlay may only have softened its wording)
    inherited = {(d.file, d.line, d.col, d.code) for d in list(base.warnings) + authoring_warnings(base)
                 if d.severity != ERROR}
    kept = [d for d in diagnostics if d.severity == ERROR or (d.file, d.line, d.col, d.code) not in inherited]
    dropped = len(diagnostics) - len(kept)
    if dropped:
        from .pack.loader import display_path

        kept.append(Diagnostic(display_path(Path(pack.root) / "pack.yaml"), 1, 1, INFO, "inherited", f"{dropped} warning(s) and note(s) of the base pack "
                               f"{pack.base.id} are not repeated here", hint=f"assess pack check {pack.base.shown}"))
    return kept


def limit_problems(pack: Pack) -> list[Diagnostic]:
    """Statically refuse what would reach a C limit or an unsafe regex in durable_rules."""
    from .backends.durable_limits import check_ruleset

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


def compiled_text(pack: Pack) -> str:
    """What goes to the Rete network, what is computed before, and the durable_rules JSON."""
    program = lower_pack(pack)
    compiled = compile_program(program)
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


def rule_compiled_lines(program, rule) -> list[str]:
    """One rule's conditions: the network's conjuncts (DNF), constants, and what is computed in Python."""
    if rule.unset_params:
        return [f"{rule.id}: not compiled — parameter not set: {', '.join(rule.unset_params)}"]
    lines = []
    for name, _ in rule.decisions():
        decision = program.decision(rule.id, name)
        scope = f" for each {decision.list_path}" if decision.list_path else ""
        lines.append(f"{rule.id} {name}{scope}: {decision.expr.source.strip()}")
        if decision.constant is not None:
            lines.append(f"    constant {str(decision.constant).lower()} (parameters folded)")
        for index, conjunct in enumerate(decision.conjuncts):
            lines.append(f"    [{index}] " + " and ".join(atom.show() for atom in conjunct))
        if decision.fallback:
            lines.append(f"    (whole condition computed in Python: {decision.fallback})")
    return lines


def rule_synth(program, rule) -> list[str]:
    """The derived values computed in Python before matching that one rule's conditions compare."""
    names = set()
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
