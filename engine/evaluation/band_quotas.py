"""A pack's band quotas (`scoring.quotas`, format 2) applied to its per-person tables, after evaluation.

A for_each rule with `bands` classifies each element (优秀/称职/基本称职/不称职). A quota then says how many
may be in a band (`at_most`: 优秀 at most 20 % of the staff) or must be in a band or below it (`at_least`:
one 基本称职 or lower in every ten). The elements are ranked by `order_by` (the higher first; an element
without it last); those beyond an *at most* quota, lowest ranked first, move down to the next band, and when
an *at least* quota is short, the lowest ranked of the bands above move into its band. A tie at the boundary
moves whole (engine/evaluation/quotas.py). The base a share is of is counted on the bands as the rule
classified them, before any quota; quotas apply in the order the pack lists them.

A quota changes bands — and so the consequences a band carries — never a rule's outcome or points. Each moved
element's row says why, and the rule's finding states each quota; both backends give the same findings, and
this step comes after them, so they agree on the quotas too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.evaluation.context import Context
from engine.evaluation.findings import MET, NA_OUTCOME, Finding, SubjectResult
from engine.evaluation.quotas import Limit, Wording, first_moved, kept, pack_limit, quota_text
from engine.expr.values import is_unknown
from engine.pack.model import Pack
from engine.pack.schema import BandQuota, Text, quota_parameter


def apply_band_quotas(pack: Pack, context: Context, findings: list[Finding]) -> None:
    """Move elements between the bands of their rule as the pack's quotas say (the findings are changed)."""
    if not pack.scoring.quotas:
        return
    by_rule = {finding.rule.id: finding for finding in findings}
    classified: dict[str, dict[int, str | None]] = {}  # each rule's bands before any quota: bases count them
    for quota in pack.scoring.quotas:
        finding = by_rule.get(quota.rule)
        if finding is None or not finding.subjects:
            continue
        limit = _limit(pack, quota)
        if limit is None:
            finding.remarks.append(_unset(pack, finding, quota))
            continue
        before = classified.setdefault(quota.rule, {subject.index: subject.band for subject in finding.subjects})
        elements = context.values.get(finding.rule.for_each or "") or []
        for scope, subjects in _groups(finding.subjects, elements, quota.per):
            _Table.of(pack, elements, finding, quota, before, limit, scope, subjects).apply()
        _ungrouped(pack, finding, quota, elements)


def _limit(pack: Pack, quota: BandQuota) -> Limit | None:
    """The quota's limit; None when it names a parameter the source leaves unset (null)."""
    written = quota.at_most if quota.at_most is not None else quota.at_least
    assert written is not None  # the schema asks for one of them
    return pack_limit(pack, written, quota.round)


def _unset(pack: Pack, finding: Finding, quota: BandQuota) -> Text:
    """What the finding says of a quota whose limit the district has not set."""
    written = quota.at_most if quota.at_most is not None else quota.at_least
    param = pack.params[quota_parameter(written or 0) or ""]
    band = next(band.label for band in finding.rule.bands if band.id == quota.band)
    return Text(zh=f"{band.zh}的比例限制（{param.decl.title.zh}）未设定，未作调整",
                en=f"the quota on {band.get('en')} ({param.decl.title.get('en')}) is not set: nothing moved")


def _group_value(element: dict[str, Any], per: str) -> str | None:
    value = element.get(per)
    if value is None or is_unknown(value):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _groups(subjects: list[SubjectResult], elements: list[dict[str, Any]],
            per: str | None) -> Iterator[tuple[str, list[SubjectResult]]]:
    """The elements a quota is counted in: all of them, or each group with the same value of `per` (in the
    order the groups first appear); an element without a value is in no group."""
    if per is None:
        yield "", subjects
        return
    groups: dict[str, list[SubjectResult]] = {}
    for subject in subjects:
        value = _group_value(elements[subject.index], per)
        if value is not None:
            groups.setdefault(value, []).append(subject)
    yield from groups.items()


def _ungrouped(pack: Pack, finding: Finding, quota: BandQuota, elements: list[dict[str, Any]]) -> None:
    """Say how many elements a grouped quota left as they were, for want of the value it groups by."""
    if quota.per is None:
        return
    left = [s for s in finding.subjects if s.outcome != NA_OUTCOME and _group_value(elements[s.index], quota.per)
            is None]
    if left:
        items = pack.inputs[finding.rule.for_each or ""].decl.items
        field = (items.fields or {}).get(quota.per) if items is not None else None
        title = field.title if field is not None and field.title is not None else Text(zh=quota.per)
        finding.remarks.append(Text(zh=f"{'、'.join(s.label for s in left)}：未填写{title.zh}，不参与比例调整",
                                    en=f"{', '.join(s.label for s in left)}: {title.get('en')} not given, left out of "
                                       "the quota"))


def _unit(pack: Pack, finding: Finding) -> Text:
    return pack.inputs[finding.rule.for_each or ""].decl.unit or Text(zh="个", en="")


def _order_value(element: dict[str, Any], name: str) -> Decimal | None:
    value = element.get(name)
    if value is None or is_unknown(value) or isinstance(value, bool):
        return None
    return Decimal(value)


@dataclass
class _Table:
    """One quota over one rule's elements (or one group of them), ranked best first."""

    quota: BandQuota
    finding: Finding
    bands: list[str]
    labels: dict[str, Text]
    subjects: list[SubjectResult]  # those the quota is counted in
    ranked: list[SubjectResult]
    values: dict[int, Decimal | None]  # the order_by value of each element, by index
    before: dict[int, str | None]  # each element's band before any quota, by index
    unit: Text
    limit: Limit
    scope: str  # the group's value ('' for all the elements)

    @classmethod
    def of(cls, pack: Pack, elements: list[dict[str, Any]], finding: Finding, quota: BandQuota,
           before: dict[int, str | None], limit: Limit, scope: str, subjects: list[SubjectResult]) -> _Table:
        rule = finding.rule
        values = {s.index: _order_value(elements[s.index], quota.order_by) for s in subjects}
        ranked = sorted(subjects, key=lambda s: (values[s.index] is None, -(values[s.index] or 0), s.index))
        return cls(quota, finding, [band.id for band in rule.bands], {band.id: band.label for band in rule.bands},
                   subjects, ranked, values, before, _unit(pack, finding), limit, scope)

    # -- how many ------------------------------------------------------------------------------
    def population(self) -> int:
        """The base the share is of, counted on the bands as classified."""
        base = self.quota.base
        if base == "all":
            return sum(1 for s in self.subjects if s.outcome != NA_OUTCOME)
        if base == "passed":
            return sum(1 for s in self.subjects if s.outcome == MET)
        best = self.bands[: self.bands.index(base) + 1]
        return sum(1 for s in self.subjects if self.before[s.index] in best)

    # -- who moves --------------------------------------------------------------------------------
    def apply(self) -> None:
        population = self.population()
        allowed = self.limit.allowed(population)
        position = self.bands.index(self.quota.band)
        if self.quota.at_most is not None:
            moved = self.beyond(allowed)
            target = self.bands[position + 1]
        else:
            moved = self.short(allowed, position)
            target = self.quota.band
        for subject, tie in moved:
            self.move(subject, target, population, allowed, tie)
        self.finding.remarks.append(self.stated(population, allowed, len(moved)))

    def beyond(self, allowed: int) -> list[tuple[SubjectResult, bool]]:
        """The holders of the band beyond `allowed` (each with whether it moves as part of a tie)."""
        holders = [s for s in self.ranked if s.band == self.quota.band]
        keys = [self.values[s.index] for s in holders]
        keep = kept(keys, allowed)
        return [(s, keep < allowed and keys[i] == keys[allowed]) for i, s in enumerate(holders) if i >= keep]

    def short(self, required: int, position: int) -> list[tuple[SubjectResult, bool]]:
        """The lowest ranked of the bands above, as many as the band and those below it lack of `required`."""
        below = set(self.bands[position:])
        members = sum(1 for s in self.ranked if s.band in below)
        above = [s for s in self.ranked if s.band in self.bands[:position]]
        keys = [self.values[s.index] for s in above]
        need = required - members
        start = first_moved(keys, need)
        boundary = len(above) - need
        return [(s, start < boundary and keys[i] == keys[boundary]) for i, s in enumerate(above) if i >= start]

    # -- what the table says ----------------------------------------------------------------------
    def move(self, subject: SubjectResult, target: str, population: int, allowed: int, tie: bool) -> None:
        source = subject.band
        assert source is not None  # only elements in a band are moved
        frm, to = self.labels[source], self.labels[target]
        ties = ("；同分并列整体调整", "; tied elements move together") if tie else ("", "")
        subject.remarks.append(Text(
            zh=f"由{frm.zh}调为{to.zh}（{self.words(population, allowed, 'zh')}{ties[0]}）",
            en=f"moved from {frm.get('en')} to {to.get('en')} ({self.words(population, allowed, 'en')}{ties[1]})"))
        subject.band = target

    def stated(self, population: int, allowed: int, moved: int) -> Text:
        """The quota as the rule's finding states it, with how many it moved."""
        return Text(zh=f"{self.words(population, allowed, 'zh')}，调整{moved}{self.unit.zh}",
                    en=f"{self.words(population, allowed, 'en')}; {moved} moved")

    def words(self, population: int, allowed: int, lang: str) -> str:
        quota = self.quota
        holder = self.labels[quota.band].get(lang)
        if quota.at_least is not None and quota.band != self.bands[-1]:
            holder += "及以下" if lang == "zh" else " or lower"
        return quota_text(Wording(holder=holder, limit=self.limit.text, allowed=allowed, population=population,
                                  at_least=quota.at_least is not None, base=self.base_words(lang),
                                  scope=self.scope, rounding=quota.round, unit=self.unit.zh), lang)

    def base_words(self, lang: str) -> str:
        base = self.quota.base
        if base == "all":
            return ""
        if base == "passed":
            return "达标者的" if lang == "zh" else " of those who pass"
        label = self.labels[base].get(lang)
        return f"{label}及以上的" if lang == "zh" else f" of those at {label} or better"
