"""Assemble the Report model from findings, scores and recommendations.

What a report says of a pack whatever the profile (rule titles, citations, the
inputs each rule reads, the layout of per-element tables) is worked out once
per pack, as `PackStatics`; the Engine builds it when it loads the pack and
passes it to `pack_result` with every profile's findings and scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

from engine.evaluation.context import Context
from engine.evaluation.findings import (
    MISSING_DATA,
    NA_OUTCOME,
    NOT_ASSESSED,
    WAIVED,
    ClauseResult,
    Finding,
    SubjectResult,
)
from engine.evaluation.recommendations import NextGrade, Recommendation, render
from engine.evaluation.scoring import DimensionScore, Scorecard, counted_points
from engine.expr import ast
from engine.expr.values import is_unknown
from engine.pack.model import BandSpec, Expr, MeasureSpec, Pack, ParamSpec, RuleSpec, Template
from engine.pack.schema import Grade
from engine.pack.schema import Text as PackText
from engine.pack.templates import format_value
from engine.report import model as M
from engine.report.locate import ProfileLocator, input_reads, profile_locations
from engine.report.review_out import adjustments_out, waivers_out
from engine.report.wording import method_text

ZERO = Decimal(0)
SCORED = ("item", "bonus")  # rule kinds with points of their own (earned, at stake)
NOTES_COLUMN = M.Column(key="notes", title=M.Text(zh="备注", en="Notes"), format="texts")


# -- values as the report writes them -------------------------------------------------------------

@overload
def text(value: PackText) -> M.Text: ...
@overload
def text(value: None) -> None: ...
@overload
def text(value: PackText | None) -> M.Text | None: ...
def text(value: PackText | None) -> M.Text | None:
    if value is None:
        return None
    return M.Text(zh=value.zh, en=value.en or value.zh)


@overload
def number(value: Decimal | float) -> float: ...
@overload
def number(value: None) -> None: ...
@overload
def number(value: Decimal | float | None) -> float | None: ...
def number(value: Decimal | float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(value).normalize()) if isinstance(value, Decimal) else float(value)


def plain(value: Any) -> Any:
    """A profile value as JSON: dates as ISO text, decimals as numbers."""
    if is_unknown(value):
        return None
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value if not isinstance(v, dict)]
    return str(value)


def _rendered(template: Template, context: Context, subject: int | None = None) -> M.Text:
    return M.Text.model_construct(zh=render(template, "zh", context, subject),
                                  en=render(template, "en", context, subject))


# -- what a report says of a pack whatever the profile --------------------------------------------

@dataclass(frozen=True)
class RuleStatics:
    """What a report says about a rule that does not depend on the profile."""

    title: M.Text
    description: M.Text | None
    method: M.Text | None
    evidence: list[M.Text]
    citations: list[M.Citation]
    location: M.Location
    reads: list[str]  # the inputs and derived values its expressions read
    inputs: list[str]  # the inputs behind them (derived values replaced by what they compute from)
    tiers: list[M.Text | None]  # by tier index, as findings name them
    bands: dict[str, M.Text]
    points: float
    unit: M.Text | None  # what one occurrence is called (项, 起, 次)

    @classmethod
    def of(cls, pack: Pack, rule: RuleSpec) -> RuleStatics:
        line, col = rule.origin.position()
        reads = _reads(rule)
        occurrence = rule.award or rule.deduct
        return cls(
            title=text(rule.title), description=text(rule.description), method=_method(pack, rule),
            evidence=[text(e) for e in rule.evidence], citations=_citations(pack, rule),
            location=M.Location(file=rule.origin.file, line=line, col=col),
            reads=reads, inputs=input_reads(pack, reads),
            tiers=[text(tier.label) for tier in rule.tiers],
            bands={band.id: text(band.label) for band in rule.bands},
            points=number(rule.max_points),
            unit=text(occurrence.unit) if occurrence is not None else None)


def _method(pack: Pack, rule: RuleSpec) -> M.Text:
    """The 评分办法: the author's `method` text, or one generated from the rule's shape (never empty)."""
    return M.Text(zh=method_text(rule, pack, "zh"), en=method_text(rule, pack, "en"))


def _citations(pack: Pack, rule: RuleSpec) -> list[M.Citation]:
    out = []
    for cite in rule.cite:
        source = pack.sources[cite.source]
        out.append(M.Citation(source=cite.source, title=text(source.title), file=source.file, date=source.date,
                              quote=cite.quote, note=text(cite.note)))
    return out


def _reads(rule: RuleSpec) -> list[str]:
    """The inputs and derived values a rule's expressions read, sorted."""
    reads = set()
    for expr in rule.expressions():
        for node in ast.walk(expr.tree):
            if isinstance(node, ast.Path) and node.ref is not None and node.ref.kind in ("input", "derived"):
                reads.add(node.ref.name)
    return sorted(reads)


