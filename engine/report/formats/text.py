"""The text report: what a reviewer reads in a terminal, in Chinese or English."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.report.formats.review_text import comparison_block, finding_notes, review_block
from engine.report.labels import (
    BLOCKED,
    BONUS_OUTCOMES,
    DEMOTION,
    GRADE_BASIS,
    NA_POLICY,
    OUTCOMES,
    PENALTY_OUTCOMES,
    VETO_OUTCOMES,
    label,
    pick,
    veto_terms,
    veto_words,
)
from engine.report.model import (
    ClauseOut,
    Column,
    Demotion,
    DimensionOut,
    FindingOut,
    MissingInputOut,
    NextGradeOut,
    PackInclude,
    PackResult,
    Report,
    TableOut,
    VetoOut,
)
from engine.report.numbers import num, pct
from engine.report.table import render_table


def outcome_word(finding: FindingOut, lang: str) -> str:
    if finding.kind == "veto" and finding.outcome in VETO_OUTCOMES:
        return pick(VETO_OUTCOMES, finding.outcome, lang)
    if finding.kind == "penalty" and finding.outcome in PENALTY_OUTCOMES:
        return pick(PENALTY_OUTCOMES, finding.outcome, lang)
    if finding.kind == "bonus" and finding.outcome in BONUS_OUTCOMES:
        return pick(BONUS_OUTCOMES, finding.outcome, lang)
    return pick(OUTCOMES, finding.outcome, lang)


def render_text(report: Report, lang: str = "zh") -> str:
    blocks = [_header(report, lang)]
    for result in report.results:
        blocks.append(_pack(result, lang))
    if report.baseline is not None:
        blocks.append(comparison_block(report.baseline, lang))
    if report.warnings:
        lines = [f"{label('warnings', lang)}:"]
        lines += [f"  {w.file}:{w.line}:{w.col}: {w.severity}[{w.code}]: {w.message}" for w in report.warnings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks).rstrip() + "\n"


def _header(report: Report, lang: str) -> str:
    profile = report.profile
    name = profile.name or profile.id or profile.file
    lines = [f"{label('report', lang)}：{name}" if lang == "zh" else f"{label('report', lang)}: {name}"]
    details = [profile.file]
    if profile.period_start:
        details.append(f"{label('period', lang)} {profile.period_start} {label('to', lang)} {profile.period_end}")
    details.append(f"{label('backend', lang)} {report.engine.backend}")
    lines.append("  ".join(details))
    return "\n".join(lines)


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _pack(result: PackResult, lang: str) -> str:
    """A pack's result: its sections one below the other, a blank line between them."""
    sections = [_pack_heading(result, lang), _dimensions(result, lang), _findings(result, lang),
                review_block(result, lang)]
    sections += [_person_table(table, lang) for table in result.tables]
    sections.append(_recommendations(result, lang))
    if result.next_grade is not None:
        sections.append(next_grade_text(result.next_grade, result, lang))
    sections += [_missing_inputs(result, lang), _not_assessed(result, lang), _parameter_rows(result, lang)]
    return "\n\n".join(section for section in sections if section)


def _parameter_rows(result: PackResult, lang: str) -> str:
    """The parameters that depend on the profile (format 2) and the row of each that applied; '' without any."""
    lines = parameter_lines(result, lang)
    if not lines:
        return ""
    heading = label("parameters_by_profile", lang) + ("：" if lang == "zh" else ":")
    return "\n".join([heading] + [f"  - {line}" for line in lines])


def parameter_lines(result: PackResult, lang: str) -> list[str]:
    """Each parameter that depends on the profile, with the row that applied: every format shows these."""
    zh = lang == "zh"
    out = []
    for param in (p for p in result.parameters if p.source == "table"):
        by = param.by_title.get(lang) if param.by_title else param.by
        if param.row is None:
            out.append(f"{param.title.get(lang)} — " + (f"{by}未填，无法取值" if zh else f"{by} not given"))
            continue
        value = (pct(param.value) if param.format == "percent" else num(param.value)) if param.value is not None \
            else ("依据未给出数值，相关项目未评定" if zh else "no value in the sources; not assessed")
        row = param.row.get(lang)
        out.append(f"{param.title.get(lang)} — " + (f"按{by}「{row}」：{value}" if zh else f"{by} {row}: {value}"))
    return out


