"""SARIF 2.1.0 (`--format sarif`): unmet rules as results located in the profile, for code-scanning viewers.

One run per rule pack. A result for each rule not met, partly met or lacking
data, each veto that applied and each deduction made, located at the profile
value the rule read (or, when the value is absent, at its nearest existing
parent key), with the other values it read as related locations. The rules
carry their help text (title, standard, scoring method, evidence) and their
citations. Columns count Unicode code points (`columnKind`), as the engine's
positions do.

Review: a waived rule that would have been a result is still one, at the
level its outcome before the waiver had, with a `suppressions` entry (kind
`external`, status `accepted`, the justification, located where the waiver
is written); an expired waiver waives nothing, so suppresses nothing. A
result whose rule a reviewer adjusted carries the audit trail in its message
and its `adjustments` property. With a baseline, each result has its
`baselineState` (new, updated or unchanged), and the run's properties hold
the comparison, the waivers and the adjustments.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from engine.report.formats.chars import shown_all
from engine.report.formats.review_text import adjustment_note, pack_comparison, waiver_note
from engine.report.formats.sheet import summary
from engine.report.formats.text import grade_text
from engine.report.labels import OUTCOMES, label, pick
from engine.report.model import FindingOut, PackComparison, PackResult, ProfileLocation, Report, WaiverOut
from engine.version import __version__

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "community-assess"

Json = dict[str, Any]  # a SARIF object, as json.dumps writes it

WORDS = {
    "standard": ("标准及要求", "Standard and requirements"),
    "method": ("评分办法", "Scoring method"),
    "evidence": ("佐证材料", "Evidence"),
    "missing_at": ("缺少：{name}", "missing: {name}"),
    "read_at": ("读取：{name}", "read: {name}"),
    "parent_of": ("缺少：{name}（应写在此处）", "missing: {name} (belongs here)"),
}


def render_sarif(report: Report, lang: str = "zh") -> str:
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(report, result, lang) for result in report.results]}
    # texts as the XML formats show them: a control character or noncharacter is U+FFFD (formats/chars.py)
    return json.dumps(shown_all(log), ensure_ascii=False, indent=2) + "\n"


def level(finding: FindingOut) -> str | None:
    """The SARIF level of a finding, or None when it is no result (met, not applicable, not assessed, waived)."""
    return level_of(finding.kind, finding.outcome)


def level_of(kind: str, outcome: str) -> str | None:
    """The SARIF level of a rule of this kind with this outcome, or None when that is no result."""
    if outcome == "missing_data":
        return "note" if kind == "bonus" else "warning"
    if kind == "bonus":
        return None  # an unearned bonus is not a problem
    if kind == "check":  # worth no points: what it says is a warning for the rules and grades that read it
        return "warning" if outcome in ("not_met", "partly_met") else None
    if outcome == "not_met":
        return "warning" if kind == "penalty" else "error"
    if outcome == "partly_met":
        return "warning"
    return None


def uri(path: str) -> str:
    """A profile path as a URI reference: relative paths stay relative (to the repository root), percent-encoded."""
    if PureWindowsPath(path).drive or path.startswith("/"):
        pure = PureWindowsPath(path) if PureWindowsPath(path).drive else PurePosixPath(path)
        return pure.as_uri()
    return quote(path.replace("\\", "/"), safe="/")


def _run(report: Report, result: PackResult, lang: str) -> Json:
    findings = result.findings
    index = {f.rule: i for i, f in enumerate(findings)}
    titles = {m.path: m.title.get(lang) for m in result.missing_inputs if m.title is not None}
    recs = {r.rule: r.text.get(lang) for r in result.recommendations}
    waivers = {w.rule: w for w in result.waivers}
    comparison = pack_comparison(report.baseline, result.pack.id)
    results = []
    for finding in findings:
        waiver = waivers.get(finding.rule) if finding.outcome == "waived" else None
        found = level_of(finding.kind, waiver.outcome) if waiver is not None else level(finding)
        if found is not None:
            out = _result(report, result, finding, found, index[finding.rule], lang, titles, recs)
            if waiver is not None:
                _suppress(out, finding, waiver, lang)
            _audit(out, result, finding, lang)
            if comparison is not None:
                out["baselineState"] = _baseline_state(finding, comparison)
            results.append(out)
    properties: Json = {
        "profile": report.profile.model_dump(exclude_none=True),
        "pack": {"id": result.pack.id, "version": result.pack.version, "edition": result.pack.edition.model_dump(),
                 "title": result.pack.title.get(lang)},
        "backend": report.engine.backend,
        "total": result.total, "maxTotal": result.max_total,
        "grade": result.grade.id, "gradeTitle": grade_text(result, lang),
        "coverage": result.coverage, "awardsBarred": result.awards_barred,
        "vetoes": [v.rule for v in result.vetoes],
    }
    if result.waivers:
        properties["waivers"] = [w.model_dump() for w in result.waivers]
    if result.adjustments:
        properties["adjustments"] = [a.model_dump() for a in result.adjustments]
    if report.baseline is not None:  # notes too when the baseline has no result of this pack
        properties["baseline"] = {"file": report.baseline.file, "profile": report.baseline.profile,
                                  "notes": [n.get(lang) for n in report.baseline.notes],
                                  **(comparison.model_dump(exclude_none=True) if comparison is not None else {})}
    return {
        "tool": {"driver": {"name": TOOL, "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(f, lang) for f in findings]}},
        "automationDetails": {"id": f"{TOOL}/{result.pack.id}/"},
        "language": "en-US" if lang == "en" else "zh-CN",
        "columnKind": "unicodeCodePoints",
        "artifacts": [{"location": {"uri": uri(report.profile.file)}, "roles": ["analysisTarget"]}],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning" if w.severity == "warning" else "note", "message": {"text": w.message},
             "descriptor": {"id": w.code},
             "locations": [_location(w.file, w.line, w.col)]} for w in report.warnings]}],
        "results": results,
        "properties": properties,
    }


def _suppress(out: Json, f: FindingOut, waiver: WaiverOut, lang: str) -> None:
    """A waived rule's result: its outcome before the waiver, and the waiver as an accepted external suppression."""
    was = pick(OUTCOMES, waiver.outcome, lang)
    out["message"]["text"] = (f"[{was} → {pick(OUTCOMES, 'waived', lang)}] {f.title.get(lang)}{_sep(lang)}"
                              f"{waiver_note(waiver, lang, prefix=False)}")
    out["properties"]["outcomeBeforeWaiver"] = waiver.outcome
    file, line, col = _position(waiver.source)
    out["suppressions"] = [{
        "kind": "external", "status": "accepted", "justification": waiver.justification,
        "location": _location(file, line, col),
        "properties": {"approver": waiver.approver, "expires": waiver.expires, "source": waiver.source},
    }]


