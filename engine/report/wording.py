"""Rules in words: conditions with the titles of what they read, and the scoring method (评分办法).

A score sheet is read by officials, not engineers. Conditions are shown with
the titles of inputs and parameters (「党员培训率」 ≥ 「党员培训率要求」(90%))
and a rule without a `method:` text gets one generated from its shape:
pass/fail, partial credit, tiers, deductions, per-element roll-ups, bonus,
penalties and vetoes; and, in format 2, checks worth no points, deduction
clauses, an item's own bonus and its not-applicable policy. Generated texts are
deterministic, so score sheets built from them can be checked for staleness.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.expr import ast
from engine.expr.unparse import _literal
from engine.expr.values import format_number
from engine.pack.model import ClauseSpec, Expr, OccurrenceSpec, Pack, RuleSpec
from engine.pack.schema import ParamDecl, Text

if TYPE_CHECKING:
    from engine.expr.checker import Ref

_OPS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "=", ">": ">", "<": "<", "+": "+", "-": "−", "*": "×", "/": "÷"}
_WORDS = {
    "zh": {"and": "且", "or": "或", "not": "非", "in": "属于", "not in": "不属于"},
    "en": {"and": "and", "or": "or", "not": "not", "in": "in", "not in": "not in"},
}
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
               "not in": 4, "+": 5, "-": 5, "*": 6, "/": 6}


def quoted(title: str, lang: str) -> str:
    return f"「{title}」" if lang == "zh" else f"“{title}”"


def number(value: object) -> str:
    return format_number(Decimal(value)) if isinstance(value, (int, Decimal)) else str(value)


def param_value(pack: Pack, name: str, lang: str) -> str:
    spec = pack.params.get(name)
    if spec is None:
        return name
    if spec.table is not None:
        return table_text(pack, name, lang)
    return param_shown(spec.decl, spec.value, lang)


def table_text(pack: Pack, name: str, lang: str) -> str:
    """A parameter that depends on the profile (format 2) as a score sheet writes it: 按社区类型：城市型 90%；…"""
    spec = pack.params[name]
    table = spec.table
    assert table is not None  # only called for those
    by = table.by_title.get(lang) if table.by_title is not None else table.by
    rows = [(row.label.get(lang), row.value) for row in table.rows.values()]
    rows += [(row.label.get(lang), row.value) for _, row in table.bands]
    if table.default.value is not None:
        rows.append(("其他" if lang == "zh" else "other", table.default.value))
    sep = "；" if lang == "zh" else "; "
    cells = sep.join(f"{label} {param_shown(spec.decl, value, lang)}" for label, value in rows)
    return f"按{by}：{cells}" if lang == "zh" else f"by {by}: {cells}"


def param_shown(decl: ParamDecl, value: Any, lang: str) -> str:
    """A parameter's value of the declared type as a score sheet writes it."""
    if value is None:
        return "未设定" if lang == "zh" else "not set"
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    titled = next((alt.title.get(lang) for alt in decl.alternatives or [] if alt.value == value), None)
    if titled is not None:  # a documented value by what it means (半年一次), not its code (half_year)
        return titled
    if decl.type in ("percent", "ratio"):
        return format_number(Decimal(value), percent=True)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return number(value)


_PERIOD_WORDS = {
    "zh": {"period.start": "考核期起", "period.end": "考核期止", "period.year": "考核年度"},
    "en": {"period.start": "period start", "period.end": "period end", "period.year": "assessment year"},
}


def param_title(pack: Pack, name: str, lang: str) -> str:
    """A parameter as officials read it: its title in quotes (never its identifier)."""
    spec = pack.params.get(name)
    title = spec.decl.title.get(lang) if spec is not None and spec.decl.title is not None else None
    return quoted(title, lang) if title else ("本项参数" if lang == "zh" else "the item's parameter")


