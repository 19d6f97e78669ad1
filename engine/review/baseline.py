"""Baselines: a report compared with an earlier one of the same community (同比).

A baseline is a saved JSON report (`--format json`), a batch summary
(`--summary-format json`, whose rows keep every rule's outcome and points),
or a directory of either. Each is reduced to a compact `Record` per profile;
in a batch, a profile finds its record by profile id (then by file name
without extension). The comparison gives per-dimension and per-rule deltas,
the findings that are new or cleared, vetoes new or cleared and the grade
change. A *regression* is a lower total, a lower grade or a new veto.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ERROR, WARNING, Diagnostic, InputError
from engine.expr.values import engine_arithmetic
from engine.report import model as M
from engine.source.encodings import undecodable_position
from engine.source.load import read_file

PROBLEMS = {"item": ("not_met", "partly_met", "missing_data"), "penalty": ("not_met",), "veto": ("not_met",),
            "bonus": ()}


@dataclass
class PackState:
    version: str
    total: float
    grade: str
    grade_title: dict[str, str] | None  # the grade's title as the report wrote it: {'zh': …, 'en': …}
    grade_index: int
    dimensions: dict[str, float | None]
    rules: dict[str, tuple[str, str, float | None]]  # id -> (kind, outcome, points)
    vetoes: list[str]


@dataclass
class Record:
    file: str
    profile_id: str | None
    stem: str
    period_start: str | None = None
    period_end: str | None = None
    packs: dict[str, PackState] = field(default_factory=dict)


def rule_points(kind: str, earned: float | None, deducted: float | None) -> float | None:
    """What a rule adds to the score sheet: earned (items, bonus), −deducted (deductions), nothing (vetoes)."""
    if kind == "penalty":
        return -(deducted or 0.0)
    if kind == "veto":
        return None
    return earned


def record_of_report(data: dict[str, Any], file: str) -> Record:
    """A record from a report as JSON data (a dict; KeyError/TypeError if it is not a report)."""
    profile = data["profile"]
    record = Record(file, profile.get("id"), Path(profile["file"]).stem, profile.get("period_start"),
                    profile.get("period_end"))
    for result in data["results"]:
        grade = result["grade"]
        record.packs[result["pack"]["id"]] = PackState(
            version=result["pack"]["version"], total=result["total"], grade=grade["id"], grade_title=grade["title"],
            grade_index=grade["index"],
            dimensions={d["id"]: (d["score"] if d["counted"] else None) for d in result["dimensions"]},
            rules={f["rule"]: (f["kind"], f["outcome"], rule_points(f["kind"], f.get("earned"), f.get("deducted")))
                   for f in result["findings"]},
            vetoes=[v["rule"] for v in result["vetoes"]])
    return record


def records_of_summary(data: dict[str, Any], file: str) -> list[Record]:
    by_file: dict[str, Record] = {}
    for group in data["groups"]:
        for row in group["rows"]:
            record = by_file.setdefault(row["file"], Record(file, row.get("profile_id"), Path(row["file"]).stem,
                                                            row.get("period_start"), row.get("period_end")))
            grade = row.get("computed_grade") or row["grade"]  # as assessed, before any quota
            titles = {g["id"]: g["title"] for g in group["grades"]}
            index = [g["id"] for g in group["grades"]].index(grade)
            record.packs[group["pack"]] = PackState(
                version=row["pack_version"], total=row["total"], grade=grade, grade_title=titles.get(grade),
                grade_index=index, dimensions={d["id"]: d.get("score") for d in row["dimensions"]},
                rules={rule: tuple(state) for rule, state in row.get("rules", {}).items()},
                vetoes=[v["rule"] for v in row["vetoes"]])
    return list(by_file.values())


def _records_of_file(path: Path, shown: str) -> list[Record]:
    try:
        text = read_file(path, shown).decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError([Diagnostic(shown, *undecodable_position(exc), ERROR, "encoding",
                                     "a baseline is a UTF-8 JSON file")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Diagnostic(shown, exc.lineno, exc.colno, ERROR, "json", f"invalid JSON: {exc.msg}")]) \
            from None
    try:
        if isinstance(data, dict) and data.get("kind") == "summary":
            return records_of_summary(data, shown)
        return [record_of_report(data, shown)]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        raise InputError([Diagnostic(shown, 1, 1, ERROR, "not-a-baseline",
                                     "not an assessment report or batch summary written by this engine",
                                     hint="write one with: assess PROFILE --format json -o FILE, or "
                                          "assess DIR --summary-format json -o FILE")]) from None


class Baseline:
    """Records by profile id and by file name; `single` is set when one report was given explicitly."""

    def __init__(self, records: Iterable[Record], source: str, warnings: list[Diagnostic] | None = None):
        self.records = list(records)
        self.source = source
        self.warnings = warnings or []
        self.by_id = {r.profile_id: r for r in self.records if r.profile_id}
        self.by_stem = {r.stem: r for r in self.records}

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        path = Path(path)
        shown = str(path)
        if not path.exists():
            raise InputError([Diagnostic(shown, 0, 0, ERROR, "file-not-found", "baseline not found")])
        if not path.is_dir():  # a file; anything else is refused by name (a FIFO is never waited on)
            return cls(_records_of_file(path, shown), shown)
        records, warnings = [], []
        for file in sorted(path.rglob("*.json")):
            try:
                records += _records_of_file(file, str(file))
            except InputError as exc:  # other JSON in the directory (SARIF, …) is not a baseline
                warnings += [Diagnostic(d.file, d.line, d.col, WARNING, d.code, d.message + "; skipped")
                             for d in exc.diagnostics]
        if not records:
            raise InputError(warnings + [Diagnostic(shown, 0, 0, ERROR, "no-baseline",
                                                    "no JSON report or summary in the baseline directory")])
        return cls(records, shown, warnings)

    def only(self) -> Record | None:
        """The record of a baseline that is one report file (compared with whatever its profile id)."""
        return self.records[0] if len(self.records) == 1 and Path(self.source).is_file() else None

    def find(self, report: M.Report) -> Record | None:
        """The record of the same profile: by profile id, or by file name when the profile has no id."""
        if report.profile.id:
            return self.by_id.get(report.profile.id)
        return self.by_stem.get(Path(report.profile.file).stem)


# -- the comparison --------------------------------------------------------------------

def _delta(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return round(after - before, 6)


def _problems(rules: dict[str, Any]) -> set[str]:
    return {rule for rule, (kind, outcome, _) in rules.items() if outcome in PROBLEMS.get(kind, ())}


@engine_arithmetic
def compare(report: M.Report, record: Record) -> M.Comparison:
    notes = []
    if record.profile_id and report.profile.id and record.profile_id != report.profile.id:
        notes.append(M.Text(zh=f"基线是另一档案（{record.profile_id}）的报告。",
                            en=f"The baseline is the report of another profile ({record.profile_id})."))
    packs = []
    for result in report.results:
        state = record.packs.get(result.pack.id)
        if state is None:
            notes.append(M.Text(zh=f"基线中没有考核细则 {result.pack.id} 的结果。",
                                en=f"The baseline has no result of pack {result.pack.id}."))
            continue
        if state.version != result.pack.version:
            notes.append(M.Text(
                zh=f"考核细则 {result.pack.id} 的版本不同（{state.version} → {result.pack.version}）："
                   f"差异可能来自细则而非社区。",
                en=f"Pack {result.pack.id} changed version ({state.version} → {result.pack.version}): differences "
                   f"may come from the standard, not the community."))
        packs.append(compare_pack(result, state))
    return M.Comparison(file=record.file, profile=record.profile_id, period_start=record.period_start,
                        period_end=record.period_end, packs=packs, notes=notes,
                        regression=any(p.regression for p in packs))


def compare_pack(result: M.PackResult, state: PackState) -> M.PackComparison:
    titles = {f.rule: f.title for f in result.findings}
    now = {f.rule: (f.kind, f.outcome, rule_points(f.kind, f.earned, f.deducted)) for f in result.findings}
    rules = []
    for rule in list(now) + [r for r in state.rules if r not in now]:
        after = now.get(rule)
        before = state.rules.get(rule)
        if after is not None and before is not None and after[1:] == tuple(before[1:]):
            continue
        rules.append(M.RuleDelta(rule=rule, title=titles.get(rule), before=before[1] if before else None,
                                 after=after[1] if after else None, points_before=before[2] if before else None,
                                 points_after=after[2] if after else None,
                                 delta=_delta(after[2] if after else None, before[2] if before else None)))
    dims = [M.DimensionDelta(id=d.id, title=d.title, before=state.dimensions.get(d.id),
                             after=d.score if d.counted else None,
                             delta=_delta(d.score if d.counted else None, state.dimensions.get(d.id)))
            for d in result.dimensions]
    vetoes_now = [v.rule for v in result.vetoes]
    new_vetoes = [v for v in vetoes_now if v not in state.vetoes]
    change = "same" if result.grade.index == state.grade_index else (
        "up" if result.grade.index < state.grade_index else "down")
    problems_now, problems_before = _problems(now), _problems(state.rules)
    order = list(now) + list(state.rules)
    return M.PackComparison(
        pack=result.pack.id, version_before=state.version, version_after=result.pack.version,
        total_before=state.total, total_after=result.total, delta=round(result.total - state.total, 6),
        grade_before=state.grade, grade_before_title=M.Text(**state.grade_title) if state.grade_title else None,
        grade_after=result.grade.id, grade_after_title=result.grade.title, grade_change=change,
        dimensions=dims, rules=rules,
        new_findings=sorted(problems_now - problems_before, key=order.index),
        cleared_findings=sorted(problems_before - problems_now, key=order.index),
        new_vetoes=new_vetoes, cleared_vetoes=[v for v in state.vetoes if v not in vetoes_now],
        regression=result.total < state.total or change == "down" or bool(new_vetoes))