def _pack_heading(result: PackResult, lang: str) -> str:
    """The pack, the total and the grade, and what lowered the grade: demotions and vetoes."""
    pack = result.pack
    made_of = " ← ".join(f"{layer.id} {layer.version}" for layer in reversed(pack.layers)) \
        if len(pack.layers) > 1 else f"{pack.id} {pack.version}"
    out = [f"== {pack.title.get(lang)} ({made_of}, {label('edition', lang)} {pack.edition.get(lang)}) =="]
    out += [included_text(block, lang) for block in pack.includes]
    if pack.defaults_note:
        out.append(f"{label('defaults_note', lang)}{_sep(lang)}{pack.defaults_note.get(lang)}")
    out.append(f"{label('total', lang)} {num(result.total)} / {num(result.max_total)}{_total_parts(result, lang)}    "
               f"{label('grade', lang)}{_sep(lang)}{grade_text(result, lang)}    "
               f"{label('coverage', lang)} {pct(result.coverage)}")
    out += [f"  {label('demoted', lang)}{_sep(lang)}{line}" for line in demotion_lines(result, lang)]
    for veto in result.vetoes:
        who = f" ({', '.join(veto.subjects)})" if veto.subjects else ""
        out.append(f"  {label('veto', lang)}{_sep(lang)}[{veto.rule}] {veto.title.get(lang)}{who} — "
                   f"{veto_text(veto, lang)}")
    if result.awards_barred and not result.vetoes:
        out.append(f"  {label('awards_barred', lang)}")
    return "\n".join(out)


def veto_text(veto: VetoOut, lang: str) -> str:
    """What a veto in force does, how long it lasts and whose finding triggered it, in plain words."""
    def title(grade: Demotion | None) -> str | None:
        return (grade.title.get(lang) if grade.title else grade.grade) if grade is not None else None

    return veto_words(veto.severity, lang, cap=title(veto.cap_at), until=veto.until,
                      authority=veto.authority.get(lang) if veto.authority else None, revokes=title(veto.revokes))


def finding_veto_text(f: FindingOut, lang: str) -> str:
    """A veto's finding in plain words: what it does when triggered (or that it has lapsed), and whose finding."""
    if f.outcome != "not_met" and not f.lapsed:
        return ""
    return veto_words(f.severity, lang, until=f.until, authority=f.authority.get(lang) if f.authority else None,
                      lapsed=f.lapsed)
def included_text(block: PackInclude, lang: str) -> str:
    """Where a dimension owned by another authority comes from, and how it is scaled (format 2)."""
    if lang == "en":
        return (f"Dimension {block.into} is {block.dimension} ({num(block.dimension_weight)} points) of "
                f"{block.pack} {block.version} “{block.title.en}” (edition {block.edition.en}), scaled to "
                f"{num(block.weight)} points; its vetoes apply here")
    return (f"维度{block.into}引自{block.pack} {block.version}《{block.title.zh}》（{block.edition.zh}）的"
            f"{block.dimension}（{num(block.dimension_weight)}分），按{num(block.weight)}分折算；其否决项同样适用")


# the effect of the vetoes that pass over a grade for the reason given
_VETO_REASONS = {"veto_fail": "fail", "veto_no_award": "no_award", "veto_bar": "bar", "veto_revoke": "revoke",
                 "veto_cap": "cap_at", "veto_demote": "demote"}


def demotion_lines(result: PackResult, lang: str) -> list[str]:
    """'优秀、良好 ← 一票否决事项 V.incident': the grades passed over, one line per reason. A veto is named,
    not described: its own line says what it does."""
    by_reason: dict[str, list[str]] = {}
    for demotion in result.grade.demoted_from:
        name = demotion.title.get(lang) if demotion.title else demotion.grade
        by_reason.setdefault(demotion.reason, []).append(name)
    joiner = "、" if lang == "zh" else ", "
    return [f"{joiner.join(names)} ← {_demotion_reason(result, reason, lang)}" for reason, names in by_reason.items()]


def _demotion_reason(result: PackResult, reason: str, lang: str) -> str:
    effect = _VETO_REASONS.get(reason)
    vetoes = [v.rule for v in result.vetoes if v.severity == effect]
    if not vetoes:
        return demotion_text(result, reason, lang)
    return f"{label('veto_named', lang)} {', '.join(vetoes)}"