def name_title(pack: Pack, node: ast.Path, lang: str) -> str | None:
    """The title a condition shows for a name it reads: 「党员培训率」, a parameter with its value."""
    ref: Ref | None = node.ref
    if ref is None:
        return None
    if ref.kind == "param":
        spec = pack.params.get(ref.name)
        if spec is None:
            return None
        return f"{quoted(spec.decl.title.get(lang), lang)}({param_value(pack, ref.name, lang)})"
    if ref.kind == "period":
        return _PERIOD_WORDS[lang].get(ref.name)
    if ref.kind == "derived" and ref.name.startswith("params."):  # a parameter by the profile (format 2)
        spec = pack.params.get(ref.name[len("params."):])
        by = spec.table.by_title if spec is not None and spec.table is not None else None
        if spec is None or by is None:
            return None
        by_words = f"（按{by.zh}取值）" if lang == "zh" else f" (by {by.get(lang)})"
        return quoted(spec.decl.title.get(lang), lang) + by_words
    title = _declared_title(pack, ref)
    return quoted(title.get(lang), lang) if title is not None else None


def _declared_title(pack: Pack, ref: Ref) -> Text | None:
    """The title the pack declares for an input, a derived value or a field of list elements."""
    if ref.kind == "input":
        spec = pack.inputs.get(ref.name)
        return spec.decl.title if spec is not None else None
    if ref.kind == "derived":
        return next((d.title for d in pack.derived if d.name == ref.name and d.title is not None), None)
    if ref.kind == "field" and ref.list_path:
        return _field_title(pack, ref.list_path, ref.name)
    return None


def _field_title(pack: Pack, list_path: str, name: str) -> Text | None:
    """A field of the elements of a list: declared with the list's items, or derived per element."""
    spec = pack.inputs.get(list_path)
    fields = (spec.decl.items.fields or {}) if spec is not None and spec.decl.items is not None else {}
    declared = fields[name].title if name in fields else None
    if declared is not None:
        return declared
    return next((d.title for d in pack.derived
                 if d.list_path == list_path and d.field == name and d.title is not None), None)


# what a condition says when part of it cannot be put in words: never the expression itself
GENERIC = {"zh": "按本项条件判定", "en": "the item's condition"}


class _Unsayable(Exception):
    """A part of an expression (a function without words) that an official's text cannot show."""


def readable(expr: Expr | ast.Node, pack: Pack, lang: str) -> str:
    """A condition or value with titles in place of names; the generic phrase when some part has no words."""
    tree = expr.tree if isinstance(expr, Expr) else expr
    try:
        return _text(tree, pack, lang, 0)
    except _Unsayable:
        return GENERIC[lang]


def _text(node: ast.Node, pack: Pack, lang: str, parent: int) -> str:
    if isinstance(node, ast.Literal):
        return _literal_words(node, lang)
    if isinstance(node, ast.Path):
        if node.ref is not None and node.ref.kind == "param" and node.ref.name not in pack.params:
            raise _Unsayable(node.dotted)  # never a parameter's identifier
        return name_title(pack, node, lang) or node.dotted  # an input the pack gave no title
    if isinstance(node, ast.ListExpr):
        return ("、" if lang == "zh" else ", ").join(_text(item, pack, lang, 0) for item in node.items)
    if isinstance(node, ast.Call):
        return _met(node, pack, lang) or _call_words(node, pack, lang)
    if isinstance(node, ast.Unary):
        if node.op == "not":
            inner = f"{_WORDS[lang]['not']} {_text(node.operand, pack, lang, 3)}"
            return f"({inner})" if parent > 3 else inner
        return f"−{_text(node.operand, pack, lang, 7)}"
    if isinstance(node, ast.Binary):
        return _binary(node, pack, lang, parent)
    raise _Unsayable(type(node).__name__)


def _literal_words(node: ast.Literal, lang: str) -> str:
    zh = lang == "zh"
    if isinstance(node.value, str):
        return quoted(node.value, lang) if zh else f"'{node.value}'"
    if node.value is True or node.value is False:
        return ("是" if node.value else "否") if zh else ("yes" if node.value else "no")
    if node.value is None:
        return "空" if zh else "none"
    return _literal(node)


