"""Assemble the Report model from findings, scores and recommendations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..context import Context
from ..expr.values import is_unknown
from ..findings import MISSING_DATA, NOT_ASSESSED, Finding
from ..pack.model import Pack, RuleSpec
from ..pack.schema import Text as PackText
from ..recommend import NextGrade, Recommendation, render
from ..scoring import Scorecard
from . import model as M


def text(value: PackText | None) -> M.Text | None:
    if value is None:
        return None
    return M.Text(zh=value.zh, en=value.en or value.zh)


def number(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(value).normalize()) if isinstance(value, Decimal) else float(value)


def plain(value: Any) -> Any:
    """A profile value as JSON: dates as ISO text, decimals as numbers."""
    if is_unknown(value):
        return None
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value if not isinstance(v, dict)]
    return str(value)


def citations(pack: Pack, rule: RuleSpec) -> list[M.Citation]:
    found = []
    for cite in rule.cite:
        source = pack.sources[cite.source]
        found.append(M.Citation(source=cite.source, title=text(source.title), file=source.file, date=source.date,
                                quote=cite.quote, note=text(cite.note)))
    return found


def _values_read(rule: RuleSpec, context: Context) -> dict[str, Any]:
    """The profile values a rule's conditions read (for explanations and editors)."""
    from ..expr import ast

    read: dict[str, Any] = {}
    for expr in rule.expressions():
        for node in ast.walk(expr.tree):
            if isinstance(node, ast.Path) and node.ref is not None and node.ref.kind in ("input", "derived"):
                value = context.values.get(node.ref.name)
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    read[node.ref.name] = f"{len(value)} items"
                    continue
                read[node.ref.name] = plain(value)
    return dict(sorted(read.items()))


def finding_out(pack: Pack, finding: Finding, card: Scorecard, context: Context) -> M.FindingOut:
    rule = finding.rule
    line, col = rule.origin.position()
    tier = rule.tiers[finding.tier].label if finding.tier is not None else None
    subjects = []
    for subject in finding.subjects:
        band = next((b for b in rule.bands if b.id == subject.band), None)
        consequences = None
        if band is not None and band.consequences is not None:
            consequences = M.Text(zh=render(band.consequences, "zh", context, subject.index),
                                  en=render(band.consequences, "en", context, subject.index))
        notes = [M.Text(zh=render(rule.notes[i].text, "zh", context, subject.index),
                        en=render(rule.notes[i].text, "en", context, subject.index)) for i in subject.notes]
        subjects.append(M.SubjectOut(index=subject.index, label=subject.label, outcome=subject.outcome,
                                     band=subject.band, band_label=text(band.label) if band else None,
                                     consequences=consequences, notes=notes,
                                     missing_inputs=sorted(subject.missing)))
    notes = [M.Text(zh=render(rule.notes[i].text, "zh", context), en=render(rule.notes[i].text, "en", context))
             for i in finding.notes]
    is_item = rule.kind in ("item", "bonus")
    return M.FindingOut(
        rule=rule.id, kind=rule.kind, dimension=rule.dimension, title=text(rule.title), outcome=finding.outcome,
        points=number(rule.max_points) if is_item else None,
        earned=number(finding.earned) if is_item and finding.outcome != NOT_ASSESSED else None,
        deducted=number(finding.deducted) if rule.kind == "penalty" else None,
        vetoed=finding.vetoed, severity=rule.severity, tier=text(tier), occurrences=finding.occurrences,
        share=number(finding.share), recoverable=number(card.recoverable.get(rule.id)),
        missing_inputs=sorted(finding.missing), unset_params=list(rule.unset_params),
        values=_values_read(rule, context), subjects=subjects, notes=notes, method=text(rule.method),
        evidence=[text(e) for e in rule.evidence], citations=citations(pack, rule),
        location=M.Location(file=rule.origin.file, line=line, col=col),
    )


def missing_inputs(pack: Pack, findings: list[Finding], card: Scorecard) -> list[M.MissingInputOut]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.outcome != MISSING_DATA:
            continue
        paths = set(finding.missing)
        for subject in finding.subjects:
            paths |= subject.missing
        for path in paths:
            by_path.setdefault(path, []).append(finding)
    out = []
    scale = {d.dimension.id: d.scale for d in card.dimensions}
    for path in sorted(by_path):
        related = by_path[path]
        stake = Decimal(0)
        for finding in related:
            if finding.rule.kind == "item":
                stake += (finding.rule.max_points - finding.earned) * scale.get(finding.rule.dimension, 0)
            elif finding.rule.kind == "bonus":
                stake += finding.rule.max_points
        out.append(M.MissingInputOut(path=path, title=_input_title(pack, path), rules=[f.rule.id for f in related],
                                     points_at_stake=round(float(stake), 6)))
    return out


def _input_title(pack: Pack, path: str) -> M.Text | None:
    if path.startswith("period."):
        return M.Text(zh="考核期（profile.year 或 profile.period）", en="assessment period (profile.year or profile.period)")
    spec = pack.inputs.get(path)
    if spec is not None:
        return text(spec.decl.title)
    if "[]." in path:
        list_path, field = path.split("[].", 1)
        spec = pack.inputs.get(list_path)
        if spec is not None and spec.decl.items is not None:
            field_decl = (spec.decl.items.fields or {}).get(field)
            if field_decl is not None and field_decl.title is not None:
                return text(field_decl.title)
    return None


