"""Assemble the Report model from findings, scores and recommendations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from engine.evaluation.context import Context
from engine.evaluation.findings import MISSING_DATA, NOT_ASSESSED, WAIVED, Finding
from engine.evaluation.recommendations import NextGrade, Recommendation, render
from engine.evaluation.scoring import Scorecard
from engine.expr.values import is_unknown
from engine.pack.model import Pack, RuleSpec
from engine.pack.schema import Text as PackText
from engine.report import model as M
from engine.report.locate import input_reads, profile_locations
from engine.report.review_out import adjustments_out, waivers_out


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
    return statics(pack)[rule.id].citations


class RuleStatics:
    """What a report says about a rule that does not depend on the profile (built once per pack)."""

    def __init__(self, pack: Pack, rule: RuleSpec):
        from engine.expr import ast

        self.title = text(rule.title)
        self.description = text(rule.description)
        self.method = text(rule.method)
        self.evidence = [text(e) for e in rule.evidence]
        self.citations = [
            M.Citation(source=c.source, title=text(pack.sources[c.source].title), file=pack.sources[c.source].file,
                       date=pack.sources[c.source].date, quote=c.quote, note=text(c.note)) for c in rule.cite]
        line, col = rule.origin.position()
        self.location = M.Location(file=rule.origin.file, line=line, col=col)
        reads = set()
        for expr in rule.expressions():
            for node in ast.walk(expr.tree):
                if isinstance(node, ast.Path) and node.ref is not None and node.ref.kind in ("input", "derived"):
                    reads.add(node.ref.name)
        self.reads = sorted(reads)
        self.inputs = input_reads(pack, self.reads)
        self.tiers = [text(tier.label) for tier in rule.tiers]
        self.bands = {band.id: text(band.label) for band in rule.bands}
        self.points = number(rule.max_points)
        occurrence = rule.award or rule.deduct
        self.unit = text(occurrence.unit) if occurrence is not None and occurrence.unit is not None else None


def statics(pack: Pack) -> dict[str, RuleStatics]:
    cached = getattr(pack, "_report_statics", None)
    if cached is None:
        cached = {rule.id: RuleStatics(pack, rule) for rule in pack.rules}
        pack._report_statics = cached  # type: ignore[attr-defined]
    return cached


def _values_read(names: list[str], context: Context) -> dict[str, Any]:
    """The profile values a rule's conditions read (for explanations and editors)."""
    read: dict[str, Any] = {}
    for name in names:
        value = context.values.get(name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            read[name] = f"{len(value)} items"
        else:
            read[name] = plain(value)
    return read


def finding_out(pack: Pack, finding: Finding, card: Scorecard, context: Context) -> M.FindingOut:
    rule = finding.rule
    fixed = statics(pack)[rule.id]
    subjects = []
    for subject in finding.subjects:
        band = next((b for b in rule.bands if b.id == subject.band), None) if subject.band else None
        consequences = None
        if band is not None and band.consequences is not None:
            consequences = _rendered(band.consequences, context, subject.index)
        subjects.append(M.SubjectOut.model_construct(
            index=subject.index, label=subject.label, outcome=subject.outcome, band=subject.band,
            band_label=fixed.bands.get(subject.band) if subject.band else None, consequences=consequences,
            notes=[_rendered(rule.notes[i].text, context, subject.index) for i in subject.notes],
            missing_inputs=sorted(subject.missing)))
    notes = [_rendered(rule.notes[i].text, context) for i in finding.notes]
    is_item = rule.kind in ("item", "bonus")
    return M.FindingOut.model_construct(
        rule=rule.id, kind=rule.kind, dimension=rule.dimension, title=fixed.title, outcome=finding.outcome,
        points=fixed.points if is_item else None,
        earned=number(finding.earned) if is_item and finding.outcome not in (NOT_ASSESSED, WAIVED) else None,
        deducted=number(finding.deducted) if rule.kind == "penalty" else None,
        vetoed=finding.vetoed, severity=rule.severity,
        tier=fixed.tiers[finding.tier] if finding.tier is not None else None, occurrences=finding.occurrences,
        per=number(finding.per), unit=fixed.unit,
        share=number(finding.share), recoverable=number(card.recoverable.get(rule.id)),
        missing_inputs=sorted(finding.missing), unset_params=list(rule.unset_params),
        values=_values_read(fixed.reads, context), subjects=subjects, notes=notes, description=fixed.description,
        method=fixed.method, evidence=fixed.evidence, citations=fixed.citations, location=fixed.location,
        profile_locations=profile_locations(fixed.inputs, finding, context),
    )


def _rendered(template, context: Context, subject: int | None = None) -> M.Text:
    return M.Text.model_construct(zh=render(template, "zh", context, subject), en=render(template, "en", context, subject))


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
    for path in by_path:
        related = by_path[path]
        stake = Decimal(0)
        also = set()
        for finding in related:
            if finding.rule.kind == "item":
                stake += (finding.rule.max_points - finding.earned) * scale.get(finding.rule.dimension, 0)
            elif finding.rule.kind == "bonus":
                stake += finding.rule.max_points
                also.add("bonus")
            elif finding.rule.kind in ("veto", "penalty"):
                also.add(finding.rule.kind)
        out.append(M.MissingInputOut(path=path, title=_input_title(pack, path), rules=[f.rule.id for f in related],
                                     points_at_stake=round(float(stake), 6), also=sorted(also)))
    out.sort(key=lambda item: (-item.points_at_stake, item.path))  # what matters most first
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
    """A table per list assessed element by element: inputs, derived values, outcomes, consequences, notes."""
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
                   for name, decl in fields.items() if decl.type != "object" and name != spec.label]
        derived = [d for d in pack.derived if d.list_path == list_path]
        columns += [M.Column(key=d.field, title=text(d.title) or M.Text(zh=d.field, en=d.field), format=d.format)
                    for d in derived]
        for f in related:
            columns.append(M.Column(key=f"rule:{f.rule.id}", title=statics(pack)[f.rule.id].title, format="outcome"))
            if any(b.consequences is not None for b in f.rule.bands):
                columns.append(M.Column(key=f"consequences:{f.rule.id}",
                                        title=M.Text(zh="结果运用", en="Consequences"), format="text"))
        has_notes = any(s.notes for f in related for s in f.subjects)
        if has_notes:
            columns.append(M.Column(key="notes", title=M.Text(zh="备注", en="Notes"), format="texts"))
        rows = []
        for index, element in enumerate(elements):
            label = str(element.get(spec.label)) if spec.label and element.get(spec.label) is not None \
                else f"#{index + 1}"
            values: dict[str, Any] = {}
            notes: list[dict] = []
            for column in columns:
                key = column.key
                if column.format == "outcome":
                    finding = next(f for f in related if f"rule:{f.rule.id}" == key)
                    subject = finding.subjects[index]
                    band = statics(pack)[finding.rule.id].bands.get(subject.band) if subject.band else None
                    values[key] = {"outcome": subject.outcome, "band": band.model_dump() if band else None}
                    notes += [_rendered(finding.rule.notes[i].text, context, index).model_dump()
                              for i in subject.notes]
                elif column.format == "text":
                    finding = next(f for f in related if f"consequences:{f.rule.id}" == key)
                    subject = finding.subjects[index]
                    band = next((b for b in finding.rule.bands if b.id == subject.band), None)
                    values[key] = _rendered(band.consequences, context, index).model_dump() \
                        if band is not None and band.consequences is not None else None
                elif column.format == "texts":
                    continue
                else:
                    values[key] = plain(element.get(key))
            if has_notes:
                values["notes"] = notes
            rows.append(M.Row.model_construct(label=label, values=values))
        title = text(spec.decl.title) or M.Text(zh=list_path, en=list_path)
        label_decl = fields.get(spec.label) if spec.label else None
        label_title = text(label_decl.title) if label_decl is not None and label_decl.title is not None else None
        out.append(M.TableOut(list=list_path, title=title, label_title=label_title, columns=columns, rows=rows))
    return out


