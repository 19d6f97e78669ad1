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
from engine.backends.durable.compile import CompiledProgram, attr_fact, compile_pack, item_fact
from engine.backends.durable.limits import RulesetLimitError
from engine.backends.durable.lowering import Decision, Program
from engine.backends.durable.pack_limits import limit_diagnostics
from engine.errors import PackError
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
        self.compiled: CompiledProgram = compile_pack(pack)
        self.program: Program = self.compiled.program
        if self.compiled.problems:  # the pack's fault, as `pack check` says: at the rules, exit 2
            raise PackError(limit_diagnostics(pack, self.compiled.problems, list(self.compiled.rules)))
        name = f"{pack.id}@{pack.version}#{pack.fingerprint}"
        try:
            self.ruleset = durable_runtime.CompiledRuleset(name, self.compiled.rules, probe=probe)
        except RulesetLimitError as exc:  # the probe: registering it hangs or crashes durable
            raise PackError(limit_diagnostics(pack, exc.problems, list(self.compiled.rules))) from None

    # -- facts ------------------------------------------------------------------------
    def synthetic(self, context: Context, values: Synth, stratum: int = 0) -> None:
        """Compute the synthetic values of one round into `values` (those reading met() once the rules they
        read are scored)."""
        env = context.env()
        for name, synth in self.program.synth.items():
            if synth.stratum != stratum:
                continue
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

    def facts(self, context: Context, synth: Synth, stratum: int = 0) -> list[dict[str, Any]]:
        """The facts asserted in the round of `stratum`: the profile's in the first, then the values
        computed from met() of the rules scored before."""
        self.synthetic(context, synth, stratum)
        plan = self.compiled.plan
        facts = []
        for name in sorted(plan.attrs):
            if self._round_of(name) != stratum:
                continue
            value = synth[(name, None)][0] if name.startswith("_d") else context.values.get(name)
            fact = attr_fact(name, value, plan.lists.get(name))
            if fact is not None:
                facts.append(fact)
        for group in sorted(plan.items):
            list_path, round_index = self.program.item_groups[group]
            elements = context.values.get(list_path)
            if round_index != stratum or not isinstance(elements, list):
                continue
            synth_names = [n for n, s in self.program.synth.items()
                           if s.list_path == list_path and s.stratum <= stratum]
            fields = plan.items[group]
            for index, element in enumerate(elements):
                own = {name: synth[(name, index)][0] for name in synth_names}
                facts.append(item_fact(group, index, element, fields, own))
        return facts

    def _round_of(self, attr: str) -> int:
        return self.program.synth[attr].stratum if attr.startswith("_d") else 0

    # -- a session ------------------------------------------------------------------------
    def run(self, context: Context, strata: int, on_round: Callable[[int, Oracle], None]) -> None:
        synth: Synth = {}
        first = self.facts(context, synth)
        oracle = DurableOracle(self, context, synth)
        met_rules = self.program.met_rules
        by_stratum: dict[int, list[RuleSpec]] = {}
        for rule in self.pack.rules:
            by_stratum.setdefault(rule.stratum, []).append(rule)

        next_stratum = [0]

        def then(round_index: int, activations: list[durable_runtime.Activation]) -> list[dict[str, Any]]:
            oracle.record(activations)
            while True:  # score strata until the next round has facts: met facts, values read from met()
                stratum = next_stratum[0]
                on_round(stratum, oracle)
                next_stratum[0] += 1
                if next_stratum[0] >= strata:
                    return []
                facts = [{"k": "m", "r": rule.id, "v": context.outcomes.get(rule.id) == "met"}
                         for rule in by_stratum.get(stratum, []) if rule.id in met_rules]
                facts += self.facts(context, synth, next_stratum[0])
                if facts:
                    return facts

        self.ruleset.run(first, then=then)