@dataclass(frozen=True)
class ListLayout:
    """The part of a per-element table that depends on the pack only: its title, what names each row, and a
    column per field of the elements and per derived value computed for each element."""

    title: M.Text
    label_field: str | None
    label_title: M.Text | None
    fields: list[M.Column]

    @classmethod
    def of(cls, pack: Pack, list_path: str) -> ListLayout:
        spec = pack.inputs[list_path]  # the pack's builder made sure for_each names a list of objects
        fields = (spec.decl.items.fields if spec.decl.items is not None else None) or {}
        columns = [M.Column(key=name, title=text(decl.title) or M.Text(zh=name, en=name),
                            format="percent" if decl.type in ("percent", "ratio") else None)
                   for name, decl in fields.items() if decl.type != "object" and name != spec.label]
        columns += [M.Column(key=d.field, title=text(d.title) or M.Text(zh=d.field, en=d.field), format=d.format)
                    for d in pack.derived if d.list_path == list_path]
        label_decl = fields.get(spec.label) if spec.label else None
        return cls(title=text(spec.decl.title) or M.Text(zh=list_path, en=list_path), label_field=spec.label,
                   label_title=text(label_decl.title) if label_decl is not None else None, fields=columns)

    def row_label(self, element: dict[str, Any], index: int) -> str:
        """The element's label field, or its position ('#3') when it has none."""
        value = element.get(self.label_field) if self.label_field else None
        return str(value) if value is not None else f"#{index + 1}"


@dataclass(frozen=True)
class PackStatics:
    """Everything a report says of a pack that no profile changes, built once per pack (`PackStatics.of`)."""

    pack: Pack
    rules: dict[str, RuleStatics]
    lists: dict[str, ListLayout]  # by list path: the lists some rule assesses element by element

    @classmethod
    def of(cls, pack: Pack) -> PackStatics:
        list_paths = dict.fromkeys(rule.for_each for rule in pack.rules if rule.for_each)
        lists = {path: ListLayout.of(pack, path) for path in list_paths}
        return cls(pack, {rule.id: RuleStatics.of(pack, rule) for rule in pack.rules}, lists)


# -- findings ----------------------------------------------------------------------------------------

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


def _band(rule: RuleSpec, band_id: str | None) -> BandSpec | None:
    return next((b for b in rule.bands if b.id == band_id), None) if band_id else None


def _consequences(rule: RuleSpec, subject: SubjectResult, context: Context) -> M.Text | None:
    """What the subject's band means for it (结果运用), when the band says."""
    band = _band(rule, subject.band)
    if band is None or band.consequences is None:
        return None
    return _rendered(band.consequences, context, subject.index)


def _subject_out(rule: RuleSpec, fixed: RuleStatics, subject: SubjectResult, context: Context) -> M.SubjectOut:
    return M.SubjectOut.model_construct(
        index=subject.index, label=subject.label, outcome=subject.outcome, band=subject.band,
        band_label=fixed.bands.get(subject.band) if subject.band else None,
        consequences=_consequences(rule, subject, context),
        notes=[_rendered(rule.notes[i].text, context, subject.index) for i in subject.notes]
        + [text(remark) for remark in subject.remarks],
        missing_inputs=sorted(subject.missing))


def _earned(pack: Pack, finding: Finding) -> Decimal | None:
    """The 得分 of an item or bonus: for an item, what its dimension counts (`counted_points`). A format 1 pack
    shows 0 for an item that does not apply and none for a waived one, unless they count full points."""
    rule = finding.rule
    policy = pack.not_applicable(rule)
    if rule.kind == "item" and (pack.format >= 2 or (policy == "full" and finding.outcome in (NA_OUTCOME, WAIVED))):
        return counted_points(finding, policy)
    return finding.earned if finding.outcome not in (NOT_ASSESSED, WAIVED) else None


