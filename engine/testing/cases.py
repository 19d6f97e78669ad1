"""Run the test cases a pack carries (its `tests/*.yaml`), on one or more backends.

A case is a profile (inline or a file) with the outcomes and points it must
produce. The same runner serves pytest (one test per case and backend) and
`assess pack test`. A failure lists, per rule, what was expected and what
came out, with the file position of the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.api.engine import Engine
from engine.errors import Diagnostic, EngineError, PackError, display_path
from engine.pack.build import load_pack
from engine.pack.schema import Case, CaseExpectation, CaseFile, Outcome
from engine.report.model import FindingOut, PackResult
from engine.review.adjustments import AdjustmentEntry, AdjustmentSet
from engine.review.apply import Review
from engine.review.files import Located, Where
from engine.source.load import load_yaml
from engine.source.validation_errors import diagnostics_from, located


@dataclass
class Mismatch:
    subject: str  # rule id, or 'total' / 'grade' / 'vetoes'
    field: str  # of the grade: 'grade' (its id) or 'withheld'
    expected: Any
    actual: Any

    def format(self) -> str:
        return f"{self.subject}: {self.field} expected {self.expected!r}, got {self.actual!r}"


@dataclass
class CaseResult:
    file: str
    line: int
    name: str
    backend: str
    mismatches: list[Mismatch] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    result: PackResult | None = None  # what the pack made of the case (for failure details)
    case: Case | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.errors

    def describe(self) -> str:
        head = f"{self.file}:{self.line}: case '{self.name}' [{self.backend}]"
        lines = [head + (" passed" if self.ok else " FAILED")]
        lines += ["  " + d.format() for d in self.errors]
        lines += ["  " + m.format() for m in self.mismatches]
        return "\n".join(lines)


@dataclass
class LoadedCase:
    case: Case
    file: str
    source: Any
    index: int

    @property
    def line(self) -> int:
        return located(self.source, ("cases", self.index))[0]

    def where(self, *path: int | str) -> Where:
        """The position of a part of the case."""
        line, col = located(self.source, ("cases", self.index, *path))
        return Where(self.file, line, col)

    def review(self) -> Review | None:
        """The case's reviewer adjustments, as an adjustments file would give them for its profile."""
        case = self.case
        if not case.adjustments:
            return None
        entries = [Located(AdjustmentEntry(rule=given.rule, profile="*", points=given.points,
                                           reason=given.reason or case.name, reviewer=given.reviewer or "pack test"),
                           self.where("adjustments", index), self.where("adjustments", index, "rule"))
                   for index, given in enumerate(case.adjustments)]
        return Review(adjustments=AdjustmentSet(entries))