def _grade(pack: Pack, grade_id: str):
    return next(g for g in pack.grades if g.id == grade_id)


def pack_result(pack: Pack, context: Context, findings: list[Finding], card: Scorecard,
                recs: list[Recommendation], path: NextGrade | None) -> M.PackResult:
    grade = card.grade
    dimensions = [M.DimensionOut(id=d.dimension.id, title=text(d.dimension.title), weight=number(d.dimension.weight),
                                 score=number(round(d.score, 6)), share=number(round(d.share, 6)) if d.share is not None
                                 else None, earned=number(d.earned), available=number(d.available),
                                 declared=number(d.declared), penalties=number(d.penalties),
                                 penalties_applied=number(round(d.penalties_applied, 6)),
                                 assessable=number(d.assessable), counted=d.counted)
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
        pack=M.PackInfo(id=pack.id, version=pack.version, title=text(pack.meta.title), edition=text(pack.meta.edition),
                        subject=pack.meta.subject, defaults_note=text(pack.meta.defaults_note),
                        layers=[M.PackLayer(id=layer.id, version=layer.version) for layer in pack.layers]),
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
                         demoted_from=[M.Demotion(grade=g, reason=r, title=text(_grade(pack, g).title))
                                       for g, r in card.demotions],
                         withheld=card.withheld, min_coverage=number(pack.scoring.min_coverage)),
        awards_barred=card.awards_barred, vetoes=vetoes,
        coverage=number(round(card.coverage, 6)) if card.coverage is not None else None,
        findings=[finding_out(pack, f, card, context) for f in findings],
        recommendations=[M.RecommendationOut.model_construct(
            rule=r.finding.rule.id, title=statics(pack)[r.finding.rule.id].title, outcome=r.finding.outcome,
            text=M.Text.model_construct(**r.text), recoverable=number(r.recoverable),
            dimension=r.finding.rule.dimension, citations=citations(pack, r.finding.rule)) for r in recs],
        next_grade=next_out,
        missing_inputs=missing_inputs(pack, findings, card),
        not_assessed=[M.NotAssessedOut(rule=f.rule.id, title=text(f.rule.title), params=list(f.rule.unset_params))
                      for f in findings if f.outcome == NOT_ASSESSED],
        tables=tables(pack, findings, context),
        waivers=waivers_out(findings), adjustments=adjustments_out(findings),
    )