def _binary(node: ast.Binary, pack: Pack, lang: str, parent: int) -> str:
    level = _PRECEDENCE[node.op]
    op = _WORDS[lang].get(node.op) or _OPS.get(node.op, node.op)
    right_level = level + 1 if node.op in ("-", "/") or level == 4 else level
    inner = (f"{_text(node.left, pack, lang, level if level != 4 else 5)} {op} "
             f"{_text(node.right, pack, lang, right_level)}")
    return f"({inner})" if level < parent else inner


_UNITS = {"zh": {"year": "年", "half_year": "半年", "quarter": "季度", "month": "月", "week": "周", "day": "天"},
          "en": {"year": "year", "half_year": "half-year", "quarter": "quarter", "month": "month", "week": "week",
                 "day": "day"}}

# functions in words, by name and number of arguments: a format with {0}, {1}… for the arguments' words (zh, en)
_CALLS = {
    ("days_between", 2): ("{0}至{1}的天数", "the days from {0} to {1}"),
    ("months_between", 2): ("{0}至{1}的整月数", "the whole months from {0} to {1}"),
    ("years_between", 2): ("{0}至{1}的整年数", "the whole years from {0} to {1}"),
    ("add_years", 2): ("{0}后{1}年", "{1} years after {0}"),
    ("add_months", 2): ("{0}后{1}个月", "{1} months after {0}"),
    ("count", 1): ("{0}的个数", "the number of {0}"),
    ("count", 2): ("{0}中{1}的个数", "the number of {0} where {1}"),
    ("filter", 2): ("{0}中{1}的", "{0} where {1}"),
    ("len", 1): ("{0}的个数", "the number of {0}"),
    ("sum", 1): ("{0}之和", "the sum of {0}"),
    ("avg", 1): ("{0}的平均值", "the average of {0}"),
    ("min", 2): ("{0}与{1}中的较小者", "the lesser of {0} and {1}"),
    ("max", 2): ("{0}与{1}中的较大者", "the greater of {0} and {1}"),
    ("abs", 1): ("{0}的绝对值", "the absolute value of {0}"),
    ("ratio", 2): ("{0}占{1}的比例", "{0} as a share of {1}"),
    ("coalesce", 2): ("{0}（未填时按{1}）", "{0} (when not given, {1})"),
    ("exists", 1): ("已填写{0}", "{0} is given"),
    ("missing", 2): ("{1}中{0}尚缺的项", "the items of {1} that {0} lacks"),
    ("present", 2): ("{0}具备{1}中的项数", "how many of {1} {0} has"),
    ("completeness", 2): ("{0}具备{1}的比例", "the share of {1} that {0} has"),
    ("in_period", 1): ("{0}在考核期内", "{0} falls in the period"),
    ("year", 1): ("{0}的年份", "the year of {0}"),
    ("month", 1): ("{0}的月份", "the month of {0}"),
    ("ceil", 1): ("{0}（向上取整）", "{0} rounded up"),
    ("floor", 1): ("{0}（向下取整）", "{0} rounded down"),
    ("clamp", 3): ("{0}（限于{1}至{2}）", "{0} (kept between {1} and {2})"),
    ("contains", 2): ("{0}包含{1}", "{0} includes {1}"),
}


def _call_words(node: ast.Call, pack: Pack, lang: str) -> str:
    """A function call in words; `_Unsayable` for one the score sheet has no words for."""
    zh = lang == "zh"
    args = node.args
    if node.name == "round" and args:  # rounding is how a value is shown, not what it means
        return _text(args[0], pack, lang, 7)
    if node.name == "periods" and len(args) == 1 and isinstance(args[0], ast.Literal):
        unit = _UNITS[lang].get(str(args[0].value))
        if unit is None:
            raise _Unsayable(node.name)
        return f"考核期内的{unit}数" if zh else f"the number of {unit}s in the period"
    if node.name == "if" and len(args) == 3:
        return _if_words(args, pack, lang)
    if node.name in ("any", "all") and args:
        return _any_all_words(node.name, args, pack, lang)
    if node.name == "date" and len(args) == 1 and isinstance(args[0], ast.Literal):
        return str(args[0].value)
    if node.name == "shortfall" and len(args) == 3 and isinstance(args[1], ast.Literal):
        unit = _UNITS[lang].get(str(args[1].value), "")
        what, times = _text(args[0], pack, lang, 7), _text(args[2], pack, lang, 7)
        return f"{what}每{unit}不足{times}次所缺的次数" if zh else \
            f"the sessions of {what} missing to reach {times} a {unit}"
    form = _CALLS.get((node.name, len(args)))
    if form is None:
        raise _Unsayable(node.name)
    words = [_text(arg, pack, lang, 0) for arg in args]
    return (form[0] if zh else form[1]).format(*words)


