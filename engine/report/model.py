"""The Report: one model for every output format.

JSON output is this model dumped with a schema version; it is byte-identical
for identical input (no timestamps, stable ordering). Numbers are JSON
numbers; texts that people read come in Chinese and English.
"""

from __future__ import annotations

import builtins
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "1"


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Sparse(Out):
    """A model some of whose fields came with pack format 2: each of `sparse` is left out of the JSON while it
    holds its default, so the report of a format 1 pack stays as it was, byte for byte."""

    sparse: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self.sparse:
                if name in data and getattr(self, name) == type(self).model_fields[name].default:
                    del data[name]
        return data


class Text(Out):
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Location(Out):
    file: str
    line: int
    col: int


class ProfileLocation(Out):
    """Where a profile value a rule read sits: `present` False means the value is absent and the
    position is that of its nearest existing parent key (or the document start)."""

    input: str
    subject: int | None = None
    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    present: bool


class Citation(Out):
    source: str
    title: Text
    file: str | None = None
    date: str | None = None
    quote: str
    note: Text | None = None


class SubjectOut(Out):
    index: int
    label: str
    outcome: str
    band: str | None = None
    band_label: Text | None = None
    consequences: Text | None = None
    notes: list[Text] = []
    missing_inputs: list[str] = []


class ClauseOut(Out):
    """One clause of an item's deductions or own bonus, as it applied to the profile."""

    kind: str  # deduction | bonus
    text: Text
    applies: bool | None = None  # None: missing data leaves it undecided
    points: float = 0  # points taken (deduction) or added (bonus), after the clause's cap
    occurrences: int | None = None
    per: float | None = None
    unit: Text | None = None


class MeasureOut(Out):
    """The value of a check against its target."""

    value: float | None = None  # None: it could not be computed
    target: Text  # the target in words (≥ 90%)
    format: str | None = None
    unit: Text | None = None


class FindingOut(Sparse):
    sparse: ClassVar[tuple[str, ...]] = ("not_applicable", "clauses", "bonus", "bonus_cap", "level", "level_label",
                                         "measure")

    rule: str
    kind: str
    dimension: str | None = None
    title: Text
    outcome: str
    points: float | None = None
    earned: float | None = None
    deducted: float | None = None
    vetoed: bool = False
    severity: str | None = None
    tier: Text | None = None
    occurrences: int | None = None
    per: float | None = None
    unit: Text | None = None  # what one occurrence is called (项, 起, 次)
    share: float | None = None
    recoverable: float | None = None
    missing_inputs: list[str] = []
    unset_params: list[str] = []
    values: dict[str, Any] = {}
    subjects: list[SubjectOut] = []
    notes: list[Text] = []
    description: Text | None = None
    method: Text | None = None
    evidence: list[Text] = []
    citations: list[Citation] = []
    location: Location | None = None
    profile_locations: list[ProfileLocation] = []
    not_applicable: str | None = None  # how an item that does not apply or is waived counts (format 2 packs)
    clauses: list[ClauseOut] = []  # deduction and bonus clauses (format 2)
    bonus: float | None = None  # an item's own bonus, after its cap (format 2)
    bonus_cap: float | None = None
    level: str | None = None  # a check judged by a letter: the level's id
    level_label: Text | None = None
    measure: MeasureOut | None = None  # a check against a target


class DimensionOut(Sparse):
    sparse: ClassVar[tuple[str, ...]] = ("bonus",)

    id: str
    title: Text
    weight: float
    score: float
    share: float | None = None
    earned: float
    available: float
    declared: float
    penalties: float
    penalties_applied: float = 0  # after the floor at zero (扣完为止)
    assessable: float = 0  # points not lost to missing data or unset parameters
    counted: bool
    bonus: float = 0  # its items' own bonus (format 2), added to the total as written


class Demotion(Out):
    grade: str
    reason: str
    title: Text | None = None


class GradeOut(Sparse):
    sparse: ClassVar[tuple[str, ...]] = ("basis", "score", "unmet")

    id: str
    title: Text
    index: int
    demoted_from: list[Demotion] = []
    withheld: bool = False  # too little could be assessed, or a veto is undecided: the grade is not given (暂不评定)
    min_coverage: float | None = None
    undecided_vetoes: list[str] = []  # vetoes missing data leaves open that would change the grade (rule ids)
    basis: str | None = None  # total | base: what the grades' bounds were compared with (format 2)
    score: float | None = None  # the score graded, when it is not the total (grade_basis: base)
    unmet: list[str] = []  # rules some grade requires to be met that are not (format 2)


class VetoOut(Out):
    rule: str
    title: Text
    severity: str
    subjects: list[str] = []


class RecommendationOut(Out):
    rule: str
    title: Text
    outcome: str
    text: Text
    recoverable: float
    dimension: str | None = None
    citations: list[Citation] = []


class NextGradeItem(Out):
    rule: str
    title: Text
    recoverable: float


class NextGradeOut(Out):
    target: str
    target_title: Text
    gap: float
    reachable: bool
    blocked_by: list[str] = []
    items: list[NextGradeItem] = []
    total_after: float | None = None