def _clause_out(result: ClauseResult) -> M.ClauseOut:
    return M.ClauseOut(kind=result.kind, text=text(result.clause.text), applies=result.applies,
                       points=number(result.amount), occurrences=result.occurrences, per=number(result.per),
                       unit=text(result.clause.unit))


def _amount(value: Decimal | Expr | None, context: Context) -> Decimal | None:
    """A number of the pack, or the value of the expression that gives it (a parameter)."""
    if value is None or isinstance(value, Decimal):
        return value
    result = context.evaluate(value).value
    return Decimal(result) if isinstance(result, (int, Decimal)) and not isinstance(result, bool) else None


_BOUND_WORDS = {"at_least": ("≥", "≥"), "above": (">", ">"), "at_most": ("≤", "≤"), "below": ("<", "<")}


def target_text(measure: MeasureSpec, context: Context) -> M.Text:
    """A check's target in words: '≥90%', '≥60 且 <90'."""
    words = {}
    for index, lang in enumerate(("zh", "en")):
        parts = [_BOUND_WORDS[key][index] + format_value(_amount(bound, context), measure.format, lang)
                 for key, bound in measure.bounds]
        words[lang] = (" 且 " if lang == "zh" else " and ").join(parts)
    return M.Text(zh=words["zh"], en=words["en"])


def _format_2_parts(pack: Pack, finding: Finding, context: Context) -> dict[str, Any]:
    """The fields of a finding that pack format 2 brought: left at their defaults for a format 1 pack."""
    rule = finding.rule
    parts: dict[str, Any] = {"clauses": [_clause_out(result) for result in finding.clauses]}
    if pack.format >= 2 and rule.kind == "item" and finding.outcome in (NA_OUTCOME, WAIVED):
        parts["not_applicable"] = pack.not_applicable(rule)
    if rule.bonus:
        parts["bonus"] = number(finding.bonus)
        parts["bonus_cap"] = number(_amount(rule.bonus_cap, context))
    if rule.kind == "veto":
        parts.update(until=finding.until.isoformat() if finding.until else None, lapsed=finding.lapsed,
                     authority=text(rule.authority))
    level = next((level for level in rule.levels if level.id == finding.level), None)
    if level is not None:
        parts["level"], parts["level_label"] = level.id, text(level.label)
    if rule.measure is not None:
        parts["measure"] = M.MeasureOut(value=number(finding.value), target=target_text(rule.measure, context),
                                        format=rule.measure.format, unit=text(rule.measure.unit))
    return parts


def finding_out(statics: PackStatics, finding: Finding, card: Scorecard, context: Context,
                locator: ProfileLocator | None) -> M.FindingOut:
    rule = finding.rule
    fixed = statics.rules[rule.id]
    scored = rule.kind in SCORED
    return M.FindingOut.model_construct(
        rule=rule.id, kind=rule.kind, dimension=rule.dimension, title=fixed.title, outcome=finding.outcome,
        points=fixed.points if scored else None,
        earned=number(_earned(statics.pack, finding)) if scored else None,
        deducted=number(finding.deducted) if rule.kind == "penalty" else None,
        vetoed=finding.vetoed, severity=rule.severity,
        tier=fixed.tiers[finding.tier] if finding.tier is not None else None, occurrences=finding.occurrences,
        per=number(finding.per), unit=fixed.unit,
        share=number(finding.share), recoverable=number(card.recoverable.get(rule.id)),
        missing_inputs=sorted(finding.missing),
        unset_params=list(rule.unset_params + context.unset_params(rule.table_params)),
        values=_values_read(fixed.reads, context),
        subjects=[_subject_out(rule, fixed, subject, context) for subject in finding.subjects],
        notes=[_rendered(rule.notes[i].text, context) for i in finding.notes]
        + [text(remark) for remark in finding.remarks], description=fixed.description,
        method=fixed.method, evidence=fixed.evidence, citations=fixed.citations, location=fixed.location,
        profile_locations=profile_locations(fixed.inputs, finding, locator),
        award_cap=_award_cap(rule, context),
        **_format_2_parts(statics.pack, finding, context),
    )


def _award_cap(rule: RuleSpec, context: Context) -> float | None:
    """The cap of a bonus per occurrence when a parameter gives it (a number cap is already its `points`)."""
    cap = rule.award.cap if rule.kind == "bonus" and rule.award is not None else None
    return number(_amount(cap, context)) if isinstance(cap, Expr) else None


