"""The batch summary: one ranked table per pack, and the profiles that could not be assessed.

`assess DIR --summary-format json` writes this model. It is also a baseline:
each row keeps the whole score sheet compactly (`rules`: kind, outcome,
points per rule), so next year's batch can compare rule by rule against it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from engine.report.model import SCHEMA_VERSION, DiagnosticOut, EngineInfo, Out, Sparse, Text


class RowDimension(Out):
    id: str
    score: float | None = None  # None: nothing of the dimension applied (left out of the total)


class RowVeto(Out):
    rule: str
    severity: str


class RowComparison(Out):
    """The row beside its baseline (`--baseline`)."""

    file: str
    total_before: float
    delta: float
    grade_before: str
    grade_before_title: Text | None = None
    grade_change: str  # up | down | same
    new_findings: int = 0
    cleared_findings: int = 0
    new_vetoes: list[str] = []
    regression: bool = False


class QuotaScope(Sparse):
    """What a quota counts: its base, its rounding, and the group of rows it is counted in (`--quota`); left out
    of the JSON while they hold their defaults, so a summary with plain quotas reads as it did."""

    sparse: ClassVar[tuple[str, ...]] = ("base", "base_title", "rounding", "per", "group")

    base: str = "all"  # all | graded | passed | a grade id (rows at that grade or a better one)
    base_title: Text | None = None  # the grade of `passed` (the lowest but one) or of a grade base
    rounding: str = "floor"  # floor | ceil | half_up (a percentage of the base)
    per: str | None = None  # the input the rows are grouped by (`per=community.street`)
    group: str | None = None  # its value for this group of rows


class QuotaMove(QuotaScope):
    """A row moved down a grade by a quota, and why."""

    grade_from: str
    grade_from_title: Text
    grade_to: str
    grade_to_title: Text
    limit: str  # as given: '30%' or a count
    allowed: int
    population: int
    tie: bool = False  # moved with others tied at the quota boundary


class RowWithheld(Out):
    """Why a row has no grade (暂不评定) and so no rank: too little could be assessed, or vetoes that missing
    data leaves open would change the grade."""

    min_coverage: float | None = None  # set when the coverage is below this threshold
    undecided_vetoes: list[str] = []  # rule ids


class SummaryRow(Sparse):
    rank: int | None = None
    file: str
    profile_id: str | None = None
    name: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    pack_version: str
    total: float
    max_total: float
    grade: str  # after quotas
    grade_title: Text
    grade_index: int
    computed_grade: str | None = None  # the assessed grade, when a quota moved the row down
    quota: QuotaMove | None = None
    withheld: RowWithheld | None = None  # no grade given: ranked after every graded row, without a rank
    dimensions: list[RowDimension] = []
    vetoes: list[RowVeto] = []
    coverage: float | None = None
    waived: int = 0
    adjusted: int = 0
    warnings: int = 0
    baseline: RowComparison | None = None
    rules: dict[str, list[Any]] = {}  # rule id -> [kind, outcome, points]; points: earned, or −deducted
    outputs: list[str] = []  # per-profile reports written (--output-dir)
    groups: dict[str, str | None] = {}  # the inputs a quota groups by (`per=`) that the pack declares: their values

    sparse: ClassVar[tuple[str, ...]] = ("withheld", "groups")  # left out of the JSON while empty

    @property
    def graded(self) -> bool:
        return self.withheld is None

    @property
    def label(self) -> str:
        return self.name or self.profile_id or self.file


class GroupDimension(Out):
    id: str
    title: Text
    weight: float


class GroupGrade(Out):
    id: str
    title: Text


class QuotaOut(QuotaScope):
    """A quota as applied to one table (or one group of its rows, with `per=`)."""

    grade: str
    grade_title: Text
    limit: str
    allowed: int
    population: int
    moved: list[str] = []  # files of the rows moved down


class SummaryGroup(Sparse):
    """The rows assessed by one pack, ranked."""

    pack: str
    title: Text
    grades: list[GroupGrade]
    dimensions: list[GroupDimension]
    rows: list[SummaryRow] = []
    quotas: list[QuotaOut] = []
    quota_notes: list[Text] = []  # the pack's grade quotas that apply to no one: a limit left unset

    sparse: ClassVar[tuple[str, ...]] = ("quota_notes",)


class ErrorEntry(Out):
    """A profile the batch could not assess."""

    file: str
    status: Literal["invalid", "crashed", "timeout", "error", "unwritten"]  # unwritten: a report could not be saved
    reason: str
    diagnostics: list[DiagnosticOut] = []


class Summary(Out):
    schema_version: str = SCHEMA_VERSION
    kind: Literal["summary"] = "summary"
    engine: EngineInfo
    profiles: int  # inputs
    assessed: int
    groups: list[SummaryGroup] = []
    errors: list[ErrorEntry] = []
    baseline: str | None = None
    warnings: list[DiagnosticOut] = []
