"""The durable_rules backend: conditions matched by the Rete network.

Per profile: compute the synthetic derived values, assert the profile as
facts in a session of its own, drain the agenda, and answer 'does this
condition hold for this subject' from the activations (closed world). Rules
that read met('X') are matched in later rounds: after each round the rules of
that stratum are scored and their met facts asserted (forward chaining).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.backends.durable import runtime as durable_runtime
from engine.backends.durable.compile import CompiledProgram, attr_fact, compile_program, item_fact
from engine.backends.durable.lowering import Decision, Program, lower_pack
from engine.evaluation.context import Context, Truth
from engine.evaluation.findings import Oracle
from engine.expr.runtime import WHY
from engine.expr.values import MISSING, NA
from engine.pack.model import Pack, RuleSpec

NAME = "durable"

# (derived value name, element index or None) -> (value, the inputs it missed, not applicable)
Synth = dict[tuple[str, int | None], tuple[Any, frozenset[str], bool]]


class DurableOracle:
    def __init__(self, backend: DurableBackend, context: Context, synth: Synth):
        self.backend = backend
        self.context = context
        self.synth = synth
        self.fired: set[tuple[str, int | None]] = set()

    def record(self, activations: list[durable_runtime.Activation]) -> None:
        names = self.backend.compiled.names
        for rule_name, facts in activations:
            entry = names.get(rule_name)
            if entry is None:
                continue  # the runtime's own sentinel rule
            item = facts.get("i")
            self.fired.add((entry[0], item["ix"] if item is not None else None))

    def truth(self, rule: RuleSpec, decision_name: str, subject: int | None) -> Truth:
        decision = self.backend.program.known_decision(rule.id, decision_name)
        if decision.constant is True:
            return Truth(True)
        if (decision.key, subject) in self.fired:
            return Truth(True)
        return self.explain(decision, subject)

    def holds(self, rule: RuleSpec, decision_name: str, subject: int | None) -> bool:
        decision = self.backend.program.known_decision(rule.id, decision_name)
        return decision.constant is True or (decision.key, subject) in self.fired

    def explain(self, decision: Decision, subject: int | None) -> Truth:
        """Why a condition did not hold: the same missing inputs and 'not applicable' the interpreter records."""
        element = self.context.values[decision.list_path][subject] \
            if subject is not None and decision.list_path is not None else None
        missing, na = self._unknown_reads(decision, element)
        for name in decision.synth:
            per_element = self.backend.program.synth[name].list_path
            _value, why, not_applicable = self.synth[(name, subject if per_element else None)]
            missing |= why
            na = na or not_applicable
        for atom in decision.any_atoms:
            env = self.context.env()
            if element is not None and decision.list_path is not None:
                env.push(decision.list_path, element)
            atom.thunk(env)
            missing |= env.missing
            na = na or env.na
        if not (missing or na):
            return Truth(False)
        # Unknown parts: the network says 'not true'; whether the condition is
        # definitely false (false and unknown) is three-valued logic, asked of the interpreter.
        refuted = self.context.evaluate(decision.expr, subject).value is False
        return Truth(False, frozenset(missing), na, refuted)

    def _unknown_reads(self, decision: Decision, element: dict[str, Any] | None) -> tuple[set[str], bool]:
        """The inputs the condition reads that are missing (with their causes), and whether one is n/a."""
        missing: set[str] = set()
        na = False
        for operand in decision.refs():
            if operand.name.startswith("_d"):
                continue
            if operand.kind == "attr":
                value = self.context.values.get(operand.name, MISSING)
                cause = self.context.why.get(operand.name)
                label = operand.name
            else:
                value = element.get(operand.name, MISSING) if element is not None else MISSING
                cause = element.get(WHY, {}).get(operand.name) if element is not None else None
                label = f"{decision.list_path}[].{operand.name}"
            if value is MISSING:
                missing |= cause or {label}
            elif value is NA:
                na = True
        return missing, na


class DurableBackend:
    name = NAME

    def __init__(self, pack: Pack, *, probe: bool = True):
        if not durable_runtime.AVAILABLE:
            raise RuntimeError(durable_runtime.UNAVAILABLE_REASON or "durable-rules is not available")
        self.pack = pack
        self.program: Program = lower_pack(pack)
        self.compiled: CompiledProgram = compile_program(self.program)
        name = f"{pack.id}@{pack.version}#{pack.fingerprint}"
        self.ruleset = durable_runtime.CompiledRuleset(name, self.compiled.rules, probe=probe)

    # -- facts ------------------------------------------------------------------------
    def synthetic(self, context: Context) -> Synth:
        values: Synth = {}
        env = context.env()
        for name, synth in self.program.synth.items():
            if synth.list_path is None:
                env.reset_tracking()
                if synth.padded:
                    env.push("", {})
                value = synth.thunk(env)
                if synth.padded:
                    env.pop()
                values[(name, None)] = (value, frozenset(env.missing), env.na or value is NA)
                continue
            elements = context.values.get(synth.list_path)
            if not isinstance(elements, list):
                continue
            for index, element in enumerate(elements):
                env.reset_tracking()
                env.push(synth.list_path, element)
                value = synth.thunk(env)
                env.pop()
                values[(name, index)] = (value, frozenset(env.missing), env.na or value is NA)
        return values

    def facts(self, context: Context, synth: Synth) -> list[dict[str, Any]]:
        plan = self.compiled.plan
        facts = []
        for name in sorted(plan.attrs):
            value = synth[(name, None)][0] if name.startswith("_d") else context.values.get(name)
            fact = attr_fact(name, value, plan.lists.get(name))
            if fact is not None:
                facts.append(fact)
        for list_path in sorted(plan.items):
            elements = context.values.get(list_path)
            if not isinstance(elements, list):
                continue
            synth_names = [n for n, s in self.program.synth.items() if s.list_path == list_path]
            fields = plan.items[list_path]
            for index, element in enumerate(elements):
                own = {name: synth[(name, index)][0] for name in synth_names}
                facts.append(item_fact(list_path, index, element, fields, own))
        return facts

    # -- a session ------------------------------------------------------------------------
    def run(self, context: Context, strata: int, on_round: Callable[[int, Oracle], None]) -> None:
        synth = self.synthetic(context)
        oracle = DurableOracle(self, context, synth)
        met_rules = self.program.met_rules
        by_stratum: dict[int, list[RuleSpec]] = {}
        for rule in self.pack.rules:
            by_stratum.setdefault(rule.stratum, []).append(rule)

        next_stratum = [0]

        def then(round_index: int, activations: list[durable_runtime.Activation]) -> list[dict[str, Any]]:
            oracle.record(activations)
            while True:  # score strata until one has met facts that later rules match
                stratum = next_stratum[0]
                on_round(stratum, oracle)
                next_stratum[0] += 1
                if next_stratum[0] >= strata:
                    return []
                facts = [{"k": "m", "r": rule.id, "v": context.outcomes.get(rule.id) == "met"}
                         for rule in by_stratum.get(stratum, []) if rule.id in met_rules]
                if facts:
                    return facts

        self.ruleset.run(self.facts(context, synth), then=then)
