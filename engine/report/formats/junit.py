"""JUnit XML (`--format junit`): a test case per rule, for CI test-report views.

A test suite per rule pack. A rule not met, partly met or lacking data, a
veto that applied and a deduction made are failures; a rule that does not
apply, that is not assessed (a parameter is not set) or that is waived is
skipped; a bonus not earned passes (it is no fault). Each failure names the
profile position of the value the rule read, as `file:line:col`.

Review: a waived rule's skip message gives the waiver (justification,
approver, expiry) and its text where the waiver is written; a rule a reviewer
adjusted has the audit trail of each adjustment in its failure text, or in
its `system-out` when it passes. With a baseline, the suite's properties and
output give the comparison: totals, grades, findings new and cleared, and the
comparison's notes (another profile, another pack version, no result there).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from engine.report.formats.chars import shown
from engine.report.formats.review_text import adjustment_note, pack_comparison, waiver_note
from engine.report.formats.sheet import summary
from engine.report.formats.text import grade_text, outcome_word, value_titles
from engine.report.labels import GRADE_CHANGE, OUTCOMES, label, pick
from engine.report.model import FindingOut, PackComparison, PackResult, Report, WaiverOut
from engine.report.numbers import num, pct, signed

SKIPPED = ("not_applicable", "not_assessed", "waived")

WORDS = {
    "at": ("位置", "at"),
    "suite": ("考核评估", "assessment"),
}


def verdict(f: FindingOut) -> str:
    """'failure', 'skipped' or 'passed'."""
    if f.outcome in SKIPPED:
        return "skipped"
    if f.kind == "bonus":
        return "skipped" if f.outcome == "missing_data" else "passed"
    if f.outcome in ("not_met", "partly_met", "missing_data"):
        return "failure"
    return "passed"


def render_junit(report: Report, lang: str = "zh") -> str:
    name = report.profile.name or report.profile.id or report.profile.file
    root = ET.Element("testsuites", name=_x(f"{pick(WORDS, 'suite', lang)}: {name}"))
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for result in report.results:
        suite = _suite(report, result, lang)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    # shown() again over the whole: no text that missed _x can make the file invalid
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + shown(ET.tostring(root, encoding="unicode")) + "\n"


def _suite(report: Report, result: PackResult, lang: str) -> ET.Element:
    """A pack's test suite: its properties, a test case per rule, and a summary line as its output."""
    pack = result.pack
    suite = ET.Element("testsuite", name=_x(f"{pack.id} {pack.version}"))
    comparison = pack_comparison(report.baseline, pack.id)
    # e.g. the baseline has no result of this pack: said, not left to be guessed
    notes = [note.get(lang) for note in report.baseline.notes] if report.baseline is not None else []
    _properties(ET.SubElement(suite, "properties"), report, result, comparison, notes, lang)
    texts = _CaseTexts.of(result, lang)
    counts = {"failure": 0, "skipped": 0, "passed": 0}
    for f in result.findings:
        counts[_case(suite, report, result, f, texts, lang)] += 1
    suite.set("tests", str(len(result.findings)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", "0")
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", "0")
    ET.SubElement(suite, "system-out").text = _x(_summary_line(result, comparison, notes, lang))
    return suite


def _properties(props: ET.Element, report: Report, result: PackResult, comparison: PackComparison | None,
                notes: list[str], lang: str) -> None:
    pack = result.pack
    for key, value in (("profile", report.profile.file), ("pack", pack.title.get(lang)),
                       ("total", num(result.total)), ("max_total", num(result.max_total)),
                       ("grade", grade_text(result, lang)), ("coverage", pct(result.coverage)),
                       ("vetoes", ", ".join(v.rule for v in result.vetoes)), ("backend", report.engine.backend)):
        ET.SubElement(props, "property", name=key, value=_x(value))
    if report.baseline is not None and comparison is not None:
        for key, value in _baseline_properties(report.baseline.file, comparison, lang):
            ET.SubElement(props, "property", name=key, value=_x(value))
    for note in notes:
        ET.SubElement(props, "property", name="baseline_note", value=_x(note))


@dataclass(frozen=True)
class _CaseTexts:
    """What the test cases' messages draw on: input titles, recommendations, waivers, each rule's audit trail."""

    titles: dict[str, str]
    recs: dict[str, str]
    waivers: dict[str, WaiverOut]
    audits: dict[str, list[str]]

    @classmethod
    def of(cls, result: PackResult, lang: str) -> _CaseTexts:
        audits: dict[str, list[str]] = {}
        for step in result.adjustments:
            audits.setdefault(step.rule, []).append(f"{adjustment_note(step, lang)} — {step.source}")
        return cls(titles=value_titles(result, lang),
                   recs={r.rule: r.text.get(lang) for r in result.recommendations},
                   waivers={w.rule: w for w in result.waivers}, audits=audits)


def _case(suite: ET.Element, report: Report, result: PackResult, f: FindingOut, texts: _CaseTexts,
          lang: str) -> str:
    """A rule's test case: a failure, skipped (with the waiver when it is waived) or passed; its verdict."""
    case = ET.SubElement(suite, "testcase", name=_x(f"{f.rule} {f.title.get(lang)}"),
                         classname=_x(f"{result.pack.id}.{f.dimension or f.kind}"), time="0",
                         file=_x(report.profile.file))
    kind = verdict(f)
    audit = texts.audits.get(f.rule, [])
    if kind == "failure":
        message = summary(f, lang, texts.titles, texts.recs)
        failure = ET.SubElement(case, "failure", type=f.outcome, message=_x(message))
        failure.text = _x("\n".join(part for part in (_details(f, lang), *audit) if part))
    elif kind == "skipped" and f.rule in texts.waivers:
        waiver = texts.waivers[f.rule]
        skipped = ET.SubElement(case, "skipped", message=_x(f"{outcome_word(f, lang)}{_sep(lang)}"
                                                            f"{waiver_note(waiver, lang, prefix=False)}"))
        skipped.text = _x(f"{pick(OUTCOMES, waiver.outcome, lang)} → {outcome_word(f, lang)} — {waiver.source}")
    elif kind == "skipped":
        ET.SubElement(case, "skipped", message=_x(outcome_word(f, lang)))
    if audit and kind != "failure":  # a failure gives it in its text
        ET.SubElement(case, "system-out").text = _x("\n".join(audit))
    return kind


def _summary_line(result: PackResult, comparison: PackComparison | None, notes: list[str], lang: str) -> str:
    line = (f"{label('total', lang)} {num(result.total)} / {num(result.max_total)}  "
            f"{label('grade', lang)} {grade_text(result, lang)}")
    if comparison is not None:
        line += (f"\n{label('baseline', lang)}{_sep(lang)}{label('total', lang)} "
                 f"{num(comparison.total_before)} → {num(comparison.total_after)} ({signed(comparison.delta)})"
                 + (f"  [{label('regression', lang)}]" if comparison.regression else ""))
    return line + "".join(f"\n{note}" for note in notes)


def _baseline_properties(file: str, pack: PackComparison, lang: str) -> list[tuple[str, str]]:
    before = pack.grade_before_title.get(lang) if pack.grade_before_title else pack.grade_before
    after = pack.grade_after_title.get(lang) if pack.grade_after_title else pack.grade_after
    return [("baseline", file), ("baseline_total", num(pack.total_before)), ("total_change", signed(pack.delta)),
            ("baseline_grade", before),
            ("grade_change", f"{before} → {after} ({pick(GRADE_CHANGE, pack.grade_change, lang)})"),
            ("regression", "true" if pack.regression else "false"),
            ("new_findings", ", ".join(pack.new_findings)), ("cleared_findings", ", ".join(pack.cleared_findings)),
            ("new_vetoes", ", ".join(pack.new_vetoes)), ("cleared_vetoes", ", ".join(pack.cleared_vetoes)),
            ("changed_rules", ", ".join(f"{r.rule} {signed(r.delta)}" for r in pack.rules))]


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _details(f: FindingOut, lang: str) -> str:
    lines = []
    for loc in f.profile_locations:
        which = loc.input if loc.subject is None else f"{loc.input} #{loc.subject + 1}"
        lines.append(f"{loc.file}:{loc.line}:{loc.col}: {which}")
    for cite in f.citations:
        lines.append(f"{label('basis', lang)}: {cite.title.get(lang)}「{cite.quote}」")
    return "\n".join(lines)


def _x(text: str) -> str:
    return shown(text)  # a character XML 1.0 cannot hold becomes U+FFFD (formats/chars.py)
