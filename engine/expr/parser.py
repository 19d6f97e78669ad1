"""Tokenizer and recursive-descent parser for the expression language.

Grammar (lowest precedence first):

    expr       := or
    or         := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | comparison
    comparison := sum (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') sum)?
    sum        := product (('+'|'-') product)*
    product    := unary (('*'|'/') unary)*
    unary      := '-' unary | primary
    primary    := NUMBER ['%'] | STRING | 'true' | 'false' | 'null'
                | NAME ('.' NAME)*            -- a path
                | NAME '(' [expr (',' expr)*] ')'   -- a function call
                | '(' expr ')' | '[' [expr (',' expr)*] ']'

There is no exponentiation, no attribute access on call results, no
indexing and no lambda: the language cannot express unbounded work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from engine.expr import ast
from engine.expr.errors import (
    MAX_DEPTH,
    MAX_LIST_ITEMS,
    MAX_NODES,
    MAX_SOURCE_CHARS,
    MAX_STRING_CHARS,
    ExprError,
)

KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_TWO_CHAR_OPS = {"==", "!=", "<=", ">="}
_ONE_CHAR_OPS = set("<>+-*/()[],.%")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}

# Characters people type by habit from other languages or Chinese input
# methods, with the fix to suggest.
_LOOKALIKES = {
    "=": "use '==' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' or '!='",
    "≥": "use '>='",
    "≤": "use '<='",
    "≠": "use '!='",
    "（": "use ASCII parentheses '(' ')'",
    "）": "use ASCII parentheses '(' ')'",
    "，": "use an ASCII comma ','",
    "“": "use ASCII quotes ' or \"",
    "”": "use ASCII quotes ' or \"",
    "‘": "use ASCII quotes ' or \"",
    "’": "use ASCII quotes ' or \"",
    "％": "use an ASCII percent sign '%'",
    "^": "there is no power operator",
}


@dataclass(frozen=True)
class Token:
    kind: str  # 'num' | 'str' | 'name' | 'op' | 'kw' | 'eof'
    text: str
    start: int
    end: int
    value: object = None


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        if source[i].isspace():
            i += 1
            continue
        token = _token_at(source, i)
        tokens.append(token)
        i = token.end
    tokens.append(Token("eof", "", n, n))
    return tokens


def is_ascii_digit(ch: str) -> bool:
    """Numbers are written with the digits 0-9 only, everywhere a user writes one (expressions, --quota):
    a full-width digit (１) or a superscript (²) is a typing slip to point out, not a number to guess at."""
    return "0" <= ch <= "9"


def _token_at(source: str, i: int) -> Token:
    """The token that starts at `i` (not a space)."""
    ch = source[i]
    if is_ascii_digit(ch):
        return _number_token(source, i)
    if ch.isdigit() or ch.isdecimal() or ch.isnumeric():
        raise ExprError("expr-syntax", f"{ch!r} is not a digit 0-9", i, i + 1,
                        hint="write numbers with the ASCII digits 0-9 (半角数字)")
    if ch in "'\"":
        value, end = _read_string(source, i)
        return Token("str", source[i:end], i, end, value)
    if ch.isidentifier():
        end = _end_of(source, i + 1, lambda c: c.isalnum() or c == "_")
        text = source[i:end]
        return Token("kw" if text in KEYWORDS else "name", text, i, end)
    pair = source[i : i + 2]
    if pair in _TWO_CHAR_OPS:
        return Token("op", pair, i, i + 2)
    if ch in _ONE_CHAR_OPS:
        return Token("op", ch, i, i + 1)
    raise ExprError("expr-syntax", f"unexpected character {ch!r}", i, i + 1, hint=_LOOKALIKES.get(ch))


def _number_token(source: str, start: int) -> Token:
    """A number: digits, with a decimal part if a digit follows the point."""
    i = _end_of(source, start, is_ascii_digit)
    if source[i : i + 1] == "." and is_ascii_digit(source[i + 1 : i + 2]):
        i = _end_of(source, i + 1, is_ascii_digit)
    text = source[start:i]
    if i < len(source) and source[i].isnumeric():
        raise ExprError("expr-syntax", f"{source[i]!r} is not a digit 0-9", i, i + 1,
                        hint="write numbers with the ASCII digits 0-9 (半角数字)")
    if i < len(source) and (source[i].isalnum() or source[i] == "_"):
        raise ExprError("expr-syntax", f"invalid number '{text}{source[i]}'", start, i + 1,
                        hint="numbers are plain decimals such as 90, 0.5 or 90%")
    return Token("num", text, start, i)


def _end_of(source: str, i: int, belongs: Callable[[str], bool]) -> int:
    """The index after the run of characters from `i` that belong to a token."""
    while i < len(source) and belongs(source[i]):
        i += 1
    return i


def _read_string(source: str, i: int) -> tuple[str, int]:
    quote = source[i]
    start = i
    i += 1
    chars: list[str] = []
    while i < len(source):
        ch = source[i]
        if ch == quote:
            text = "".join(chars)
            if len(text) > MAX_STRING_CHARS:
                raise ExprError("expr-limit", f"string literal longer than {MAX_STRING_CHARS} characters", start, i + 1)
            return text, i + 1
        if ch == "\\":
            if i + 1 < len(source) and source[i + 1] in _ESCAPES:
                chars.append(_ESCAPES[source[i + 1]])
                i += 2
                continue
            raise ExprError("expr-syntax", "unknown escape in string", i, i + 2,
                            hint="allowed escapes: \\n \\t \\\\ \\' \\\"")
        chars.append(ch)
        i += 1
    raise ExprError("expr-syntax", "unterminated string", start, len(source), hint=f"close it with {quote}")


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.tok
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise self.unexpected(f"expected {what}")
        return self.advance()

    def unexpected(self, expected: str) -> ExprError:
        token = self.tok
        if token.kind == "eof":
            return ExprError("expr-syntax", f"{expected}, but the expression ended", token.start, token.start + 1)
        hint = None
        if token.text in ("True", "False", "None"):
            hint = f"write {token.text.lower() if token.text != 'None' else 'null'}"
        return ExprError("expr-syntax", f"{expected}, found '{token.text}'", token.start, token.end, hint=hint)

    def enter(self, start: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("expr-limit", f"expression nested deeper than {MAX_DEPTH} levels", start)

    # -- grammar -----------------------------------------------------------
    def parse(self) -> ast.Node:
        if self.at("eof"):
            raise ExprError("expr-syntax", "empty expression", 0, 1)
        node = self.parse_or()
        if not self.at("eof"):
            token = self.tok
            hint = None
            if token.kind == "op" and token.text in ("<", ">", "<=", ">=", "==", "!="):
                hint = "comparisons do not chain; write 'a < b and b < c'"
            raise ExprError("expr-syntax", f"unexpected '{token.text}'", token.start, token.end, hint=hint)
        return node

    def parse_or(self) -> ast.Node:
        left = self.parse_and()
        while self.at("kw", "or"):
            op = self.advance()
            right = self.parse_and()
            left = ast.Binary(left.start, right.end, "or", left, right, op.start)
        return left

    def parse_and(self) -> ast.Node:
        left = self.parse_not()
        while self.at("kw", "and"):
            op = self.advance()
            right = self.parse_not()
            left = ast.Binary(left.start, right.end, "and", left, right, op.start)
        return left

    def parse_not(self) -> ast.Node:
        if self.at("kw", "not"):
            op = self.advance()
            self.enter(op.start)
            operand = self.parse_not()
            self.depth -= 1
            return ast.Unary(op.start, operand.end, "not", operand)
        return self.parse_comparison()

    def parse_comparison(self) -> ast.Node:
        left = self.parse_sum()
        token = self.tok
        op = None
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            op = token.text
            self.advance()
        elif token.kind == "kw" and token.text == "in":
            op = "in"
            self.advance()
        elif token.kind == "kw" and token.text == "not" and self.tokens[self.pos + 1].text == "in":
            op = "not in"
            self.advance()
            self.advance()
        if op is None:
            return left
        right = self.parse_sum()
        return ast.Binary(left.start, right.end, op, left, right, token.start)

    def parse_sum(self) -> ast.Node:
        left = self.parse_product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.advance()
            right = self.parse_product()
            left = ast.Binary(left.start, right.end, op.text, left, right, op.start)
        return left

    def parse_product(self) -> ast.Node:
        left = self.parse_unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.advance()
            if self.at("op", "*"):
                raise ExprError("expr-syntax", "there is no power operator", op.start, self.tok.end)
            right = self.parse_unary()
            left = ast.Binary(left.start, right.end, op.text, left, right, op.start)
        return left

    def parse_unary(self) -> ast.Node:
        if self.at("op", "-"):
            op = self.advance()
            self.enter(op.start)
            operand = self.parse_unary()
            self.depth -= 1
            if isinstance(operand, ast.Literal) and isinstance(operand.value, (int, Decimal)) \
                    and not isinstance(operand.value, bool):
                return ast.Literal(op.start, operand.end, -operand.value, operand.percent)
            return ast.Unary(op.start, operand.end, "-", operand)
        return self.parse_primary()

    def parse_primary(self) -> ast.Node:
        token = self.tok
        if token.kind == "num":
            self.advance()
            percent = False
            end = token.end
            if self.at("op", "%") and self.tok.start == token.end:
                percent = True
                end = self.advance().end
            return ast.Literal(token.start, end, _number(token.text, percent), percent)
        if token.kind == "str":
            self.advance()
            return ast.Literal(token.start, token.end, token.value)
        if token.kind == "kw" and token.text in ("true", "false", "null"):
            self.advance()
            value = {"true": True, "false": False, "null": None}[token.text]
            return ast.Literal(token.start, token.end, value)
        if token.kind == "name":
            return self.parse_name()
        if self.at("op", "("):
            open_ = self.advance()
            self.enter(open_.start)
            inner = self.parse_or()
            self.depth -= 1
            self.expect("op", ")", "')'")
            return inner
        if self.at("op", "["):
            return self.parse_list()
        raise self.unexpected("expected a value")

    def parse_name(self) -> ast.Node:
        first = self.advance()
        if self.at("op", "("):
            return self.parse_call(first)
        parts = [first.text]
        end = first.end
        while self.at("op", "."):
            self.advance()
            if self.tok.kind not in ("name", "kw"):
                raise self.unexpected("expected a field name after '.'")
            part = self.advance()
            parts.append(part.text)
            end = part.end
        if self.at("op", "("):
            raise ExprError("expr-syntax", f"'{'.'.join(parts)}' is not a function", first.start, end,
                            hint="functions are called by bare name, e.g. count(staff)")
        return ast.Path(first.start, end, tuple(parts))

    def parse_call(self, name: Token) -> ast.Node:
        self.advance()  # '('
        self.enter(name.start)
        args: list[ast.Node] = []
        if not self.at("op", ")"):
            while True:
                args.append(self.parse_or())
                if self.at("op", ","):
                    self.advance()
                    continue
                break
        close = self.expect("op", ")", "',' or ')'")
        self.depth -= 1
        return ast.Call(name.start, close.end, name.text, args, name.end)

    def parse_list(self) -> ast.Node:
        open_ = self.advance()
        self.enter(open_.start)
        items: list[ast.Node] = []
        if not self.at("op", "]"):
            while True:
                items.append(self.parse_or())
                if len(items) > MAX_LIST_ITEMS:
                    raise ExprError("expr-limit", f"list literal longer than {MAX_LIST_ITEMS} items", open_.start)
                if self.at("op", ","):
                    self.advance()
                    if self.at("op", "]"):
                        break
                    continue
                break
        close = self.expect("op", "]", "',' or ']'")
        self.depth -= 1
        return ast.ListExpr(open_.start, close.end, items)


def _number(text: str, percent: bool) -> int | Decimal:
    if percent:
        return Decimal(text) / 100
    if "." in text:
        return Decimal(text)
    return int(text)


def parse(source: str) -> ast.Node:
    """Parse one expression; raises ExprError with the offset of the problem."""
    if not isinstance(source, str):
        raise ExprError("expr-syntax", "an expression must be a string", 0)
    if len(source) > MAX_SOURCE_CHARS:
        raise ExprError("expr-limit", f"expression longer than {MAX_SOURCE_CHARS} characters", MAX_SOURCE_CHARS)
    tree = _Parser(source).parse()
    if ast.node_count(tree) > MAX_NODES:
        raise ExprError("expr-limit", f"expression has more than {MAX_NODES} parts; split it into derived values", 0)
    return tree