def _any_all_words(name: str, args: list[ast.Node], pack: Pack, lang: str) -> str:
    """any(list[, condition]) and all(list[, condition]) in words."""
    zh = lang == "zh"
    what = _text(args[0], pack, lang, 7)
    if len(args) == 1:
        if name == "any":
            return f"{what}不为空" if zh else f"{what} is not empty"
        return f"{what}全部为是" if zh else f"all of {what} hold"
    cond = _text(args[1], pack, lang, 0)
    if name == "any":
        return f"{what}中至少有一个{cond}" if zh else f"at least one of {what} where {cond}"
    return f"{what}中每一个都{cond}" if zh else f"every one of {what} with {cond}"


def _if_words(args: list[ast.Node], pack: Pack, lang: str) -> str:
    """if(c, a, b): 'c 且 a' when b is false (the common guard), else 'c时为a，否则为b'."""
    cond, then, other = (_text(arg, pack, lang, 3) for arg in args)
    if isinstance(args[2], ast.Literal) and args[2].value is False:
        return f"{cond} {_WORDS[lang]['and']} {then}"
    return f"{cond}时为{then}，否则为{other}" if lang == "zh" else f"{then} when {cond}, otherwise {other}"


def _met(node: ast.Call, pack: Pack, lang: str) -> str | None:
    """met('V1') in words: 「the rule's title」达标; None for any other call."""
    argument = node.args[0] if node.name == "met" and node.args else None
    rule = pack.rule(argument.value) if isinstance(argument, ast.Literal) and isinstance(argument.value, str) \
        else None
    if rule is None:
        return None
    title = quoted(rule.title.get(lang), lang)
    return f"{title}达标" if lang == "zh" else f"{title} is met"


def amount(value: Decimal | Expr | None, pack: Pack, lang: str) -> str:
    """A number of points, or the parameter/expression that gives it."""
    if value is None:
        return "—"
    if isinstance(value, Expr):
        return readable(value, pack, lang)
    return number(value)


def list_title(pack: Pack, list_path: str | None, lang: str) -> str:
    """The title of a list of elements (for_each), else its path."""
    if list_path is None:
        return ""
    spec = pack.inputs.get(list_path)
    if spec is not None and spec.decl.title is not None:
        return quoted(spec.decl.title.get(lang), lang)
    return list_path


# -- the scoring method --------------------------------------------------------------------------

def method_text(rule: RuleSpec, pack: Pack, lang: str) -> str:
    """The rule's own `method` text, or one generated from its shape."""
    if rule.method is not None:
        return rule.method.get(lang)
    return generated_method(rule, pack, lang)


# what an item that does not apply counts, by its policy; other kinds of rule are not counted when they do not apply
_NOT_APPLICABLE = {
    "zh": {"exclude": "不适用的不计分", "zero": "不适用的按0分计", "full": "不适用的按满分计"},
    "en": {"exclude": "otherwise not counted", "zero": "otherwise it counts 0", "full": "otherwise it earns its "
           "points in full"},
}


