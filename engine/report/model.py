"""The Report: one model for every output format.

JSON output is this model dumped with a schema version; it is byte-identical
for identical input (no timestamps, stable ordering). Numbers are JSON
numbers; texts that people read come in Chinese and English.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1"


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    subject: Optional[int] = None
    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    present: bool


class Citation(Out):
    source: str
    title: Text
    file: Optional[str] = None
    date: Optional[str] = None
    quote: str
    note: Optional[Text] = None


class SubjectOut(Out):
    index: int
    label: str
    outcome: str
    band: Optional[str] = None
    band_label: Optional[Text] = None
    consequences: Optional[Text] = None
    notes: list[Text] = []
    missing_inputs: list[str] = []


class FindingOut(Out):
    rule: str
    kind: str
    dimension: Optional[str] = None
    title: Text
    outcome: str
    points: Optional[float] = None
    earned: Optional[float] = None
    deducted: Optional[float] = None
    vetoed: bool = False
    severity: Optional[str] = None
    tier: Optional[Text] = None
    occurrences: Optional[int] = None
    per: Optional[float] = None
    share: Optional[float] = None
    recoverable: Optional[float] = None
    missing_inputs: list[str] = []
    unset_params: list[str] = []
    values: dict[str, Any] = {}
    subjects: list[SubjectOut] = []
    notes: list[Text] = []
    description: Optional[Text] = None
    method: Optional[Text] = None
    evidence: list[Text] = []
    citations: list[Citation] = []
    location: Optional[Location] = None
    profile_locations: list[ProfileLocation] = []


class DimensionOut(Out):
    id: str
    title: Text
    weight: float
    score: float
    share: Optional[float] = None
    earned: float
    available: float
    declared: float
    penalties: float
    counted: bool


class Demotion(Out):
    grade: str
    reason: str
    title: Optional[Text] = None


class GradeOut(Out):
    id: str
    title: Text
    index: int
    demoted_from: list[Demotion] = []


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
    dimension: Optional[str] = None
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
    total_after: Optional[float] = None


class MissingInputOut(Out):
    path: str
    title: Optional[Text] = None
    rules: list[str]
    points_at_stake: float


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
    format: Optional[str] = None


class Row(Out):
    label: str
    values: dict[str, Any]


class TableOut(Out):
    list: str
    title: Text
    columns: list[Column]
    rows: list[Row]


class PackInfo(Out):
    id: str
    version: str
    title: Text
    edition: str
    subject: str
    defaults_note: Optional[Text] = None


class BonusOut(Out):
    raw: float
    awarded: float
    cap: Optional[float] = None


class DeductionsOut(Out):
    dimensions: float
    total_raw: float
    total: float


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
    coverage: Optional[float] = None
    findings: list[FindingOut]
    recommendations: list[RecommendationOut]
    next_grade: Optional[NextGradeOut] = None
    missing_inputs: list[MissingInputOut]
    not_assessed: list[NotAssessedOut]
    tables: list[TableOut]


class ProfileInfo(Out):
    file: str
    id: Optional[str] = None
    name: Optional[str] = None
    subject: Optional[str] = None
    period_start: Optional[str] = None
    period_end: Optional[str] = None


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
    hint: Optional[str] = None


class Report(Out):
    schema_version: str = SCHEMA_VERSION
    engine: EngineInfo
    profile: ProfileInfo
    results: list[PackResult]
    warnings: list[DiagnosticOut] = []

    def worst_total(self) -> float | None:
        return min((r.total for r in self.results), default=None)