def demotion_text(result: PackResult, reason: str, lang: str) -> str:
    """Why a grade was skipped; the rules it requires that are not met are named."""
    words = pick(DEMOTION, reason, lang)
    if reason == "rule_not_met" and result.grade.unmet:
        names = ("、" if lang == "zh" else ", ").join(result.grade.unmet)
        return f"{words}（{names}）" if lang == "zh" else f"{words} ({names})"
    return words


def _missing_inputs(result: PackResult, lang: str) -> str:
    """The data to supply, what each decides; '' when nothing is missing."""
    if not result.missing_inputs:
        return ""
    out = [f"{label('missing_inputs', lang)}:"]
    for item in result.missing_inputs:
        title = f"（{item.title.get(lang)}）" if item.title and lang == "zh" else (
            f" ({item.title.get(lang)})" if item.title else "")
        out.append(f"  - {item.path}{title} — {label('rules', lang)} {', '.join(item.rules)}; "
                   f"{_stake(item, lang)}")
    return "\n".join(out)


def _not_assessed(result: PackResult, lang: str) -> str:
    """The rules not assessed for want of a parameter, and how to set it; '' when there are none."""
    if not result.not_assessed:
        return ""
    out = [f"{label('not_assessed', lang)}:"]
    titles = value_titles(result, lang)
    for rule in result.not_assessed:
        how = "，设定后评定" if lang == "zh" else "; assessed once it is set"
        out.append(f"  - [{rule.rule}] {rule.title.get(lang)} — {unset_text(rule.params, titles, lang)}{how}")
    return "\n".join(out)


def _total_parts(result: PackResult, lang: str) -> str:
    """What besides the dimensions makes the total: a total above the maximum needs saying why."""
    parts = []
    bonus = result.bonus.awarded + result.bonus.items  # the pool's and the items' own
    if bonus:
        parts.append(f"含加分 {num(bonus)}" if lang == "zh" else f"bonus {num(bonus)}")
    if result.deductions.total:
        parts.append(f"扣分 {num(result.deductions.total)}" if lang == "zh" else
                     f"deductions {num(result.deductions.total)}")
    if not parts:
        return ""
    return f"（{'，'.join(parts)}）" if lang == "zh" else f" ({', '.join(parts)})"


def grade_text(result: PackResult, lang: str) -> str:
    """The grade, or that it is withheld (暂不评定), why, and the grade the data given would earn."""
    grade = result.grade
    if not grade.withheld:
        if grade.basis == "base" and grade.score is not None:
            basis = pick(GRADE_BASIS, "base", lang).format(score=num(grade.score))
            return f"{grade.title.get(lang)}（{basis}）" if lang == "zh" else f"{grade.title.get(lang)} ({basis})"
        return grade.title.get(lang)
    reasons = [_undecided_text(result, lang)] if grade.undecided_vetoes else []
    reasons += [_history_text(result, grade_id, years, lang) for grade_id, years in grade.undecided_history.items()]
    coverage, minimum = result.coverage, grade.min_coverage
    if not reasons or (coverage is not None and minimum is not None and coverage < minimum):
        reasons.append(f"可评定分值占比{pct(coverage)}，低于{pct(minimum)}" if lang == "zh" else
                       f"only {pct(coverage)} of the points could be assessed, below {pct(minimum)}")
    if lang == "zh":
        return f"暂不评定（{'；'.join(reasons)}；按现有数据为{grade.title.zh}）"
    return f"not given ({'; '.join(reasons)}; on the data given: {grade.title.en})"


def _history_text(result: PackResult, grade_id: str, years: list[int], lang: str) -> str:
    """Which earlier years' grades a grade waits for (none named: the profile gives no period to count from)."""
    titles = {d.grade: d.title.get(lang) for d in result.grade.demoted_from if d.title}
    name = titles.get(grade_id, grade_id)
    if not years:
        return (f"{name}需往期等次，档案未给出考核年度（profile.year）" if lang == "zh" else
                f"{name} needs the grades of earlier years, and the profile gives no period (profile.year)")
    shown = ("、" if lang == "zh" else ", ").join(str(year) for year in years)
    return (f"{name}需往期等次，需补充 profile.history 中 {shown} 年的等次" if lang == "zh" else
            f"{name} needs the grades of earlier years; supply those of {shown} in profile.history")


