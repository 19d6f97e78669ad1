"""Report vocabulary in Chinese (official terms) and English."""

from __future__ import annotations

LABELS = {
    "report": ("考核评估报告", "Assessment report"),
    "pack": ("考核细则", "Rule pack"),
    "edition": ("版次", "edition"),
    "period": ("考核期", "Period"),
    "to": ("至", "to"),
    "backend": ("匹配引擎", "Backend"),
    "total": ("总分", "Total"),
    "grade": ("等次", "Grade"),
    "coverage": ("可评定分值占比", "Assessable share of points"),
    "dimensions": ("维度得分", "Scores by dimension"),
    "dimension": ("维度", "Dimension"),
    "weight": ("分值", "Weight"),
    "score": ("得分", "Score"),
    "share": ("得分率", "Share"),
    "penalties": ("扣分", "Deducted"),
    "bonus": ("加分项", "Bonus"),
    "cap": ("上限", "cap"),
    "deductions": ("扣分项", "Deductions"),
    "veto": ("一票否决", "Veto"),
    "vetoes": ("一票否决", "Vetoes"),
    "awards_barred": ("取消评先评优资格", "Barred from awards"),
    "findings": ("评分明细", "Findings"),
    "rule": ("编号", "Rule"),
    "item": ("项目", "Item"),
    "points": ("分值", "Points"),
    "earned": ("得分", "Earned"),
    "outcome": ("结果", "Outcome"),
    "reason": ("扣分原因/说明", "Reason / note"),
    "recommendations": ("整改建议（按可提高的总分排序）", "Recommendations (by the points of the total they add)"),
    "recover": ("可挽回", "recovers"),
    "basis": ("依据", "Source"),
    "next_grade": ("晋级路径", "To reach the next grade"),
    "missing_inputs": ("缺少的数据", "Data to supply"),
    "not_assessed": ("未评定（参数未设置）", "Not assessed (parameter not set)"),
    "parameters": ("参数", "Parameters"),
    "no_recommendations": ("无。", "None."),
    "demoted": ("降档", "Demoted"),
    "veto_named": ("一票否决事项", "veto"),
    "parameters_by_profile": ("按画像取值的参数", "Parameters by the profile"),
    "included": ("引用的维度", "Included block"),
    "defaults_note": ("说明", "Note"),
    "warnings": ("提示", "Warnings"),
    "points_unit": ("分", " points"),
    "at_stake": ("涉及分值", "points at stake"),
    "rules": ("相关项目", "rules"),
    "band": ("档次", "Band"),
    "consequences": ("结果运用", "Consequences"),
    "notes": ("备注", "Notes"),
    "missing_for": ("缺少", "missing"),
    # format 2: checks worth no points, clauses, an item's own bonus, the grade basis
    "no_points": ("不计分", "no points"),
    "checks": ("考核指标（不计分）", "Checks (no points)"),
    "target": ("目标", "target"),
    "item_bonus": ("项目加分", "Items' own bonus"),
    "item_bonus_cap": ("本项加分最多", "the item's bonus capped at"),
    "undecided": ("缺少数据", "missing data"),
    # review workflows: waivers, reviewer adjustments, comparison with a baseline
    "waived_by": ("豁免", "waived"),
    "waivers": ("豁免事项", "Waivers"),
    "approver": ("批准人", "approved by"),
    "expires": ("有效期至", "until"),
    "adjustments": ("人工调整（酌情扣分/加分）", "Reviewer adjustments"),
    "adjusted": ("酌情调整", "adjusted"),
    "computed": ("计算得分", "Computed"),
    "adjustment": ("调整", "Adjustment"),
    "final": ("调整后", "Final"),
    "reviewer": ("调整人", "Reviewer"),
    "bounded": ("受分值上下限约束", "bounded by the rule's points"),
    "baseline": ("同比（与基线比较）", "Compared with the baseline"),
    "before": ("基线", "Before"),
    "after": ("本次", "Now"),
    "delta": ("增减", "Change"),
    "new_findings": ("新增问题", "New findings"),
    "cleared_findings": ("已整改", "Cleared"),
    "new_vetoes": ("新增一票否决", "New vetoes"),
    "cleared_vetoes": ("已消除的一票否决", "Vetoes cleared"),
    "changed_rules": ("变化的项目", "Rules that changed"),
    "regression": ("退步", "regression"),
    # column heads and sheet names of the review blocks in the HTML, Excel and Markdown reports
    "justification": ("豁免理由", "Justification"),
    "approver_col": ("批准人", "Approver"),
    "expires_col": ("有效期至", "Expires"),
    "outcome_replaced": ("原结果", "Outcome before"),
    "asked": ("申请调整", "Asked"),
    "why": ("理由", "Reason"),
    "written_at": ("出处", "Written at"),
    "review_sheet": ("审核调整", "Review"),
    "baseline_sheet": ("同比", "Baseline"),
    "baseline_report": ("基线报告", "Baseline report"),
    "grade_change": ("等次变化", "Grade change"),
    "outcome_before": ("基线结果", "Outcome before"),
    "outcome_after": ("本次结果", "Outcome now"),
    "points_before": ("基线得分", "Points before"),
    "points_after": ("本次得分", "Points now"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}

GRADE_CHANGE = {"up": ("上升", "up"), "down": ("下降", "down"), "same": ("不变", "unchanged")}

OUTCOMES = {
    "met": ("达标", "met"),
    "partly_met": ("部分达标", "partly met"),
    "not_met": ("未达标", "not met"),
    "not_applicable": ("不适用", "not applicable"),
    "missing_data": ("缺少数据", "missing data"),
    "not_assessed": ("未评定", "not assessed"),
    "waived": ("已豁免", "waived"),
}

VETO_OUTCOMES = {"met": ("未触发", "not triggered"), "not_met": ("触发", "triggered")}
BONUS_OUTCOMES = {"met": ("加分", "awarded"), "not_met": ("无", "none")}
PENALTY_OUTCOMES = {"met": ("无扣分", "none"), "not_met": ("扣分", "deducted")}

SEVERITY = {
    "fail": ("直接评定为最低等次", "forces the lowest grade"),
    "no_award": ("不得评为最高等次、取消评先评优资格", "bars the top grade and awards"),
    "bar": ("本期不得申报、不得参评，评为最低等次", "may not apply or be rated this period: the lowest grade"),
    "revoke": ("撤销已获得的称号{held}，本期评为最低等次",
               "revokes the title held{held}; the lowest grade this period"),
    "demote": ("降低一个等次", "one grade lower"),
    "cap_at": ("最高评为{grade}", "at most {grade}"),
}

DEMOTION = {
    "veto_fail": ("一票否决", "veto"),
    "veto_no_award": ("一票否决（取消评优）", "veto barring the top grade"),
    "veto_bar": ("一票否决（本期不得参评）", "veto barring the application this period"),
    "veto_revoke": ("一票否决（撤销称号）", "veto revoking the title"),
    "veto_cap": ("一票否决（限定最高等次）", "veto capping the grade"),
    "veto_demote": ("一票否决（降低一个等次）", "veto demoting one grade"),
    "previous_grade": ("往期未连续获得要求的等次", "the grade required in earlier years was not held"),
    "previous_unknown": ("往期等次不明", "the grades of earlier years are not given"),
    "veto": ("存在一票否决事项", "a veto applies"),
    "dimension_minimum": ("有维度得分率低于要求", "a dimension is below its minimum share"),
    "rule_not_met": ("该等次要求达标的项目未达标", "a rule the grade requires is not met"),
}

# how an item that does not apply (or is waived) counts, by its not-applicable policy (format 2)
NA_POLICY = {
    "exclude": ("不计入该维度", "left out of its dimension"),
    "zero": ("按0分计", "counts 0"),
    "full": ("按满分计", "counts full points"),
}

GRADE_BASIS = {
    "base": ("按不含加分的基本分{score}分评定", "graded on the score without bonus, {score}"),
    "total": ("按含加分的总分评定", "graded on the total, bonus included"),
}

BLOCKED = {
    "veto_fail": ("一票否决事项未消除前无法晋级", "no higher grade while a veto forcing the lowest grade stands"),
    "veto_bar": ("本期不得参评", "no grade may be applied for this period"),
    "veto_revoke": ("称号已被撤销，本期评为最低等次", "the title is revoked; the lowest grade this period"),
    "veto_cap": ("一票否决事项限定了最高等次", "a veto caps the grade below it"),
    "veto_demote": ("一票否决事项（降低一个等次）未消除前无法晋级", "no higher grade while a demoting veto stands"),
    "previous_grade": ("该等次要求往期连续获得相应等次", "that grade requires the grade below it in earlier years"),
    "veto_no_award": ("一票否决事项（取消评优）未消除前不能评为最高等次",
                      "the top grade is barred while the veto stands"),
    "veto": ("该等次要求无一票否决事项", "that grade requires no veto"),
    "rule_not_met": ("该等次要求达标的项目未达标", "that grade requires rules that are not met"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return en if lang == "en" else zh


Words = dict[str, tuple[str, str]]  # key -> (Chinese, English)


def pick(table: Words, key: str, lang: str) -> str:
    zh, en = table.get(key, (key, key))
    return en if lang == "en" else zh


def veto_words(severity: str | None, lang: str, *, cap: str | None = None, until: str | None = None,
               authority: str | None = None, revokes: str | None = None, lapsed: bool = False) -> str:
    """What a veto does, in plain words, with how long it lasts and whose finding triggers it (format 2): '最高评为
    良好（有效期至2025-03-01；认定：区应急管理局）'. A format 1 veto reads as it always did."""
    if severity is None:
        return ""
    held = (f"「{revokes}」" if lang == "zh" else f" “{revokes}”") if revokes else ""
    words = pick(SEVERITY, severity, lang).format(grade=cap or ("指定等次" if lang == "zh" else "the grade named"),
                                                  held=held)
    extra = veto_terms(until, authority, lang, lapsed=lapsed)
    if not extra:
        return words
    return f"{words}（{'；'.join(extra)}）" if lang == "zh" else f"{words} ({'; '.join(extra)})"


def veto_terms(until: str | None, authority: str | None, lang: str, *, lapsed: bool = False) -> list[str]:
    """How long a veto lasts (or that it has lapsed) and whose finding triggers it, in words (format 2)."""
    extra = []
    if until:
        extra.append((f"已于{until}届满" if lapsed else f"有效期至{until}") if lang == "zh" else
                     (f"lapsed on {until}" if lapsed else f"in force until {until}"))
    if authority:
        extra.append(f"认定：{authority}" if lang == "zh" else f"found by {authority}")
    return extra
