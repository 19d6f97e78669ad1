"""Text and chaining: matches, contains, met."""

from __future__ import annotations

from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import TypeChecker, _arity, _expect, _literal_string, function
from engine.expr.runtime import Env, Thunk
from engine.expr.safe_regex import RegexError, parse
from engine.expr.values import Value

# -- text and chaining ---------------------------------------------------------------------

def _check_matches(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.STRING, "the text of matches()")
    literal = call.args[1]
    pattern = _literal_string(literal, "the pattern of matches()")
    assert isinstance(literal, ast.Literal)  # _literal_string() refused anything else
    try:
        literal.pattern = parse(pattern)
    except RegexError as exc:
        start = _in_expression(literal, exc.offset)
        end = max(_in_expression(literal, exc.end), start + 1)
        raise ExprError("expr-regex", f"pattern not allowed: {exc}", start, end, hint=exc.hint) from None
    return T.BOOLEAN


# Characters of a string literal's value written as two-character escapes in the expression. A backslash is
# always written \\, so a pattern's column is exact; tabs and newlines are taken to be written \t and \n.
_ESCAPED = ("\\", "\n", "\t")


def _in_expression(literal: ast.Literal, offset: int) -> int:
    """The expression offset of character `offset` of a string literal's value (after its opening quote)."""
    value: str = literal.value
    written = offset + sum(value.count(c, 0, offset) for c in _ESCAPED)
    return min(literal.start + 1 + written, literal.end - 1)


def _build_matches(call: ast.Call, args: list[Thunk]) -> Thunk:
    text_fn = args[0]
    literal = call.args[1]
    assert isinstance(literal, ast.Literal) and literal.pattern is not None  # set by _check_matches()
    regex = literal.pattern

    def run(env: Env) -> Value:
        text = text_fn(env)
        return text if V.is_unknown(text) else regex.fullmatch(text)

    return run


function("matches", "(text, 'pattern')", "whether the whole text matches the pattern")(
    (_check_matches, _build_matches))


def _check_contains(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.STRING, "the text of contains()")
    _expect(checker, call.args[1], scope, T.STRING, "the part looked for by contains()")
    return T.BOOLEAN


def _build_contains(call: ast.Call, args: list[Thunk]) -> Thunk:
    text_fn, part_fn = args

    def run(env: Env) -> Value:
        text, part = text_fn(env), part_fn(env)
        unknown = V.unknown_of(text, part)
        return unknown if unknown is not None else part in text

    return run


function("contains", "(text, part)", "whether the text contains the part")((_check_contains, _build_contains))


def _check_met(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    rule_id = _literal_string(call.args[0], "the rule id given to met()")
    checker.check_rule_reference(rule_id, call.args[0])
    return T.BOOLEAN


def _build_met(call: ast.Call, args: list[Thunk]) -> Thunk:
    rule_id = call.args[0].value  # type: ignore[attr-defined]  # a literal: _check_met() made sure
    return lambda env: env.outcomes.get(rule_id) == "met"


function("met", "('rule id')", "whether another rule of the pack is met (rules are evaluated in dependency order)")(
    (_check_met, _build_met))