def _undecided_text(result: PackResult, lang: str) -> str:
    """Which vetoes the grade waits for, and what to supply to decide them."""
    findings = {f.rule: f for f in result.findings}
    vetoes = [findings[rule] for rule in result.grade.undecided_vetoes if rule in findings]
    missing = sorted({path for veto in vetoes for path in veto.missing_inputs})
    if lang == "zh":
        names = "、".join(f"{v.rule}「{v.title.zh}」" for v in vetoes)
        return f"一票否决{names}因缺少数据无法判定，需补充：{'、'.join(missing)}"
    names = ", ".join(f"{v.rule} “{v.title.en}”" for v in vetoes)
    word = "veto" if len(vetoes) == 1 else "vetoes"
    return f"the {word} {names} cannot be decided for missing data; supply {', '.join(missing)}"


def _stake(item: MissingInputOut, lang: str) -> str:
    """What a missing input decides: points of the total, a bonus, a veto, a deduction."""
    words = {"bonus": ("加分项", "a bonus"), "veto": ("一票否决", "a veto"), "penalty": ("扣分项", "a deduction"),
             "check": ("不计分的考核指标", "a check worth no points")}
    parts = []
    if item.points_at_stake or not item.also:
        parts.append(f"{label('at_stake', lang)} {num(item.points_at_stake)}")
    parts += [words[kind][0 if lang == "zh" else 1] for kind in item.also]
    return ("，" if lang == "zh" else ", ").join(parts)


def _dimensions(result: PackResult, lang: str) -> str:
    headers = [label("dimension", lang), label("weight", lang), label("score", lang), label("share", lang),
               label("penalties", lang)]
    rows = [[f"{d.id} {d.title.get(lang)}", num(d.weight), _dimension_score(d, lang), pct(d.share),
             _penalty_cell(d, lang)] for d in result.dimensions]
    table = render_table(headers, rows, ["left", "right", "right", "right", "right"])
    extra = []
    cap = ""
    if result.bonus.cap is not None:
        cap = f"（{label('cap', lang)} {num(result.bonus.cap)}）" if lang == "zh" else \
            f" ({label('cap', lang)} {num(result.bonus.cap)})"
    extra.append(f"{label('bonus', lang)} +{num(result.bonus.awarded)}{cap}")
    if result.bonus.items:
        extra.append(f"{label('item_bonus', lang)} +{num(result.bonus.items)}")
    applied = sum(d.penalties_applied for d in result.dimensions) + result.deductions.total
    if result.deductions.total_raw or result.deductions.dimensions:
        extra.append(f"{label('deductions', lang)} −{num(applied)}")
    return f"{label('dimensions', lang)}:\n{table}\n{'    '.join(extra)}"


def _dimension_score(dimension: DimensionOut, lang: str) -> str:
    if not dimension.counted:
        return "—"
    if dimension.declared and not dimension.assessable:  # nothing could be assessed: 0 means 'no data'
        return f"{num(dimension.score)}（缺少数据）" if lang == "zh" else f"{num(dimension.score)} (no data)"
    return num(dimension.score) + (f"+{num(dimension.bonus)}" if dimension.bonus else "")  # its items' own bonus


def _penalty_cell(dimension: DimensionOut, lang: str) -> str:
    if not dimension.penalties:
        return ""
    if abs(dimension.penalties_applied - dimension.penalties) < 0.005:
        return num(dimension.penalties)
    # the floor at zero (扣完为止) took less than the deductions asked
    return (f"{num(dimension.penalties_applied)}（应扣{num(dimension.penalties)}）" if lang == "zh"
            else f"{num(dimension.penalties_applied)} (of {num(dimension.penalties)})")


def _unit(finding: FindingOut, lang: str) -> str:
    if finding.unit is not None:
        return finding.unit.get(lang)
    return "次" if lang == "zh" else "time"


def value_titles(result: PackResult, lang: str) -> dict[str, str]:
    """Titles officials read for what a finding names: inputs by path, parameters as `params.NAME`."""
    titles = {m.path: m.title.get(lang) for m in result.missing_inputs if m.title is not None}
    titles.update({f"params.{p.name}": p.title.get(lang) for p in result.parameters})
    return titles


def unset_text(names: list[str], titles: dict[str, str], lang: str) -> str:
    """Parameters not set, by their titles (never their identifiers): '「每年法治宣传最低场次」未设定'."""
    shown = [titles.get(f"params.{name}") for name in names]
    if lang == "zh":
        return "、".join(f"「{t}」" if t else "本项参数" for t in shown) + "未设定"
    return ", ".join(f"“{t}”" if t else "the item's parameter" for t in shown) + " not set"