# -- data to supply ----------------------------------------------------------------------------------

def _missing_paths(finding: Finding) -> set[str]:
    paths = set(finding.missing)
    for subject in finding.subjects:
        paths |= subject.missing
    return paths


def _at_stake(related: list[Finding], scale: dict[str | None, Decimal]) -> tuple[Decimal, list[str]]:
    """The points of the total that depend on an input, and what else it decides (a bonus, a veto, a deduction)."""
    stake = ZERO
    also = set()
    for finding in related:
        rule = finding.rule
        if rule.kind == "item":
            stake += (rule.max_points - finding.earned) * scale.get(rule.dimension, ZERO)
        elif rule.kind == "bonus":
            stake += rule.max_points
            also.add("bonus")
        elif rule.kind in ("veto", "penalty", "check"):
            also.add(rule.kind)
    return stake, sorted(also)


def missing_inputs(pack: Pack, findings: list[Finding], card: Scorecard) -> list[M.MissingInputOut]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.outcome == MISSING_DATA:
            for path in _missing_paths(finding):
                by_path.setdefault(path, []).append(finding)
    scale: dict[str | None, Decimal] = {d.dimension.id: d.scale for d in card.dimensions}
    out = []
    for path, related in by_path.items():
        stake, also = _at_stake(related, scale)
        out.append(M.MissingInputOut(path=path, title=_input_title(pack, path), rules=[f.rule.id for f in related],
                                     points_at_stake=round(float(stake), 6), also=also))
    out.sort(key=lambda item: (-item.points_at_stake, item.path))  # what matters most first
    return out


def _input_title(pack: Pack, path: str) -> M.Text | None:
    if path.startswith("period."):
        return M.Text(zh="考核期（profile.year 或 profile.period）",
                      en="assessment period (profile.year or profile.period)")
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


# -- per-element tables ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldColumn:
    """An element's own field, or a value derived for each element: shown as it is."""

    out: M.Column

    def cell(self, element: dict[str, Any], index: int, context: Context) -> Any:
        return plain(element.get(self.out.key))


@dataclass(frozen=True)
class OutcomeColumn:
    """A rule's outcome for each element, with the label of the band the element falls in."""

    out: M.Column
    finding: Finding
    bands: dict[str, M.Text]

    def cell(self, element: dict[str, Any], index: int, context: Context) -> Any:
        subject = self.finding.subjects[index]
        band = self.bands.get(subject.band) if subject.band else None
        cell = {"outcome": subject.outcome, "band": band.model_dump() if band else None}
        if self.finding.rule.kind == "veto":  # an element triggers a veto; it does not miss a standard
            cell["kind"] = "veto"
        return cell

    def notes(self, index: int, context: Context) -> list[dict[str, Any]]:
        """The rule's notes that apply to the element (they go in the row's notes column)."""
        rule = self.finding.rule
        subject = self.finding.subjects[index]
        return [_rendered(rule.notes[i].text, context, index).model_dump() for i in subject.notes] + [
            text(remark).model_dump() for remark in subject.remarks]


@dataclass(frozen=True)
class ConsequencesColumn:
    """What a rule's band means for each element (结果运用)."""

    out: M.Column
    finding: Finding

    def cell(self, element: dict[str, Any], index: int, context: Context) -> Any:
        consequences = _consequences(self.finding.rule, self.finding.subjects[index], context)
        return consequences.model_dump() if consequences is not None else None


TableColumn = FieldColumn | OutcomeColumn | ConsequencesColumn


def _rule_columns(statics: PackStatics, finding: Finding) -> list[TableColumn]:
    """The outcome column of a rule assessed element by element, and its consequences column when its bands
    have consequences."""
    rule = finding.rule
    fixed = statics.rules[rule.id]
    columns: list[TableColumn] = [
        OutcomeColumn(M.Column(key=f"rule:{rule.id}", title=fixed.title, format="outcome"), finding, fixed.bands)]
    if any(band.consequences is not None for band in rule.bands):
        columns.append(ConsequencesColumn(M.Column(key=f"consequences:{rule.id}",
                                                   title=M.Text(zh="结果运用", en="Consequences"), format="text"),
                                          finding))
    return columns


