"""The function library: each function's type rule and implementation.

A function entry has
- `check(checker, call, scope) -> Type`: validates the arguments (types,
  arity, literal-only arguments) and returns the result type;
- `build(call, args) -> thunk`: given the compiled argument thunks, returns a
  thunk `env -> value`. Unknown values (MISSING/NA) propagate.

Functions that iterate a list (count, any, sum, ...) evaluate their second
argument once per element, with the element pushed on `env.items`. The
families live in their own modules; importing this package registers them all.
"""

from engine.expr.functions import checklists, choice, dates, lists, numbers, text  # noqa: F401  (each registers its functions)
from engine.expr.functions.dates import add_months, period_buckets, whole_months
from engine.expr.functions.registry import REGISTRY, UNITS, Function

__all__ = ["REGISTRY", "Function", "UNITS", "add_months", "period_buckets", "whole_months"]