def case_files(pack_dir: Path) -> list[Path]:
    tests = Path(pack_dir) / "tests"
    if not tests.is_dir():
        return []
    return sorted(p for p in tests.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_all_cases(paths: list[Path]) -> list[LoadedCase]:
    """The cases of every file; the problems of every file are raised together, not only the first file's."""
    found: list[LoadedCase] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            found += load_cases(path)
        except PackError as exc:
            problems += exc.diagnostics
    if problems:
        raise PackError(problems)
    return found


def load_cases(path: Path) -> list[LoadedCase]:
    shown = display_path(path)
    document = load_yaml(path, display_name=shown, error_class=PackError)
    try:
        model = CaseFile.model_validate(document.data)
    except ValidationError as exc:
        raise PackError(diagnostics_from(exc, file=shown, source=document.source, model=CaseFile,
                                         code_prefix="case-")) from None
    return [LoadedCase(case, shown, document.source, index) for index, case in enumerate(model.cases)]


class CaseRunner:
    def __init__(self, pack_dir: str | Path, backends: tuple[str, ...] = ("reference",)):
        self.pack_dir = Path(pack_dir)
        self.backends = backends
        self._engines: dict[tuple[tuple[tuple[str, str], ...], str], Engine] = {}

    def engine(self, params: dict[str, Any], backend: str) -> Engine:
        key = (tuple(sorted((k, repr(v)) for k, v in params.items())), backend)
        if key not in self._engines:
            self._engines[key] = Engine([load_pack(self.pack_dir, params)], backend=backend)
        return self._engines[key]

    def run(self, loaded: LoadedCase, backend: str) -> CaseResult:
        case = loaded.case
        result = CaseResult(loaded.file, loaded.line, case.name, backend, case=case)
        try:
            engine = self.engine(case.params, backend)
            review = loaded.review()
            if review is not None:
                review.check(engine.packs)
            if case.profile_file is not None:
                path = (Path(loaded.file).parent / case.profile_file)
                profile = engine.load_profile(path)
            else:
                profile = engine.validate_data(case.profile, loaded.file, loaded.source,
                                               base=("cases", loaded.index, "profile"))
            report = engine.assess(profile, review=review)
        except EngineError as exc:
            result.errors = list(exc.diagnostics)
            return result
        result.result = report.results[0]
        result.mismatches = compare(case, result.result)
        return result

    def run_all(self, selected: Callable[[LoadedCase], bool] | None = None) -> list[CaseResult]:
        """Every case on every backend; `selected(loaded)` may skip cases."""
        results = []
        for loaded in load_all_cases(case_files(self.pack_dir)):
            if selected is not None and not selected(loaded):
                continue
            for backend in self.backends:
                results.append(self.run(loaded, backend))
        return results


def _same(expected: Decimal, actual: float | None) -> bool:
    """Equal at the precision the case author wrote (8.57 matches 8.571429)."""
    if actual is None:
        return False
    exponent = expected.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 6
    rounded = Decimal(str(actual)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded == expected.quantize(Decimal(1).scaleb(-places))


def expectation_of(expected: CaseExpectation | Outcome) -> CaseExpectation:
    """`R1: met` is short for `R1: {outcome: met}` (the case file's model reads it so already)."""
    return CaseExpectation(outcome=expected) if isinstance(expected, str) else expected


def compare(case: Case, result: PackResult) -> list[Mismatch]:
    mismatches: list[Mismatch] = []
    findings = {f.rule: f for f in result.findings}
    for rule_id, expected in case.expect.items():
        finding = findings.get(rule_id)
        if finding is None:
            mismatches.append(Mismatch(rule_id, "rule", "a rule of the pack", "no such rule"))
        else:
            mismatches += _rule_mismatches(rule_id, expected, finding)
    return mismatches + _result_mismatches(case, result)


def _rule_mismatches(rule_id: str, expected: CaseExpectation, finding: FindingOut) -> list[Mismatch]:
    """What one rule produced against what the case expects of it: outcome, points, veto, elements."""
    mismatches = []
    if expected.outcome is not None and expected.outcome != finding.outcome:
        mismatches.append(Mismatch(rule_id, "outcome", expected.outcome, finding.outcome))
    if expected.points is not None:
        actual = finding.deducted if finding.kind == "penalty" else finding.earned
        if not _same(expected.points, actual):
            mismatches.append(Mismatch(rule_id, "points", float(expected.points), actual))
    if expected.vetoed is not None and expected.vetoed != finding.vetoed:
        mismatches.append(Mismatch(rule_id, "vetoed", expected.vetoed, finding.vetoed))
    return mismatches + _subject_mismatches(rule_id, expected.subjects or {}, finding)


def _subject_mismatches(rule_id: str, expected: dict[str, str], finding: FindingOut) -> list[Mismatch]:
    """Per element of a for_each rule: its outcome, or its band (`band:failed`)."""
    mismatches = []
    for label, outcome in expected.items():
        subject = next((s for s in finding.subjects if s.label == label), None)
        actual = None if subject is None else (f"band:{subject.band}" if outcome.startswith("band:")
                                               else subject.outcome)
        if actual != outcome:
            mismatches.append(Mismatch(f"{rule_id}[{label}]", "outcome", outcome, actual))
    return mismatches


def _given(withheld: bool) -> str:
    return "withheld (暂不评定)" if withheld else "given"


def _result_mismatches(case: Case, result: PackResult) -> list[Mismatch]:
    """The pack's total, grade and vetoes against the case's."""
    mismatches = []
    if case.total is not None and not _same(case.total, result.total):
        mismatches.append(Mismatch("total", "total", float(case.total), result.total))
    if case.grade is not None and case.grade != result.grade.id:
        mismatches.append(Mismatch("grade", "grade", case.grade, result.grade.id))
    if case.withheld is not None and case.withheld != result.grade.withheld:
        mismatches.append(Mismatch("grade", "withheld", _given(case.withheld), _given(result.grade.withheld)))
    vetoes = sorted(v.rule for v in result.vetoes)
    if case.vetoes is not None and sorted(case.vetoes) != vetoes:
        mismatches.append(Mismatch("vetoes", "vetoes", sorted(case.vetoes), vetoes))
    return mismatches
