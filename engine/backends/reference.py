"""The reference backend: conditions evaluated by the expression interpreter.

It is the oracle the durable backend is tested against, and the fallback
where durable-rules cannot be installed (Python ≥ 3.13, no C compiler).
"""

from __future__ import annotations

from collections.abc import Callable

from engine.evaluation.context import Context, Truth
from engine.evaluation.findings import Oracle
from engine.pack.model import Expr, Pack, RuleSpec

NAME = "reference"


class ReferenceOracle:
    def __init__(self, context: Context):
        self.context = context
        self._exprs: dict[str, dict[str, Expr]] = {}

    def truth(self, rule: RuleSpec, decision: str, subject: int | None) -> Truth:
        exprs = self._exprs.get(rule.id)
        if exprs is None:
            exprs = self._exprs[rule.id] = dict(rule.decisions())
        return self.context.truth(exprs[decision], subject)

    def holds(self, rule: RuleSpec, decision: str, subject: int | None) -> bool:
        return self.truth(rule, decision, subject).holds


class ReferenceBackend:
    name = NAME

    def __init__(self, pack: Pack):
        self.pack = pack

    def run(self, context: Context, strata: int, on_round: Callable[[int, Oracle], None]) -> None:
        oracle = ReferenceOracle(context)
        for stratum in range(strata):
            on_round(stratum, oracle)