def bonus_points_text(finding: FindingOut, lang: str) -> str:
    """A bonus item's 分值: '每项+3分，最多+6分' (per occurrence and its cap), or '+1分' for a single award."""
    unit = _unit(finding, lang)
    if finding.per is None and (finding.points or finding.unit is None):
        return f"+{num(finding.points)}分" if lang == "zh" else f"+{num(finding.points)}"
    if finding.per is None:  # per occurrence, but the data to value it is missing: never '+0'
        text = f"每{unit}加分" if lang == "zh" else f"bonus per {unit}"
    else:
        text = f"每{unit}+{num(finding.per)}分" if lang == "zh" else f"+{num(finding.per)} per {unit}"
    cap = finding.award_cap if finding.award_cap is not None else finding.points
    if cap:
        text += f"，最多+{num(cap)}分" if lang == "zh" else f", at most +{num(cap)}"
    return text


def penalty_points_text(finding: FindingOut, lang: str) -> str:
    """A deduction's 分值 with its unit: '每起−1分'; '' when the report does not know the rate."""
    if finding.per is None:
        return ""
    unit = _unit(finding, lang)
    return f"每{unit}−{num(finding.per)}分" if lang == "zh" else f"−{num(finding.per)} per {unit}"


def counts_nothing(finding: FindingOut) -> bool:
    """An item that does not apply and is left out of its dimension: its 得分 is — (不适用), not 0."""
    if finding.outcome != "not_applicable" or finding.kind != "item":
        return False
    return finding.not_applicable == "exclude" or (finding.not_applicable is None and not finding.earned)


def earned_text(finding: FindingOut) -> str:
    """An item's or bonus's 得分: its points, — when it has none or does not count, plus its own bonus."""
    if finding.earned is None or counts_nothing(finding):
        return "—"
    return num(finding.earned) + (f"+{num(finding.bonus)}" if finding.bonus else "")


def _reason(finding: FindingOut, lang: str, titles: dict[str, str]) -> str:
    parts = []
    if finding.tier is not None:
        parts.append(finding.tier.get(lang))
    if finding.missing_inputs:
        shown = [titles.get(path, path) for path in finding.missing_inputs]
        parts.append(f"{label('missing_for', lang)}{_sep(lang)}{('、' if lang == 'zh' else ', ').join(shown)}")
    if finding.unset_params:
        parts.append(unset_text(finding.unset_params, titles, lang))
    if finding.share is not None and finding.subjects:
        parts.append(pct(finding.share))
    if finding.occurrences:
        parts.append(occurrences_text(finding, lang))
    parts += format_2_details(finding, lang)
    parts += [note.get(lang) for note in finding.notes]
    return ("；" if lang == "zh" else "; ").join(parts)


def format_2_details(finding: FindingOut, lang: str) -> list[str]:
    """The particulars pack format 2 brought: a check's target, the clauses that applied, an item's own bonus,
    how an item that does not apply counts."""
    parts = []
    if finding.measure is not None:
        parts.append(f"{label('target', lang)} {finding.measure.target.get(lang)}")
    parts += [clause_text(clause, lang) for clause in finding.clauses if clause.applies is not False]
    added = sum(clause.points for clause in finding.clauses if clause.kind == "bonus")
    if finding.bonus is not None and finding.bonus_cap is not None and added > finding.bonus:
        cap = f"{label('item_bonus_cap', lang)}{num(finding.bonus_cap)}" if lang == "zh" else \
            f"{label('item_bonus_cap', lang)} {num(finding.bonus_cap)}"
        parts.append(cap)
    if finding.not_applicable is not None:
        parts.append(pick(NA_POLICY, finding.not_applicable, lang))
    return parts + veto_terms(finding.until, finding.authority.get(lang) if finding.authority else None, lang,
                              lapsed=finding.lapsed)


def clause_text(clause: ClauseOut, lang: str) -> str:
    """A clause as it applied: '未建立台账 −2', '会议无记录 3次 −1.5', 'honours: 2 honours +1'."""
    text = clause.text.get(lang)
    if clause.applies is None:
        return f"{text}（{label('undecided', lang)}）" if lang == "zh" else f"{text} ({label('undecided', lang)})"
    sign = "−" if clause.kind == "deduction" else "+"
    if clause.occurrences is None:
        return f"{text} {sign}{num(clause.points)}"
    unit = clause.unit.get(lang) if clause.unit is not None else ("次" if lang == "zh" else "time")
    if lang == "zh":
        return f"{text} {clause.occurrences}{unit} {sign}{num(clause.points)}"
    plural = unit if clause.occurrences == 1 or unit.endswith("s") else unit + "s"
    return f"{text}: {clause.occurrences} {plural} {sign}{num(clause.points)}"