def generated_method(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    parts: list[str] = []
    if rule.applies_when is not None:
        cond = readable(rule.applies_when, pack, lang)
        policy = _NOT_APPLICABLE[lang][pack.not_applicable(rule) if rule.kind == "item" else "exclude"]
        parts.append(f"适用于{cond}的情形，{policy}" if zh else f"Applies when {cond}; {policy}")
    shape = {"item": _item, "bonus": _bonus, "penalty": _penalty, "veto": _veto, "check": _check}[rule.kind]
    parts.append(shape(rule, pack, lang))
    if rule.bonus:
        parts.append(_item_bonus(rule, pack, lang))
    if rule.unset_params:
        names = ("、" if zh else ", ").join(param_title(pack, name, lang) for name in rule.unset_params)
        parts.append(f"{names}未设定时本项不评定" if zh else f"Not assessed while {names} is not set")
    return ("。".join(p.rstrip("。") for p in parts) + "。") if zh else (". ".join(p.rstrip(".") for p in parts) + ".")


def _pts(points: str) -> str:
    return f"{points} point" + ("" if points == "1" else "s")


def _points(rule: RuleSpec) -> str:
    return number(rule.points) if rule.points is not None else number(rule.max_points)


def _tiers(rule: RuleSpec, pack: Pack, lang: str, verb_zh: str) -> str:
    zh = lang == "zh"
    pieces = []
    for tier in rule.tiers:
        label = tier.label.get(lang) if tier.label is not None else readable(tier.when, pack, lang)
        points = number(tier.points_of(rule.points))
        pieces.append(f"{label}{verb_zh}{points}分" if zh else f"{label}: {points} points")
    return ("；".join(pieces) + "；其余不得分") if zh else ("; ".join(pieces) + "; otherwise 0")


def _occurrences(rule: RuleSpec, occurrence: OccurrenceSpec, pack: Pack, lang: str, verb: str) -> str:
    """'每…扣/加…分，最多…分'."""
    zh = lang == "zh"
    per = amount(occurrence.per, pack, lang)
    cap = occurrence.cap if occurrence.cap is not None else (rule.points if verb == "扣" else None)
    capped = amount(cap, pack, lang) if cap is not None else None
    if occurrence.count is not None:
        what = readable(occurrence.count, pack, lang)
        text = f"按{what}，每次{verb}{per}分" if zh else f"{per} points {'deducted' if verb == '扣' else 'added'} " \
                                                       f"per occurrence of {what}"
    else:
        each = list_title(pack, rule.for_each, lang) if rule.for_each else ""
        which = "不符合要求" if verb == "扣" else "符合要求"
        text = f"{each}中每有一个{which}的{verb}{per}分" if zh else \
            f"{per} points {'deducted' if verb == '扣' else 'added'} per element of {each} that " \
            f"{'fails' if verb == '扣' else 'qualifies'}"
    if capped is not None:
        text += f"，最多{verb}{capped}分" if zh else f", at most {capped}"
    if verb == "扣" and rule.kind == "item":
        text += "，扣完为止" if zh else ", never below 0"
    return text


def _for_each(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    each = list_title(pack, rule.for_each, lang)
    where = readable(rule.where, pack, lang) if rule.where is not None else None
    require = readable(rule.require, pack, lang) if rule.require is not None else None
    points = _points(rule)
    head = (f"逐一检查{each}" + (f"中{where}的" if where else "") + (f"，要求{require}" if require else "")) if zh \
        else (f"Each element of {each}" + (f" where {where}" if where else "") +
              (f" must meet {require}" if require else ""))
    if rule.deduct is not None:
        return head + ("；" if zh else "; ") + _occurrences(rule, rule.deduct, pack, lang, "扣")
    share = format_number(rule.min_share, percent=True) if rule.min_share is not None else None
    return head + ("；" if zh else "; ") + _roll_up(rule, points, share, zh)


def _roll_up(rule: RuleSpec, points: str, share: str | None, zh: bool) -> str:
    """How the elements' results become the rule's points."""
    if rule.roll_up == "share":
        if zh:
            return f"按符合要求的比例计分（满分{points}分" + (f"，达到{share}即得满分" if share else "") + "）"
        return f"points by the share that meets it ({points} in full" + (f", full at {share}" if share else "") + ")"
    if rule.roll_up == "any":
        return f"至少一个符合即得{points}分" if zh else f"{points} points if at least one meets it"
    if share:
        return f"符合要求的达到{share}得{points}分，否则不得分" if zh else \
            f"{points} points if {share} meet it, otherwise 0"
    return f"全部符合得{points}分，否则不得分" if zh else f"{points} points if all meet it, otherwise 0"


def _item(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    points = _points(rule)
    if rule.for_each is not None:
        return _for_each(rule, pack, lang)
    if rule.require is not None:
        cond = readable(rule.require, pack, lang)
        return f"{cond}得{points}分，否则不得分" if zh else f"{_pts(points)} when {cond}, otherwise 0"
    if rule.partial is not None:
        share = readable(rule.partial, pack, lang)
        return f"按比例计分：得分 = {points} × {share}" if zh else f"Partial credit: {points} × {share}"
    if rule.tiers:
        return _tiers(rule, pack, lang, "得")
    if rule.deduct is not None:
        head = f"满分{points}分，" if zh else f"{points} points; "
        return head + _occurrences(rule, rule.deduct, pack, lang, "扣")
    if rule.deductions:
        clauses = ("；" if zh else "; ").join(_clause(clause, pack, lang, "扣") for clause in rule.deductions)
        return f"满分{points}分。{clauses}；扣完为止" if zh else f"{_pts(points)}. {clauses}; never below 0"
    return ""


def _clause(clause: ClauseSpec, pack: Pack, lang: str, verb: str) -> str:
    """One clause in words: '未建立台账的扣2分', '会议无记录每次扣0.5分，最多扣2分'."""
    zh = lang == "zh"
    text = clause.text.get(lang)
    done = "deducted" if verb == "扣" else "added"
    if clause.when is not None:
        points = amount(clause.points, pack, lang)
        return f"{text}的{verb}{points}分" if zh else f"{text}: {points} {done}"
    unit = clause.unit.get(lang) if clause.unit is not None else ("次" if zh else "time")
    per = amount(clause.per, pack, lang)
    out = f"{text}每{unit}{verb}{per}分" if zh else f"{text}: {per} {done} per {unit}"
    if clause.cap is not None:
        cap = amount(clause.cap, pack, lang)
        out += f"，最多{verb}{cap}分" if zh else f", at most {cap}"
    return out


def _item_bonus(rule: RuleSpec, pack: Pack, lang: str) -> str:
    """An item's own bonus: its clauses and their cap."""
    zh = lang == "zh"
    clauses = ("；" if zh else "; ").join(_clause(clause, pack, lang, "加") for clause in rule.bonus)
    text = f"另设加分：{clauses}" if zh else f"Bonus: {clauses}"
    if rule.bonus_cap is not None:
        cap = amount(rule.bonus_cap, pack, lang)
        text += f"；本项加分最多{cap}分" if zh else f"; at most {cap} bonus points in all"
    return text


def _check(rule: RuleSpec, pack: Pack, lang: str) -> str:
    """A check: worth no points; what it requires, its levels, or its target."""
    zh = lang == "zh"
    head = "不计分" if zh else "No points"
    if rule.for_each is not None:
        each = list_title(pack, rule.for_each, lang)
        where = readable(rule.where, pack, lang) if rule.where is not None else None
        require = readable(rule.require, pack, lang) if rule.require is not None else ""
        if zh:
            return f"{head}。逐一检查{each}" + (f"中{where}的" if where else "") + f"，要求{require}"
        return f"{head}. Each element of {each}" + (f" where {where}" if where else "") + f" must meet {require}"
    if rule.levels:
        sep = "；" if zh else "; "
        levels = sep.join(f"{level.label.get(lang)}：{_level_condition(level.when, pack, lang)}" if zh else
                          f"{level.label.get(lang)}: {_level_condition(level.when, pack, lang)}"
                          for level in rule.levels)
        return f"{head}，评定等级：{levels}" if zh else f"{head}; graded: {levels}"
    if rule.measure is not None:
        value = readable(rule.measure.value, pack, lang)
        symbols = {"at_least": "≥", "above": ">", "at_most": "≤", "below": "<"}
        target = (" 且 " if zh else " and ").join(f"{symbols[key]} {amount(bound, pack, lang)}"
                                                  for key, bound in rule.measure.bounds)
        return f"{head}。{value}，目标{target}" if zh else f"{head}. {value}, target {target}"
    require = readable(rule.require, pack, lang) if rule.require is not None else ""
    return f"{head}。要求{require}" if zh else f"{head}. Requires {require}"


def _level_condition(when: Expr, pack: Pack, lang: str) -> str:
    if isinstance(when.tree, ast.Literal) and when.tree.value is True:
        return "其余" if lang == "zh" else "otherwise"
    return readable(when, pack, lang)


def _bonus(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    if rule.tiers:
        return _tiers(rule, pack, lang, "加")
    if rule.award is not None:
        return _occurrences(rule, rule.award, pack, lang, "加")
    if rule.for_each is not None:
        return _for_each(rule, pack, lang)
    cond = readable(rule.require, pack, lang) if rule.require is not None else ""
    points = _points(rule)
    return f"{cond}加{points}分" if zh else f"{points} bonus points when {cond}"


def _penalty(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    dimension = pack.dimension(rule.dimension) if rule.dimension else None
    named = quoted(dimension.title.get(lang), lang) if dimension is not None else rule.dimension
    where = (f"从{named}中扣除" if zh else f"deducted from {named}") if rule.dimension else \
        ("从总分中扣除" if zh else "deducted from the total")
    text = _occurrences(rule, rule.deduct, pack, lang, "扣") if rule.deduct is not None else ""
    if rule.trigger is not None and rule.deduct is not None and rule.deduct.count is None:
        cond = readable(rule.trigger, pack, lang)
        text = (f"{list_title(pack, rule.for_each, lang)}中每有一个{cond}的扣{amount(rule.deduct.per, pack, lang)}分"
                if zh else f"{amount(rule.deduct.per, pack, lang)} points per element of "
                           f"{list_title(pack, rule.for_each, lang)} where {cond}")
        if rule.deduct.cap is not None:
            text += f"，最多扣{amount(rule.deduct.cap, pack, lang)}分" if zh else \
                f", at most {amount(rule.deduct.cap, pack, lang)}"
    return text + ("，" if zh else ", ") + where


def veto_situation(rule: RuleSpec, pack: Pack, lang: str) -> str:
    """When a veto applies, without what it does: the score sheet's 情形 beside its 后果."""
    cond = readable(rule.trigger, pack, lang) if rule.trigger is not None else ""
    if rule.for_each is None:
        return f"{cond}的" if lang == "zh" and cond else cond
    where = list_title(pack, rule.for_each, lang)
    return f"{where}中有{cond}的" if lang == "zh" else f"an element of {where} where {cond}"


def _veto(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    cond = readable(rule.trigger, pack, lang) if rule.trigger is not None else ""
    if rule.severity == "fail":
        lowest = pack.grades[-1].title.get(lang)
        return f"{cond}的，一票否决，评为“{lowest}”" if zh else f"Veto when {cond}: the grade is {lowest}"
    if rule.severity != "no_award":
        return _veto_effect(rule, pack, cond, lang)
    top = pack.grades[0].title.get(lang)
    return f"{cond}的，取消评优资格，不得评为“{top}”" if zh else \
        f"When {cond}: no awards and not graded {top}"


# The effects of format 2 vetoes: (Chinese, English); {lowest} and {cap} are grade titles.
_EFFECTS = {
    "bar": ("本期不得申报、不得参评，评为“{lowest}”", "may not apply or be rated this period (graded {lowest})"),
    "revoke": ("撤销已获得的称号，本期评为“{lowest}”", "the title held is revoked, and the grade is {lowest}"),
    "demote": ("降低一个等次", "the grade is one lower"),
    "cap_at": ("最高评为“{cap}”", "the grade is at most {cap}"),
}


def _veto_effect(rule: RuleSpec, pack: Pack, cond: str, lang: str) -> str:
    """A format 2 veto: bar, revoke, demote or cap_at."""
    zh, en = _EFFECTS[rule.severity or "demote"]
    cap = next((g.title.get(lang) for g in pack.grades if g.id == rule.cap_at), rule.cap_at or "")
    words = (zh if lang == "zh" else en).format(lowest=pack.grades[-1].title.get(lang), cap=cap)
    return f"{cond}的，一票否决，{words}" if lang == "zh" else f"Veto when {cond}: {words}"
