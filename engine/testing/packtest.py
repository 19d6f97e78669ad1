"""`assess pack test` and the pytest plugin: run a pack's cases and explain failures.

A failure shows, for each rule whose expectation did not hold, the expected
and actual outcome and points and the profile values the rule read, so an
author can tell a wrong expectation from a wrong rule without a debugger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import Diagnostic, UsageError
from engine.pack.schema import CaseExpectation, Outcome
from engine.report.model import FindingOut, PackResult
from engine.testing.cases import CaseResult, CaseRunner, LoadedCase, Mismatch, expectation_of

BACKEND_CHOICES = ("both", "durable", "reference")


def select_backends(choice: str) -> tuple[tuple[str, ...], str | None]:
    """The backends to run and a note when 'both' had to fall back to the reference backend."""
    from engine.backends import durable_available

    if choice not in BACKEND_CHOICES:
        raise UsageError([Diagnostic("--backend", 0, 0, "error", "usage",
                                     f"unknown backend '{choice}'; choose both, durable or reference")])
    available, reason = durable_available()
    if choice == "reference":
        return ("reference",), None
    if choice == "durable":
        if not available:
            raise UsageError([Diagnostic("--backend", 0, 0, "error", "backend-unavailable",
                                         f"the durable backend is not available here: {reason}",
                                         hint="use --backend reference")])
        return ("durable",), None
    if not available:
        return ("reference",), f"durable-rules is not available here ({reason}); ran the reference backend only"
    return ("reference", "durable"), None


def run_cases(pack_dir: str | Path, backends: tuple[str, ...], name: str | None = None) -> list[CaseResult]:
    runner = CaseRunner(pack_dir, backends)
    if not name:
        return runner.run_all()

    def chosen(loaded: LoadedCase) -> bool:
        return name in loaded.case.name

    return runner.run_all(chosen)


# -- explaining a failure ---------------------------------------------------------------------

def _value(value: Any) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def _amount(kind: str, points: float | None) -> str:
    if points is None:
        return ""
    word = "deducted" if kind == "penalty" else "points"
    return f", {_value(points)} {word}"


def _expected(expected: CaseExpectation | Outcome) -> str:
    expectation = expectation_of(expected)
    parts: list[str] = []
    if expectation.outcome is not None:
        parts.append(expectation.outcome)
    if expectation.points is not None:
        parts.append(f"{_value(float(expectation.points))} points")
    if expectation.vetoed is not None:
        parts.append("vetoed" if expectation.vetoed else "not vetoed")
    return ", ".join(parts) or "—"


def _actual(finding: FindingOut) -> str:
    points = finding.deducted if finding.kind == "penalty" else finding.earned
    text = finding.outcome + _amount(finding.kind, points)
    if finding.kind == "veto":
        text += ", vetoed" if finding.vetoed else ", not vetoed"
    return text


def _rule_block(rule_id: str, result: CaseResult, mismatches: list[Mismatch]) -> list[str]:
    findings = {f.rule: f for f in result.result.findings} if result.result else {}
    finding = findings.get(rule_id)
    expected = (result.case.expect.get(rule_id) if result.case else None)
    title = f" {finding.title.zh}" if finding is not None else ""
    lines = [f"  ✗ {rule_id}{title}"]
    if finding is None:
        lines.append("      the pack has no such rule")
        return lines
    lines.append(f"      expected  {_expected(expected) if expected is not None else '—'}")
    lines.append(f"      actual    {_actual(finding)}")
    for mismatch in mismatches:
        if "[" in mismatch.subject:
            label = mismatch.subject[mismatch.subject.index("[") + 1:-1]
            lines.append(f"      element   {label}: expected {mismatch.expected}, got {mismatch.actual or 'nothing'}")
    if finding.values:
        first = True
        for name, value in finding.values.items():
            lines.append(f"      {'read' if first else '':8}  {name} = {_value(value)}")
            first = False
    if finding.missing_inputs:
        lines.append(f"      missing   {', '.join(finding.missing_inputs)}")
    if finding.unset_params:
        lines.append(f"      not set   {', '.join('params.' + p for p in finding.unset_params)}")
    return lines


def failure_text(result: CaseResult) -> str:
    head = f"{result.file}:{result.line}: case '{result.name}' [{result.backend}]"
    if result.ok:
        return head + " passed"
    lines = [head + " FAILED"]
    lines += ["  " + d.format().replace("\n", "\n  ") for d in result.errors]
    by_rule: dict[str, list[Mismatch]] = {}
    totals = []
    for mismatch in result.mismatches:
        if mismatch.subject in ("total", "grade", "vetoes"):
            totals.append(mismatch)
        else:
            by_rule.setdefault(mismatch.subject.split("[", 1)[0], []).append(mismatch)
    for rule_id, mismatches in by_rule.items():
        lines += _rule_block(rule_id, result, mismatches)
    for mismatch in totals:
        lines.append(f"  ✗ {mismatch.subject}: expected {_value(mismatch.expected)}, got {_value(mismatch.actual)}")
    if result.result is not None and totals:
        lines += _points_by_rule(result.result)
    elif result.result is not None and by_rule:
        lines.append(f"  (total {_value(result.result.total)}, grade {result.result.grade.id})")
    return "\n".join(lines)


def _points_by_rule(result: PackResult) -> list[str]:
    """Where the total comes from: every rule that did not earn its full points, deducted or vetoed."""
    rows = []
    for finding in result.findings:
        if finding.kind in ("item", "bonus"):
            if finding.outcome == "met" and (finding.points is None or finding.earned == finding.points) \
                    and finding.kind == "item":
                continue
            if finding.kind == "bonus" and not finding.earned:
                continue
            rows.append(f"    {finding.rule}  {finding.outcome}  {_value(finding.earned)} / {_value(finding.points)}")
        elif finding.kind == "penalty" and finding.deducted:
            rows.append(f"    {finding.rule}  {finding.outcome}  −{_value(finding.deducted)}")
        elif finding.kind == "veto" and finding.vetoed:
            rows.append(f"    {finding.rule}  vetoed ({finding.severity})")
    head = f"  total {_value(result.total)}, grade {result.grade.id}; rules below full points, bonus and deductions:"
    return [head] + (rows or ["    (none)"])


def summary_text(results: list[CaseResult], note: str | None = None) -> str:
    failed = [r for r in results if not r.ok]
    backends = sorted({r.backend for r in results})
    cases = len({(r.file, r.line) for r in results})
    text = (f"{cases} case(s) on {', '.join(backends) or 'no backend'}: "
            f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return (f"note: {note}\n" if note else "") + text


def results_json(results: list[CaseResult]) -> list[dict[str, Any]]:
    out = []
    for result in results:
        out.append({
            "file": result.file, "line": result.line, "case": result.name, "backend": result.backend,
            "ok": result.ok,
            "errors": [d.to_dict() for d in result.errors],
            "mismatches": [{"subject": m.subject, "field": m.field, "expected": _plain(m.expected),
                            "actual": _plain(m.actual)} for m in result.mismatches],
        })
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)