def tables(pack: Pack, findings: list[Finding], context: Context) -> list[M.TableOut]:
    out = []
    per_list: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule.for_each and finding.subjects:
            per_list.setdefault(finding.rule.for_each, []).append(finding)
    for list_path, related in per_list.items():
        spec = pack.inputs[list_path]
        elements = context.values.get(list_path) or []
        fields = spec.decl.items.fields or {}
        columns = [M.Column(key=name, title=text(decl.title) or M.Text(zh=name, en=name),
                            format="percent" if decl.type in ("percent", "ratio") else None)
                   for name, decl in fields.items()
                   if decl.type not in ("list", "object") and name != spec.label]
        derived = [d for d in pack.derived if d.list_path == list_path]
        columns += [M.Column(key=d.field, title=text(d.title) or M.Text(zh=d.field, en=d.field), format=d.format)
                    for d in derived]
        columns += [M.Column(key=f"rule:{f.rule.id}", title=text(f.rule.title), format="outcome") for f in related]
        rows = []
        for index, element in enumerate(elements):
            label = str(element.get(spec.label)) if spec.label and element.get(spec.label) is not None \
                else f"#{index + 1}"
            values: dict[str, Any] = {}
            for column in columns:
                if column.format == "outcome":
                    finding = next(f for f in related if f"rule:{f.rule.id}" == column.key)
                    subject = finding.subjects[index]
                    band = next((b for b in finding.rule.bands if b.id == subject.band), None)
                    values[column.key] = {"outcome": subject.outcome,
                                          "band": text(band.label).model_dump() if band else None}
                else:
                    values[column.key] = plain(element.get(column.key))
            rows.append(M.Row(label=label, values=values))
        title = text(spec.decl.title) or M.Text(zh=list_path, en=list_path)
        out.append(M.TableOut(list=list_path, title=title, columns=columns, rows=rows))
    return out


def pack_result(pack: Pack, context: Context, findings: list[Finding], card: Scorecard,
                recs: list[Recommendation], path: NextGrade | None) -> M.PackResult:
    grade = card.grade
    dimensions = [M.DimensionOut(id=d.dimension.id, title=text(d.dimension.title), weight=number(d.dimension.weight),
                                 score=number(round(d.score, 6)), share=number(round(d.share, 6)) if d.share is not None
                                 else None, earned=number(d.earned), available=number(d.available),
                                 declared=number(d.declared), penalties=number(d.penalties), counted=d.counted)
                  for d in card.dimensions]
    vetoes = [M.VetoOut(rule=v.rule.id, title=text(v.rule.title), severity=v.rule.severity,
                        subjects=[s.label for s in v.subjects if s.outcome == "not_met"]) for v in card.vetoes]
    next_out = None
    if path is not None:
        target = pack.grades[path.target_index]
        next_out = M.NextGradeOut(
            target=target.id, target_title=text(target.title), gap=number(path.gap), reachable=path.reachable,
            blocked_by=path.blocked_by,
            items=[M.NextGradeItem(rule=f.rule.id, title=text(f.rule.title), recoverable=number(g))
                   for f, g in path.items],
            total_after=number(round(path.total_after, pack.scoring.rounding)) if path.reachable else None)
    return M.PackResult(
        pack=M.PackInfo(id=pack.id, version=pack.version, title=text(pack.meta.title), edition=pack.meta.edition,
                        subject=pack.meta.subject, defaults_note=text(pack.meta.defaults_note)),
        parameters=[M.ParameterOut(name=name, title=text(spec.decl.title), value=plain(spec.value),
                                   source="set" if spec.overridden else "default")
                    for name, spec in sorted(pack.params.items())],
        dimensions=dimensions,
        base=number(round(card.base, 6)),
        bonus=M.BonusOut(raw=number(card.bonus_raw), awarded=number(card.bonus), cap=number(card.bonus_cap)),
        deductions=M.DeductionsOut(dimensions=number(sum((d.penalties for d in card.dimensions), Decimal(0))),
                                   total_raw=number(card.penalty_raw), total=number(card.penalty)),
        total=number(card.shown_total), max_total=number(pack.total_weight),
        grade=M.GradeOut(id=grade.id, title=text(grade.title), index=card.grade_index,
                         demoted_from=[M.Demotion(grade=g, reason=r) for g, r in card.demotions]),
        awards_barred=card.awards_barred, vetoes=vetoes,
        coverage=number(round(card.coverage, 6)) if card.coverage is not None else None,
        findings=[finding_out(pack, f, card, context) for f in findings],
        recommendations=[M.RecommendationOut(rule=r.finding.rule.id, title=text(r.finding.rule.title),
                                             outcome=r.finding.outcome, text=M.Text(**r.text),
                                             recoverable=number(r.recoverable), dimension=r.finding.rule.dimension,
                                             citations=citations(pack, r.finding.rule)) for r in recs],
        next_grade=next_out,
        missing_inputs=missing_inputs(pack, findings, card),
        not_assessed=[M.NotAssessedOut(rule=f.rule.id, title=text(f.rule.title), params=list(f.rule.unset_params))
                      for f in findings if f.outcome == NOT_ASSESSED],
        tables=tables(pack, findings, context),
    )
