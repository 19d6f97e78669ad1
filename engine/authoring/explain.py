"""`assess explain RULE`: one rule, everything about it, and with a profile what it made of it.

The rule's text, kind and points, its scoring method, each condition as
written, in words and as compiled (what the Rete network matches, what is
computed in Python first), the inputs, derived values and parameters it reads,
the rules it depends on, its citations — and, given a profile, the values it
read, its outcome and points, what data are missing and its recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.authoring.lint import pack_reads
from engine.authoring.wording import method_text, param_value, readable
from engine.errors import Diagnostic, UsageError, did_you_mean
from engine.pack.model import Pack, RuleSpec
from engine.pack.schema import Text

if TYPE_CHECKING:
    from engine.profile.validate import Profile
    from engine.report.model import PackResult


@dataclass
class Located:
    pack: Pack
    rule: RuleSpec


def find_rule(packs: list[Pack], rule_id: str) -> Located:
    """`R2.2`, or `community:R2.2` when several packs are selected."""
    pack_id, _, wanted = rule_id.rpartition(":")
    found = [Located(p, r) for p in packs for r in p.rules if r.id == wanted and (not pack_id or p.id == pack_id)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        qualified = ", ".join(f"{f.pack.id}:{wanted}" for f in found)
        raise UsageError([Diagnostic("RULE", 0, 0, "error", "ambiguous-rule", f"several packs have a rule '{wanted}'",
                                     hint="write PACK:RULE, e.g. " + qualified)])
    known = [r.id for p in packs for r in p.rules]
    raise UsageError([Diagnostic("RULE", 0, 0, "error", "unknown-rule",
                                 f"no rule '{rule_id}' in {', '.join(p.id for p in packs)}",
                                 hint=did_you_mean(wanted, known) or "assess pack doc DIR lists the rules")])


def _text(value: Text | None, lang: str) -> str | None:
    return value.get(lang) if value is not None else None


def rule_facts(pack: Pack, rule: RuleSpec, lang: str) -> dict[str, Any]:
    """What is known about a rule without a profile."""
    from engine.authoring.compiled import rule_compiled_lines, rule_synth
    from engine.backends.durable.compile import compile_pack

    program = compile_pack(pack).program  # as the backend matches it
    line, col = rule.origin.position()
    dimension = pack.dimension(rule.dimension) if rule.dimension else None
    reads = sorted(pack_reads(pack, [rule]))  # directly or through derived values
    inputs, derived = [], []
    for name in reads:
        spec = pack.inputs.get(name)
        if spec is not None:
            inputs.append({"name": name, "type": spec.decl.type, "title": _text(spec.decl.title, lang),
                           "unit": _text(spec.decl.unit, lang)})
            continue
        for value in pack.derived:
            if value.name == name:
                derived.append({"name": name, "expr": " ".join(value.expr.source.split()),
                                "title": _text(value.title, lang)})
    params = sorted({p for expr in rule.expressions() for p in expr.params})
    conditions = []
    for name, expr in rule.decisions():
        conditions.append({"name": name, "source": " ".join(expr.source.split()),
                           "words": readable(expr, pack, lang)})
    if rule.partial is not None:
        conditions.append({"name": "partial", "source": " ".join(rule.partial.source.split()),
                           "words": readable(rule.partial, pack, lang)})
    for key in ("deduct", "award"):
        occurrence = getattr(rule, key)
        if occurrence is not None and occurrence.count is not None:
            conditions.append({"name": f"{key}.count", "source": " ".join(occurrence.count.source.split()),
                               "words": readable(occurrence.count, pack, lang)})
    for key, clauses in (("deductions", rule.deductions), ("bonus", rule.bonus)):  # counts of clauses (format 2)
        conditions += [{"name": f"{key}[{index}].count", "source": " ".join(clause.count.source.split()),
                        "words": readable(clause.count, pack, lang)}
                       for index, clause in enumerate(clauses) if clause.count is not None]
    return {
        "rule": rule.id, "pack": pack.id, "version": pack.version,
        "location": f"{rule.origin.file}:{line}:{col}",
        "title": rule.title.get(lang), "kind": rule.kind,
        "dimension": {"id": dimension.id, "title": dimension.title.get(lang), "weight": float(dimension.weight)}
        if dimension else None,
        "points": float(rule.max_points) if rule.kind in ("item", "bonus") else None,
        "severity": rule.severity, "for_each": rule.for_each,
        "standard": _text(rule.description, lang),
        "method": method_text(rule, pack, lang), "method_generated": rule.method is None,
        "conditions": conditions,
        "compiled": rule_compiled_lines(program, rule),
        "computed_first": rule_synth(program, rule),
        "inputs": inputs, "derived": derived,
        "parameters": [{"name": p, "title": pack.params[p].decl.title.get(lang),
                        "value": param_value(pack, p, lang),
                        "source": "set" if pack.params[p].overridden else "default"} for p in params],
        "depends_on": sorted(rule.depends_on),
        "used_by": [r.id for r in pack.rules if rule.id in r.depends_on],
        "citations": [{"source": c.source, "title": pack.sources[c.source].title.get(lang),
                       "file": pack.sources[c.source].file, "quote": c.quote, "note": _text(c.note, lang)}
                      for c in rule.cite],
        "recommend": _text(rule.recommend.text, lang) if rule.recommend is not None else None,
    }


def values_read(pack: Pack, rule: RuleSpec, profile: Profile) -> dict[str, Any]:
    """The profile values a rule reads, directly or through derived values (lists of objects by size)."""
    from engine.evaluation.context import Context
    from engine.report.build import plain

    context = Context(pack, profile)
    values = {}
    for name in sorted(pack_reads(pack, [rule])):
        if name not in pack.inputs and not any(d.name == name and d.list_path is None for d in pack.derived):
            continue  # fields of list elements: shown per element in reports
        value = context.values.get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            values[name] = f"{len(value)} items"
        else:
            values[name] = plain(value)
    return values


def profile_facts(result: PackResult, rule_id: str, lang: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the rule made of a profile (from the pack's result)."""
    finding = next(f for f in result.findings if f.rule == rule_id)
    recommendation = next((r for r in result.recommendations if r.rule == rule_id), None)
    return {
        "outcome": finding.outcome, "points": finding.points, "earned": finding.earned,
        "deducted": finding.deducted, "vetoed": finding.vetoed,
        "tier": finding.tier.get(lang) if finding.tier else None,
        "share": finding.share, "occurrences": finding.occurrences, "recoverable": finding.recoverable,
        "values": values if values is not None else finding.values, "missing_inputs": finding.missing_inputs,
        "unset_params": finding.unset_params,
        "subjects": [{"label": s.label, "outcome": s.outcome, "band": s.band} for s in finding.subjects],
        "notes": [n.get(lang) for n in finding.notes],
        "recommendation": recommendation.text.get(lang) if recommendation is not None else None,
    }


