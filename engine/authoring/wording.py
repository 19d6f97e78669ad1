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
from typing import TYPE_CHECKING

from engine.expr import ast
from engine.expr.unparse import _literal
from engine.expr.values import format_number
from engine.pack.model import ClauseSpec, Expr, OccurrenceSpec, Pack, RuleSpec
from engine.pack.schema import Text

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
    value = spec.value
    if value is None:
        return "未设定" if lang == "zh" else "not set"
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    if spec.decl.type == "percent" or spec.decl.type == "ratio":
        return format_number(Decimal(value), percent=True)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return number(value)


_PERIOD_WORDS = {
    "zh": {"period.start": "考核期起", "period.end": "考核期止", "period.year": "考核年度"},
    "en": {"period.start": "period start", "period.end": "period end", "period.year": "assessment year"},
}


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


def readable(expr: Expr | ast.Node, pack: Pack, lang: str) -> str:
    """A condition or value with titles in place of names."""
    tree = expr.tree if isinstance(expr, Expr) else expr
    return _text(tree, pack, lang, 0)


def _text(node: ast.Node, pack: Pack, lang: str, parent: int) -> str:
    words = _WORDS[lang]
    if isinstance(node, ast.Literal):
        if isinstance(node.value, str):
            return quoted(node.value, lang) if lang == "zh" else f"'{node.value}'"
        if node.value is True or node.value is False:
            return ("是" if node.value else "否") if lang == "zh" else ("true" if node.value else "false")
        return _literal(node)
    if isinstance(node, ast.Path):
        return name_title(pack, node, lang) or node.dotted
    if isinstance(node, ast.ListExpr):
        inner = ("、" if lang == "zh" else ", ").join(_text(item, pack, lang, 0) for item in node.items)
        return f"[{inner}]"
    if isinstance(node, ast.Call):
        return _met(node, pack, lang) or \
            f"{node.name}(" + ", ".join(_text(arg, pack, lang, 0) for arg in node.args) + ")"
    if isinstance(node, ast.Unary):
        if node.op == "not":
            inner = f"{words['not']} {_text(node.operand, pack, lang, 3)}"
            return f"({inner})" if parent > 3 else inner
        return f"−{_text(node.operand, pack, lang, 7)}"
    if isinstance(node, ast.Binary):
        level = _PRECEDENCE[node.op]
        op = words.get(node.op) or _OPS.get(node.op, node.op)
        right_level = level + 1 if node.op in ("-", "/") or level == 4 else level
        inner = (f"{_text(node.left, pack, lang, level if level != 4 else 5)} {op} "
                 f"{_text(node.right, pack, lang, right_level)}")
        return f"({inner})" if level < parent else inner
    return "?"


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
        names = ", ".join(rule.unset_params)
        parts.append(f"参数{names}未设定时本项不评定" if zh else f"Not assessed while parameter {names} is not set")
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


def _veto(rule: RuleSpec, pack: Pack, lang: str) -> str:
    zh = lang == "zh"
    cond = readable(rule.trigger, pack, lang) if rule.trigger is not None else ""
    if rule.severity == "fail":
        lowest = pack.grades[-1].title.get(lang)
        return f"{cond}的，一票否决，评为“{lowest}”" if zh else f"Veto when {cond}: the grade is {lowest}"
    top = pack.grades[0].title.get(lang)
    return f"{cond}的，取消评优资格，不得评为“{top}”" if zh else \
        f"When {cond}: no awards and not graded {top}"