class MissingInputOut(Out):
    path: str
    title: Text | None = None
    rules: list[str]
    points_at_stake: float
    also: list[str] = []  # 'bonus' / 'veto': what else the input decides besides points


class NotAssessedOut(Out):
    rule: str
    title: Text
    params: list[str]


class ParameterOut(Out):
    name: str
    title: Text
    value: Any = None
    source: str  # 'default' | 'set'


class Column(Out):
    key: str
    title: Text
    format: str | None = None


class Row(Out):
    label: str
    values: dict[str, Any]


class TableOut(Out):
    list: str  # the list's path; the field's name shadows `list` in this class, hence `builtins.list` below
    title: Text
    label_title: Text | None = None  # what names each row (姓名/工号)
    columns: builtins.list[Column]
    rows: builtins.list[Row]


class PackLayer(Out):
    id: str
    version: str


class PackInfo(Out):
    id: str
    version: str
    title: Text
    edition: Text
    subject: str
    defaults_note: Text | None = None
    layers: list[PackLayer] = []  # every pack that contributed: the base first, this pack (an overlay) last


class BonusOut(Sparse):
    sparse: ClassVar[tuple[str, ...]] = ("items",)

    raw: float
    awarded: float
    cap: float | None = None
    items: float = 0  # the items' own bonus (format 2): in the total beside the pool, not under its cap


class DeductionsOut(Out):
    dimensions: float
    total_raw: float
    total: float


class WaiverOut(Out):
    """A rule waived for this profile: what it was before, why, who approved it, until when."""

    rule: str
    outcome: str  # the outcome the waiver replaced
    justification: str
    approver: str
    expires: str
    source: str  # file:line:col of the waiver
    judged_on: str | None = None  # the date it was found in force on: the end of the period, or --as-of


class AdjustmentOut(Out):
    """One reviewer adjustment (酌情扣分/加分): the audit trail of a rule's score."""

    rule: str
    computed: float  # the score before this adjustment
    points: float  # what the reviewer asked (negative: deducted)
    applied: float  # what was applied, bounded to 0 … the rule's points
    adjusted: float  # the score after it
    reason: str
    reviewer: str
    source: str  # file:line:col of the adjustment


class PackResult(Out):
    pack: PackInfo
    parameters: list[ParameterOut]
    dimensions: list[DimensionOut]
    base: float
    bonus: BonusOut
    deductions: DeductionsOut
    total: float
    max_total: float
    grade: GradeOut
    awards_barred: bool
    vetoes: list[VetoOut]
    coverage: float | None = None
    findings: list[FindingOut]
    recommendations: list[RecommendationOut]
    next_grade: NextGradeOut | None = None
    missing_inputs: list[MissingInputOut]
    not_assessed: list[NotAssessedOut]
    tables: list[TableOut]
    waivers: list[WaiverOut] = []
    adjustments: list[AdjustmentOut] = []


class ProfileInfo(Out):
    file: str
    id: str | None = None
    name: str | None = None
    subject: str | None = None
    period_start: str | None = None
    period_end: str | None = None


class EngineInfo(Out):
    version: str
    backend: str


class DiagnosticOut(Out):
    file: str
    line: int
    col: int
    severity: str
    code: str
    message: str
    hint: str | None = None


class DimensionDelta(Out):
    id: str
    title: Text | None = None
    before: float | None = None  # None: not counted (or absent) in that report
    after: float | None = None
    delta: float | None = None


class RuleDelta(Out):
    rule: str
    title: Text | None = None
    before: str | None = None  # outcome; None: the rule was not in that report
    after: str | None = None
    points_before: float | None = None  # earned (items, bonus) or −deducted (deductions)
    points_after: float | None = None
    delta: float | None = None


class PackComparison(Out):
    pack: str
    version_before: str
    version_after: str
    total_before: float
    total_after: float
    delta: float
    grade_before: str
    grade_before_title: Text | None = None
    grade_after: str
    grade_after_title: Text | None = None
    grade_change: str  # up | down | same
    dimensions: list[DimensionDelta] = []
    rules: list[RuleDelta] = []  # every rule whose outcome or points changed
    new_findings: list[str] = []  # unmet now, not unmet in the baseline
    cleared_findings: list[str] = []  # unmet in the baseline, not now
    new_vetoes: list[str] = []
    cleared_vetoes: list[str] = []
    regression: bool = False  # a lower total, a lower grade or a new veto


class Comparison(Out):
    """This report beside a baseline (e.g. last year's report of the same community)."""

    file: str
    profile: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    packs: list[PackComparison] = []
    notes: list[Text] = []
    regression: bool = False


class Report(Out):
    schema_version: str = SCHEMA_VERSION
    engine: EngineInfo
    profile: ProfileInfo
    results: list[PackResult]
    warnings: list[DiagnosticOut] = []
    baseline: Comparison | None = None

    def worst_total(self) -> float | None:
        return min((r.total for r in self.results), default=None)