LABELS = {
    "zh": {"kind": "类型", "item": "考核项目", "bonus": "加分项", "penalty": "扣分项", "veto": "一票否决",
           "check": "考核指标（不计分）",
           "points": "分值", "standard": "标准及要求", "method": "评分办法", "generated": "（由规则生成）",
           "conditions": "条件", "words": "即", "compiled": "编译结果（Rete 网络匹配的合取式）",
           "computed": "匹配前在 Python 中计算的值", "inputs": "读取的输入", "derived": "读取的派生值",
           "parameters": "参数", "depends": "依赖的规则", "used_by": "依赖本规则的规则", "cite": "依据",
           "recommend": "建议模板", "profile": "档案", "values": "读取的数值", "outcome": "结果",
           "missing": "缺少的数据", "unset": "未设定的参数", "recommendation": "建议", "elements": "逐项结果",
           "in": "维度", "each": "逐项检查", "notes": "备注"},
    "en": {"kind": "kind", "item": "item", "bonus": "bonus", "penalty": "penalty", "veto": "veto",
           "check": "check (no points)",
           "points": "points", "standard": "standard", "method": "scoring method", "generated": " (generated)",
           "conditions": "conditions", "words": "in words", "compiled": "compiled (conjuncts the Rete network matches)",
           "computed": "computed in Python before matching", "inputs": "inputs read", "derived": "derived values read",
           "parameters": "parameters", "depends": "depends on", "used_by": "used by", "cite": "citations",
           "recommend": "recommendation template", "profile": "profile", "values": "values read",
           "outcome": "outcome", "missing": "missing data", "unset": "parameters not set",
           "recommendation": "recommendation", "elements": "elements", "in": "dimension", "each": "for each",
           "notes": "notes"},
}


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def explain_text(facts: dict[str, Any], lang: str, outcome: dict[str, Any] | None = None,
                 profile_label: str | None = None) -> str:
    w = LABELS[lang]
    lines = [f"{facts['rule']} {facts['title']}", f"  {facts['pack']} {facts['version']}, {facts['location']}",
             f"{w['kind']}: {_kind_text(facts, w)}"]
    if facts["standard"]:
        lines.append(f"{w['standard']}: {facts['standard'].strip()}")
    lines.append(f"{w['method']}{w['generated'] if facts['method_generated'] else ''}: {facts['method']}")
    lines += _condition_lines(facts, w)
    lines += _read_lines(facts, w)
    lines += _neighbour_lines(facts, w)
    lines += _citation_lines(facts["citations"], w, lang)
    if facts["recommend"] and outcome is None:
        lines.append(f"{w['recommend']}: {facts['recommend'].strip()}")
    if outcome is not None:
        lines += _outcome_lines(outcome, w, profile_label)
    return "\n".join(lines) + "\n"