def check_value(finding: FindingOut, lang: str) -> str:
    """What a check found, where a scored rule shows its points: a level, a value, or nothing."""
    if finding.level_label is not None:
        return finding.level_label.get(lang)
    if finding.measure is not None:
        measure = finding.measure
        value = pct(measure.value) if measure.format == "percent" else num(measure.value)
        unit = measure.unit.get(lang) if measure.unit is not None and measure.value is not None else ""
        return value + unit
    return "—"


def occurrences_text(finding: FindingOut, lang: str) -> str:
    """'5次，扣2.5分' / '3 cases, 3 deducted': how many and what they cost or earned."""
    count = finding.occurrences or 0  # called only for a finding that counts some
    unit = _unit(finding, lang)
    if finding.kind == "veto":  # a veto counts its cases; it deducts nothing
        return _count_text(count, unit, lang)
    if finding.kind == "bonus":
        amount, verb_zh, verb_en = finding.earned, "加", "added"
    elif finding.kind == "penalty":
        amount, verb_zh, verb_en = finding.deducted, "扣", "deducted"
    else:
        amount = (finding.points or 0) - (finding.earned or 0)
        verb_zh, verb_en = "扣", "deducted"
    rate = f"×{num(finding.per)}分" if finding.per is not None and lang == "zh" else (
        f" × {num(finding.per)}" if finding.per is not None else "")
    if lang == "zh":
        return f"{count}{unit}{rate}，{verb_zh}{num(amount)}分"
    return f"{_count_text(count, unit, lang)}{rate}, {num(amount)} {verb_en}"


def _count_text(count: int, unit: str, lang: str) -> str:
    """'2例' / '2 cases'."""
    if lang == "zh":
        return f"{count}{unit}"
    plural = unit if count == 1 or unit.endswith("s") else unit + "s"
    return f"{count} {plural}"


def _findings(result: PackResult, lang: str) -> str:
    headers = [label("rule", lang), label("item", lang), label("points", lang), label("earned", lang),
               label("outcome", lang), label("reason", lang)]
    titles = value_titles(result, lang)
    review_notes = finding_notes(result, lang)
    rows = []
    for f in result.findings:
        if f.kind == "penalty":
            points, earned = penalty_points_text(f, lang), ("−" + num(f.deducted)) if f.deducted else "0"
        elif f.kind == "veto":
            points, earned = "", ""
        elif f.kind == "check":
            points, earned = label("no_points", lang), check_value(f, lang)
        elif f.kind == "bonus":
            points, earned = bonus_points_text(f, lang), earned_text(f)
        else:
            points, earned = num(f.points), earned_text(f)
        reason = ("；" if lang == "zh" else "; ").join(
            part for part in (_reason(f, lang, titles), review_notes.get(f.rule)) if part)
        rows.append([f.rule, f.title.get(lang), points, earned, outcome_word(f, lang), reason])
    table = render_table(headers, rows, ["left", "left", "right", "right", "left", "left"],
                         [None, 30, None, None, None, 48])
    return f"{label('findings', lang)}:\n{table}"


def _person_table(table: TableOut, lang: str) -> str:
    columns = [c for c in table.columns if c.format != "texts"]  # notes go below the table, once each
    first = table.label_title.get(lang) if table.label_title is not None else ""
    headers = [first] + [c.title.get(lang) for c in columns]
    fixed = {c.key for c in columns if c.format != "percent" and _numeric(table, c) and _has_fraction(table, c)}
    rows = []
    for row in table.rows:
        cells = [row.label]
        for column in columns:
            value = row.values.get(column.key)
            if column.key in fixed and value is not None:
                cells.append(f"{Decimal(str(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}")
            else:
                cells.append(cell_text(value, column.format, lang))
        rows.append(cells)
    aligns = ["left"] + ["right" if c.format in (None, "percent", "number", "integer") and _numeric(table, c)
                         else "left" for c in columns]
    widths = [None] + [40 if c.format == "text" else None for c in columns]
    out = f"{table.title.get(lang)}:\n" + render_table(headers, rows, aligns, widths)
    notes = _table_notes(table, lang)
    return out + ("\n" + notes if notes else "")


