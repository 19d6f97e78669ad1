"""The safe expression language of rule packs: parse, type-check, evaluate.

No Python eval/exec anywhere: expressions are tokenized and parsed by our own
grammar (parser.py), checked against declared inputs and parameters
(checker.py), and compiled into closures (evaluator.py).
"""

from . import types
from .checker import Checker, Ref, Symbol
from .errors import ExprError
from .evaluator import compile_expr
from .functions import REGISTRY as FUNCTIONS
from .parser import parse
from .runtime import Env
from .values import MISSING, NA, is_unknown

__all__ = [
    "Checker", "Env", "ExprError", "FUNCTIONS", "MISSING", "NA", "Ref", "Symbol",
    "compile_expr", "is_unknown", "parse", "types",
]