def _kind_text(facts: dict[str, Any], w: dict[str, str]) -> str:
    """'item; dimension D1 …; points 10; for each …': what kind of rule, where it counts."""
    kind = w[facts["kind"]]
    if facts["dimension"]:
        dim = facts["dimension"]
        kind += f"; {w['in']} {dim['id']} {dim['title']} ({_value(dim['weight'])})"
    if facts["points"] is not None:
        kind += f"; {w['points']} {_value(facts['points'])}"
    if facts["severity"]:
        kind += f"; {facts['severity']}"
    if facts["for_each"]:
        kind += f"; {w['each']} {facts['for_each']}"
    return kind


def _condition_lines(facts: dict[str, Any], w: dict[str, str]) -> list[str]:
    """Each condition as written and in words, then what it compiles to."""
    lines = [f"{w['conditions']}:"]
    for condition in facts["conditions"]:
        lines.append(f"  {condition['name']}: {condition['source']}")
        lines.append(f"    {w['words']}: {condition['words']}")
    lines.append(f"{w['compiled']}:")
    lines += [f"  {line}" for line in facts["compiled"]]
    if facts["computed_first"]:
        lines.append(f"{w['computed']}:")
        lines += [f"  {line}" for line in facts["computed_first"]]
    return lines


def _read_lines(facts: dict[str, Any], w: dict[str, str]) -> list[str]:
    """The inputs, derived values and parameters the rule reads."""
    lines = []
    if facts["inputs"]:
        lines.append(f"{w['inputs']}:")
        for item in facts["inputs"]:
            title = f" — {item['title']}" if item["title"] else ""
            unit = f" ({item['unit']})" if item["unit"] else ""
            lines.append(f"  {item['name']} [{item['type']}]{title}{unit}")
    if facts["derived"]:
        lines.append(f"{w['derived']}:")
        for item in facts["derived"]:
            title = f" — {item['title']}" if item["title"] else ""
            lines.append(f"  {item['name']} = {item['expr']}{title}")
    if facts["parameters"]:
        lines.append(f"{w['parameters']}:")
        for item in facts["parameters"]:
            lines.append(f"  params.{item['name']} = {item['value']} ({item['source']}) — {item['title']}")
    return lines


def _neighbour_lines(facts: dict[str, Any], w: dict[str, str]) -> list[str]:
    """The rules this one depends on and those that depend on it."""
    lines = []
    if facts["depends_on"]:
        lines.append(f"{w['depends']}: {', '.join(facts['depends_on'])}")
    if facts["used_by"]:
        lines.append(f"{w['used_by']}: {', '.join(facts['used_by'])}")
    return lines


def _citation_lines(citations: list[dict[str, Any]], w: dict[str, str], lang: str) -> list[str]:
    if not citations:
        return []
    lines = [f"{w['cite']}:"]
    for cite in citations:
        where = f", {cite['file']}" if cite["file"] else ""
        lines.append(f"  {cite['source']} {cite['title']}{where}")
        lines.append(f"    「{cite['quote']}」" if lang == "zh" else f"    “{cite['quote']}”")
        if cite["note"]:
            lines.append(f"    {cite['note']}")
    return lines


def _outcome_lines(outcome: dict[str, Any], w: dict[str, str], label: str | None) -> list[str]:
    lines = ["", f"{w['profile']}: {label}" if label else f"{w['profile']}:"]
    if outcome["values"]:
        lines.append(f"{w['values']}:")
        lines += [f"  {name} = {_value(value)}" for name, value in outcome["values"].items()]
    lines.append(f"{w['outcome']}: {_result_text(outcome)}")
    if outcome["subjects"]:
        lines.append(f"{w['elements']}:")
        lines += [f"  {s['label']}: {s['outcome']}" + (f" ({s['band']})" if s["band"] else "")
                  for s in outcome["subjects"]]
    lines += _missing_lines(outcome, w)
    if outcome["notes"]:
        lines.append(f"{w['notes']}: " + " / ".join(outcome["notes"]))
    if outcome["recommendation"]:
        lines.append(f"{w['recommendation']}: {outcome['recommendation']}")
    return lines


def _result_text(outcome: dict[str, Any]) -> str:
    """'partly_met, 3 / 5, −1 (tier)': the outcome with its points."""
    result: str = outcome["outcome"]
    if outcome["earned"] is not None and outcome["points"] is not None:
        result += f", {_value(outcome['earned'])} / {_value(outcome['points'])}"
    if outcome["deducted"]:
        result += f", −{_value(outcome['deducted'])}"
    if outcome["vetoed"]:
        result += ", vetoed"
    if outcome["tier"]:
        result += f" ({outcome['tier']})"
    return result


def _missing_lines(outcome: dict[str, Any], w: dict[str, str]) -> list[str]:
    """What kept the rule from being assessed: inputs the profile lacks, parameters not set."""
    lines = []
    if outcome["missing_inputs"]:
        lines.append(f"{w['missing']}: {', '.join(outcome['missing_inputs'])}")
    if outcome["unset_params"]:
        lines.append(f"{w['unset']}: {', '.join(outcome['unset_params'])}")
    return lines