def _row(layout: ListLayout, columns: list[TableColumn], element: dict[str, Any], index: int, context: Context,
         with_notes: bool) -> M.Row:
    values = {column.out.key: column.cell(element, index, context) for column in columns}
    if with_notes:
        values["notes"] = [note for column in columns if isinstance(column, OutcomeColumn)
                           for note in column.notes(index, context)]
    return M.Row.model_construct(label=layout.row_label(element, index), values=values)


def _table(statics: PackStatics, list_path: str, related: list[Finding], context: Context) -> M.TableOut:
    layout = statics.lists[list_path]
    columns: list[TableColumn] = [FieldColumn(column) for column in layout.fields]
    for finding in related:
        columns += _rule_columns(statics, finding)
    with_notes = any(subject.notes or subject.remarks for finding in related for subject in finding.subjects)
    elements = context.values.get(list_path) or []
    return M.TableOut(list=list_path, title=layout.title, label_title=layout.label_title,
                      columns=[column.out for column in columns] + ([NOTES_COLUMN] if with_notes else []),
                      rows=[_row(layout, columns, element, index, context, with_notes)
                            for index, element in enumerate(elements)])


def tables(statics: PackStatics, findings: list[Finding], context: Context) -> list[M.TableOut]:
    """A table per list assessed element by element: inputs, derived values, outcomes, consequences, notes."""
    per_list: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule.for_each and finding.subjects:
            per_list.setdefault(finding.rule.for_each, []).append(finding)
    return [_table(statics, list_path, related, context) for list_path, related in per_list.items()]


# -- the pack's result ---------------------------------------------------------------------------------

def _pack_info(pack: Pack) -> M.PackInfo:
    meta = pack.meta
    return M.PackInfo(id=pack.id, version=pack.version, title=text(meta.title), edition=text(meta.edition),
                      subject=meta.subject, defaults_note=text(meta.defaults_note),
                      layers=[M.PackLayer(id=layer.id, version=layer.version) for layer in pack.layers],
                      includes=[M.PackInclude(pack=block.pack_id, version=block.version, title=text(block.title),
                                              edition=text(block.edition), dimension=block.dimension,
                                              dimension_weight=number(block.source_weight), into=block.into,
                                              weight=number(block.weight)) for block in pack.includes])


def _parameters(pack: Pack, context: Context) -> list[M.ParameterOut]:
    return [_parameter(name, spec, context) if spec.table is not None else
            M.ParameterOut(name=name, title=text(spec.decl.title), value=plain(spec.value),
                           source="set" if spec.overridden else "default")
            for name, spec in sorted(pack.params.items())]


def _parameter(name: str, spec: ParamSpec, context: Context) -> M.ParameterOut:
    """A parameter that depends on the profile (format 2): its value for this profile and the row it came from."""
    table = spec.table
    assert table is not None  # only called for those
    row = context.param_rows.get(name)
    return M.ParameterOut(name=name, title=text(spec.decl.title), value=plain(row.value) if row else None,
                          source="table", by=table.by, by_title=text(table.by_title), row=text(row.label) if row
                          else None, format="percent" if spec.decl.type in ("percent", "ratio") else None)


def _dimension(d: DimensionScore) -> M.DimensionOut:
    share = d.share
    return M.DimensionOut(id=d.dimension.id, title=text(d.dimension.title), weight=number(d.dimension.weight),
                          score=number(round(d.score, 6)), share=number(round(share, 6)) if share is not None else None,
                          earned=number(d.earned), available=number(d.available), declared=number(d.declared),
                          penalties=number(d.penalties), penalties_applied=number(round(d.penalties_applied, 6)),
                          assessable=number(d.assessable), counted=d.counted, bonus=number(d.bonus))


def _vetoes(pack: Pack, card: Scorecard, holds: str | None) -> list[M.VetoOut]:
    out = []
    for veto in card.vetoes:
        rule = veto.rule
        assert rule.severity is not None  # the pack's builder gives every veto rule a severity
        out.append(M.VetoOut(rule=rule.id, title=text(rule.title), severity=rule.severity,
                             subjects=[s.label for s in veto.subjects if s.outcome == "not_met"],
                             cap_at=_grade_named(pack, rule.cap_at, "veto_cap"),
                             until=veto.until.isoformat() if veto.until else None, authority=text(rule.authority),
                             revokes=_grade_named(pack, holds if rule.severity == "revoke" else None, "veto_revoke")))
    return out


