"""The safe expression language of rule packs: parse, type-check, evaluate.

No Python eval/exec anywhere: expressions are tokenized and parsed by our own
grammar (parser.py), checked against declared inputs and parameters
(checker.py), and compiled into closures (evaluator.py).
"""

from engine.expr import types
from engine.expr.checker import Checker, Ref, Symbol
from engine.expr.errors import ExprError
from engine.expr.evaluator import compile_expr
from engine.expr.functions import REGISTRY as FUNCTIONS
from engine.expr.parser import parse
from engine.expr.runtime import Env
from engine.expr.values import MISSING, NA, is_unknown

__all__ = [
    "Checker", "Env", "ExprError", "FUNCTIONS", "MISSING", "NA", "Ref", "Symbol",
    "compile_expr", "is_unknown", "parse", "types",
]