def _audit(out: Json, result: PackResult, f: FindingOut, lang: str) -> None:
    """The adjustments of the result's rule: in its message and, in full, in its properties."""
    steps = [a for a in result.adjustments if a.rule == f.rule]
    if not steps:
        return
    joiner = "；" if lang == "zh" else "; "
    out["message"]["text"] += joiner + joiner.join(adjustment_note(step, lang) for step in steps)
    out["properties"]["adjustments"] = [step.model_dump() for step in steps]


def _baseline_state(f: FindingOut, comparison: PackComparison) -> str:
    """new: no result in the baseline; updated: a result there too, with another outcome or score; unchanged."""
    delta = next((r for r in comparison.rules if r.rule == f.rule), None)
    if delta is None:
        return "unchanged"  # same outcome and points as in the baseline
    if delta.before is None or level_of(f.kind, delta.before) is None:
        return "new"
    return "updated"


def _position(at: str) -> tuple[str, int, int]:
    """'file:line:col' (the file may hold colons, e.g. a Windows drive) → its parts."""
    file, line, col = at.rsplit(":", 2)
    try:
        return file, int(line), int(col)
    except ValueError:
        return at, 1, 1


def _rule(f: FindingOut, lang: str) -> Json:
    help_lines = [f.title.get(lang)]
    for key, value in (("standard", f.description), ("method", f.method)):
        if value is not None:
            help_lines.append(f"{pick(WORDS, key, lang)}{_sep(lang)}{value.get(lang)}")
    if f.evidence:
        help_lines.append(f"{pick(WORDS, 'evidence', lang)}{_sep(lang)}" +
                          ("；" if lang == "zh" else "; ").join(e.get(lang) for e in f.evidence))
    for cite in f.citations:
        help_lines.append(f"{label('basis', lang)}{_sep(lang)}{cite.title.get(lang)}「{cite.quote}」")
    rule: Json = {
        "id": f.rule,
        "shortDescription": {"text": f.title.get(lang)},
        "fullDescription": {"text": (f.description or f.title).get(lang)},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": "warning" if f.kind in ("penalty", "bonus") else "error"},
        "properties": {
            "kind": f.kind,
            "tags": [t for t in ("community-assess", f.kind, f.dimension) if t],
            "citations": [c.model_dump(exclude_none=True) for c in f.citations],
        },
    }
    if f.dimension:
        rule["properties"]["dimension"] = f.dimension
    if f.points is not None:
        rule["properties"]["points"] = f.points
    if f.severity:
        rule["properties"]["severity"] = f.severity
    if f.location is not None:
        rule["properties"]["definedAt"] = f"{f.location.file}:{f.location.line}:{f.location.col}"
    return rule