def _grade_named(pack: Pack, grade_id: str | None, reason: str) -> M.Demotion | None:
    """A grade a veto names (the cap, the title revoked), with its title when it is a grade of the pack."""
    if grade_id is None:
        return None
    grade = next((g for g in pack.grades if g.id == grade_id), None)
    return M.Demotion(grade=grade_id, reason=reason, title=text(grade.title) if grade is not None else None)


def _grade(pack: Pack, card: Scorecard) -> M.GradeOut:
    def titled(grade_id: str) -> Grade:
        return next(g for g in pack.grades if g.id == grade_id)

    grade = card.grade
    return M.GradeOut(id=grade.id, title=text(grade.title), index=card.grade_index,
                      demoted_from=[M.Demotion(grade=g, reason=r, title=text(titled(g).title))
                                    for g, r in card.demotions],
                      withheld=card.withheld, min_coverage=number(pack.scoring.min_coverage),
                      undecided_vetoes=[veto.rule.id for veto in card.undecided],
                      basis=pack.scoring.grade_basis if pack.format >= 2 else None, score=number(card.graded),
                      unmet=[rule.id for rule in pack.rules if rule.id in card.unmet],
                      undecided_history=card.history_gaps)


def _next_grade(pack: Pack, path: NextGrade | None) -> M.NextGradeOut | None:
    if path is None:
        return None
    target = pack.grades[path.target_index]
    return M.NextGradeOut(
        target=target.id, target_title=text(target.title), gap=number(path.gap), reachable=path.reachable,
        blocked_by=path.blocked_by,
        items=[M.NextGradeItem(rule=f.rule.id, title=text(f.rule.title), recoverable=number(g))
               for f, g in path.items],
        total_after=number(round(path.total_after, pack.scoring.rounding)) if path.reachable else None)


def _recommendations(statics: PackStatics, recs: list[Recommendation]) -> list[M.RecommendationOut]:
    out = []
    for rec in recs:
        rule = rec.finding.rule
        fixed = statics.rules[rule.id]
        out.append(M.RecommendationOut.model_construct(
            rule=rule.id, title=fixed.title, outcome=rec.finding.outcome,
            text=M.Text.model_construct(zh=rec.text["zh"], en=rec.text["en"]), recoverable=number(rec.recoverable),
            dimension=rule.dimension, citations=fixed.citations))
    return out


def _not_assessed(findings: list[Finding], context: Context) -> list[M.NotAssessedOut]:
    return [M.NotAssessedOut(rule=f.rule.id, title=text(f.rule.title),
                             params=list(f.rule.unset_params + context.unset_params(f.rule.table_params)))
            for f in findings if f.outcome == NOT_ASSESSED]


def pack_result(statics: PackStatics, context: Context, findings: list[Finding], card: Scorecard,
                recs: list[Recommendation], path: NextGrade | None) -> M.PackResult:
    pack = statics.pack
    locator = ProfileLocator.of(context.profile)
    return M.PackResult(
        pack=_pack_info(pack),
        parameters=_parameters(pack, context),
        dimensions=[_dimension(d) for d in card.dimensions],
        base=number(round(card.base, 6)),
        bonus=M.BonusOut(raw=number(card.bonus_raw), awarded=number(card.bonus), cap=number(card.bonus_cap),
                         items=number(card.item_bonus)),
        deductions=M.DeductionsOut(dimensions=number(sum((d.penalties for d in card.dimensions), ZERO)),
                                   total_raw=number(card.penalty_raw), total=number(card.penalty)),
        total=number(card.shown_total), max_total=number(pack.total_weight),
        grade=_grade(pack, card),
        awards_barred=card.awards_barred, vetoes=_vetoes(pack, card, context.profile.meta.holds),
        coverage=number(round(card.coverage, 6)) if card.coverage is not None else None,
        findings=[finding_out(statics, f, card, context, locator) for f in findings],
        recommendations=_recommendations(statics, recs),
        next_grade=_next_grade(pack, path),
        missing_inputs=missing_inputs(pack, findings, card),
        not_assessed=_not_assessed(findings, context),
        tables=tables(statics, findings, context),
        waivers=waivers_out(findings), adjustments=adjustments_out(findings),
    )