def _has_fraction(table: TableOut, column: Column) -> bool:
    """Show a column with two decimals throughout when any value has a fraction (90.00 beside 57.50)."""
    return any(isinstance(v, float) and v != int(v) for v in (r.values.get(column.key) for r in table.rows))


def _table_notes(table: TableOut, lang: str) -> str:
    """Each distinct note once, with the elements it applies to."""
    by_text: dict[str, list[str]] = {}
    for row in table.rows:
        for note in row.values.get("notes") or []:
            by_text.setdefault(note[lang], []).append(row.label)
    if not by_text:
        return ""
    joiner = "、" if lang == "zh" else ", "
    lines = [f"{label('notes', lang)}:"]
    lines += [f"  {joiner.join(labels)}{_sep(lang)}{text}" for text, labels in by_text.items()]
    return "\n".join(lines)


def _numeric(table: TableOut, column: Column) -> bool:
    return all(isinstance(r.values.get(column.key), (int, float, type(None))) and
               not isinstance(r.values.get(column.key), bool) for r in table.rows)


def cell_text(value: Any, fmt: str | None, lang: str) -> str:
    """One cell of a per-person table, as a reviewer reads it."""
    if fmt == "outcome":
        band = value.get("band")
        words = VETO_OUTCOMES if value.get("kind") == "veto" and value["outcome"] in VETO_OUTCOMES else OUTCOMES
        return band[lang] if band else pick(words, value["outcome"], lang)
    if fmt == "text":
        return "" if value is None else value[lang]
    if fmt == "texts":
        return "；".join(v[lang] for v in value or []) if lang == "zh" else "; ".join(v[lang] for v in value or [])
    if fmt == "percent":
        return pct(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return num(value)
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(cell_text(v, None, lang) for v in value) or "—"
    return str(value)


def _recommendations(result: PackResult, lang: str) -> str:
    out = [f"{label('recommendations', lang)}:"]
    if not result.recommendations:
        out.append("  " + label("no_recommendations", lang))
    checks = {f.rule for f in result.findings if f.kind == "check"}
    for index, rec in enumerate(result.recommendations, 1):
        gain = (f"总分可提高 {num(rec.recoverable)} 分" if lang == "zh"
                else f"adds {num(rec.recoverable)} to the total")
        if rec.rule in checks:
            gain = label("no_points", lang)
        if rec.rule in result.grade.undecided_vetoes:
            gain = "等次待判定" if lang == "zh" else "the grade waits for it"
        out.append(f"{index:>3}. [{rec.rule}] {rec.title.get(lang)} — {gain}")
        out.append(f"     {rec.text.get(lang)}")
        for cite in rec.citations:
            out.append(f"     {label('basis', lang)}{_sep(lang)}{cite.title.get(lang)}「{cite.quote}」")
    return "\n".join(out)


def next_grade_text(plan: NextGradeOut, result: PackResult, lang: str) -> str:
    """The path to the next grade in a sentence: what blocks it, or the items that reach it."""
    title = plan.target_title.get(lang)
    if plan.blocked_by:
        reasons = "; ".join(pick(BLOCKED, b, lang) for b in plan.blocked_by)
        return f"{label('next_grade', lang)}{_sep(lang)}{title} — {reasons}"
    if not plan.reachable:
        if lang == "zh":
            return f"{label('next_grade', lang)}：距“{title}”还差{num(plan.gap)}分，现有未达标项目全部达标仍不足。"
        return f"{label('next_grade', lang)}: {num(plan.gap)} points short of {title}; all unmet items together " \
               f"are not enough."
    items = ", ".join(f"{i.rule} (+{num(i.recoverable)})" for i in plan.items)
    outcomes = {f.rule: f.outcome for f in result.findings}
    supply = any(outcomes.get(i.rule) == "missing_data" for i in plan.items)
    n = len(plan.items)
    if lang == "zh":
        verb = "补充数据或达到" if supply else "达到"
        return (f"{label('next_grade', lang)}：距“{title}”还差{num(plan.gap)}分；"
                f"{verb}以下{n}项要求即可（预计{num(plan.total_after)}分）：{items}")
    verb = "supplying the data for or meeting" if supply else "meeting"
    what = "this item" if n == 1 else f"these {n} items"
    return (f"{label('next_grade', lang)}: {num(plan.gap)} points short of {title}; {verb} {what} gets there "
            f"(about {num(plan.total_after)}): {items}")