def _result(report: Report, result: PackResult, f: FindingOut, found: str, index: int, lang: str,
            titles: dict[str, str], recs: dict[str, str]) -> Json:
    locations = [_profile_location(f, loc, lang, i) for i, loc in enumerate(f.profile_locations)]
    primary = locations[0] if locations else _location(report.profile.file, 1, 1)
    primary = {k: v for k, v in primary.items() if k != "id"}
    out = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "kind": "fail",
        "level": found,
        "message": {"text": summary(f, lang, titles, recs)},
        "locations": [primary],
        "partialFingerprints": {"communityAssessFinding/v1": _fingerprint(report, result, f)},
        "properties": _properties(f),
    }
    if len(locations) > 1:
        out["relatedLocations"] = locations[1:]
    return out


def _properties(f: FindingOut) -> Json:
    props: Json = {"outcome": f.outcome, "kind": f.kind}
    for key, value in (("dimension", f.dimension), ("points", f.points), ("earned", f.earned),
                       ("deducted", f.deducted), ("recoverable", f.recoverable), ("occurrences", f.occurrences)):
        if value is not None:
            props[key] = value
    props["recoverable"] = f.recoverable or 0
    if f.missing_inputs:
        props["missingInputs"] = f.missing_inputs
    failed = [s.label for s in f.subjects if s.outcome in ("not_met", "missing_data")]
    if failed:
        props["subjects"] = failed
    return props


def _profile_location(f: FindingOut, loc: ProfileLocation, lang: str, index: int) -> Json:
    missing = loc.subject is not None or loc.input in f.missing_inputs
    key = "parent_of" if not loc.present else ("missing_at" if missing else "read_at")
    name = loc.input if loc.subject is None else f"{loc.input} #{loc.subject + 1}"
    out = _location(loc.file, loc.line, loc.col, loc.end_line, loc.end_col)
    out["id"] = index
    out["message"] = {"text": pick(WORDS, key, lang).format(name=name)}
    return out


def _location(file: str, line: int, col: int, end_line: int | None = None, end_col: int | None = None) -> Json:
    region: Json = {"startLine": max(1, line), "startColumn": max(1, col)}
    if end_line is not None and end_col is not None and (end_line, end_col) > (line, col):
        region["endLine"], region["endColumn"] = end_line, end_col
    return {"physicalLocation": {"artifactLocation": {"uri": uri(file)}, "region": region}}


def _fingerprint(report: Report, result: PackResult, f: FindingOut) -> str:
    """Stable across edits of the profile (no line numbers): the same rule on the same profile."""
    key = "\0".join((report.profile.id or report.profile.file, result.pack.id, f.rule))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "
