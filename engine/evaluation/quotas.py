"""What every quota shares: how many a limit allows of its base, who moves, and how the quota is worded.

Two kinds of quota use it: a batch's grade quota (`assess DIR --quota 优秀=20%`, engine/batch/ranking.py)
and a pack's band quota on a per-person table (`scoring.quotas`, engine/evaluation/band_quotas.py).

A limit is a count (3) or a percentage of the base (30%), rounded down unless the quota says otherwise
(`floor`, `ceil`, `half_up`). Who moves: the candidates are ranked best first, each with a key that tells
ties apart (a rank, a composite score); a tie at the boundary moves as a whole, so that an *at most* quota
admits fewer than it allows rather than more, and an *at least* quota moves more than it requires rather
than fewer — never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from engine.expr.values import is_unknown
from engine.pack.model import Pack
from engine.pack.schema import quota_parameter

ROUNDINGS = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "half_up": ROUND_HALF_UP}
ROUNDING_WORDS = {"floor": ("", ""), "ceil": ("（向上取整）", " (rounded up)"),
                  "half_up": ("（四舍五入）", " (rounded half up)")}


@dataclass(frozen=True)
class Limit:
    """A quota's limit: a count, or a percentage of the base with its rounding."""

    text: str  # as written: '30%' or '3'
    percent: Decimal | None = None
    count: int | None = None
    rounding: str = "floor"

    @classmethod
    def of(cls, written: str | int, rounding: str = "floor") -> Limit:
        """'30%' or a whole number, as the pack's schema has checked them."""
        text = str(written).strip()
        if text.endswith("%"):
            return cls(text, percent=Decimal(text[:-1].strip()), rounding=rounding)
        return cls(text, count=int(text), rounding=rounding)

    def allowed(self, population: int) -> int:
        """How many the limit allows (or requires) of a base of `population`."""
        if self.count is not None:
            return self.count
        if self.percent is None:
            raise ValueError(f"the limit {self.text!r} has neither a count nor a percentage")
        share = Decimal(population) * self.percent / 100
        return int(share.quantize(Decimal(1), rounding=ROUNDINGS[self.rounding]))


def pack_limit(pack: Pack, written: str | int, rounding: str = "floor") -> Limit | None:
    """A limit as a pack writes it ('20%', 2, or `params.NAME`); None for a parameter left unset (null): a
    number the sources do not give moves no one until a district sets it."""
    name = quota_parameter(written)
    if name is None:
        return Limit.of(written, rounding)
    spec = pack.params[name]  # the pack's builder checked it is a percent or an integer parameter
    if spec.value is None or is_unknown(spec.value):
        return None
    if spec.decl.type == "percent":  # a percent parameter holds a ratio: 20 % is 0.2
        return Limit.of(f"{format((Decimal(spec.value) * 100).normalize(), 'f')}%", rounding)
    return Limit.of(int(spec.value), rounding)


def kept(keys: Sequence[object], allowed: int) -> int:
    """How many of the holders — ranked best first, `keys` telling ties apart — keep their place under
    *at most `allowed`*; the rest move. A tie straddling the boundary moves whole."""
    if len(keys) <= allowed:
        return len(keys)
    keep = max(allowed, 0)
    while keep > 0 and keys[keep - 1] == keys[keep]:
        keep -= 1
    return keep


def first_moved(keys: Sequence[object], need: int) -> int:
    """Where the `need` lowest ranked of the candidates — ranked best first — begin: those from there on
    move (into a band that must hold *at least* so many). A tie straddling the boundary moves whole."""
    if need <= 0:
        return len(keys)
    start = max(0, len(keys) - need)
    while 0 < start < len(keys) and keys[start - 1] == keys[start]:
        start -= 1
    return start


@dataclass(frozen=True)
class Wording:
    """What a quota says, in one language: '城市型中优秀不超过合格及以上的30%：10个中至多3个'."""

    holder: str  # the grade or band limited, as the reader knows it
    limit: str  # as written: '30%' or '3'
    allowed: int
    population: int
    at_least: bool = False
    base: str = ""  # what the share is of, worded ('合格及以上的' / ' of those at 合格 or better'); '' for all
    scope: str = ""  # the group it is counted in (a street), '' for none
    rounding: str = "floor"
    unit: str = "个"  # what the base is counted in, in Chinese (个, 人)


def quota_text(words: Wording, lang: str) -> str:
    """The quota as a sentence of the reports: what it limits, of what, and how many that makes."""
    percent = words.limit.endswith("%")
    rounding = ROUNDING_WORDS[words.rounding][0 if lang == "zh" else 1] if percent else ""
    if lang == "zh":
        limit = words.limit if percent else words.limit + words.unit
        scope = f"{words.scope}中" if words.scope else ""
        bound, count = ("不少于", "至少") if words.at_least else ("不超过", "至多")
        return (f"{scope}{words.holder}{bound}{words.base}{limit}：{words.population}{words.unit}中{count}"
                f"{words.allowed}{words.unit}{rounding}")
    scope = f"in {words.scope}: " if words.scope else ""
    bound = "at least" if words.at_least else "at most"
    return (f"{scope}{words.holder} {bound} {words.limit}{words.base}: {bound} {words.allowed} of "
            f"{words.population}{rounding}")
