"""The demo pack (tests/packs/demo) evaluated by plain, hand-written Python: the practical lower bound.

`evaluate(data)` takes a profile as `yaml.load(text, Loader=yaml.CSafeLoader)` returns it and
computes what the engine computes for the total and grade: every rule's outcome and points, the
dimension scores, bonus, deductions, vetoes, total and grade. It imports nothing from `engine`.
It does not validate (the benchmark profiles are valid) and computes no report, texts or
recommendations; that is the point of a lower bound.

Semantics copied from the engine (engine/findings.py, engine/scoring.py, engine/expr/):
- numbers are six-place decimals: here integers of millionths ("micro"), rounded half up where the
  engine normalises (products, ratios, percent inputs written as 98, 98.5 or '98.5%');
- an absent input (or null) is missing: the rule reading it is `missing_data` and earns nothing,
  unless three-valued logic settles it (`missing and false` is false: not met);
- a ratio over zero is not applicable, even when the part is missing; `applies_when` false is not
  applicable;
- not-applicable rules leave the denominator (`not_applicable: exclude`), so does a rule whose
  parameter is null (`not_assessed`); a dimension with nothing applicable is dropped and the others
  rescale to the pack total;
- scoring uses `decimal.Decimal` in the engine's order of operations (28-digit context), and the
  total is rounded half up to 2 places before grading.

The pack's numbers (parameter defaults, points, weights, caps, grades) are read from its YAML
files by `DemoPack.from_dir`/`from_docs`; the rule logic itself is written out by hand below.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import ROUND_HALF_UP, Decimal

M = 1_000_000  # one unit in millionths
D0 = Decimal(0)
Q2 = Decimal("0.01")
Q6 = Decimal("0.000001")

MET, PARTLY, NOT_MET, NA, MISSING, NOT_ASSESSED = (
    "met", "partly_met", "not_met", "not_applicable", "missing_data", "not_assessed")
_PERCENT_TEXT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[%％]\s*$")
_EMPTY: dict = {}


# -- numbers -------------------------------------------------------------------------------

def div_half_up(a: int, b: int) -> int:
    """a / b rounded half up (away from zero on a tie), b > 0."""
    if a >= 0:
        return (2 * a + b) // (2 * b)
    return -((-2 * a + b) // (2 * b))


def micro(value) -> int:
    """An int/float/Decimal input in millionths, as the engine's six-place normalisation."""
    if type(value) is int:
        return value * M
    if type(value) is float:
        scaled = value * M
        rounded = round(scaled)
        if -1e-6 < scaled - rounded < 1e-6:
            return rounded
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return int(value.scaleb(6).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    raise TypeError(f"not a number: {value!r}")


def percent_micro(value) -> int:
    """A percent input (98, 98.5, '98.5%') as a fraction in millionths: 0.985 -> 985000."""
    if type(value) is str:
        match = _PERCENT_TEXT.match(value)
        if match is None:
            raise ValueError(f"not a percentage: {value!r}")
        value = Decimal(match.group(1))
    return div_half_up(micro(value), 100)


def _d(value_micro: int) -> Decimal:
    return Decimal(value_micro).scaleb(-6)


def _group(data: dict, key: str) -> dict:
    node = data.get(key)
    return node if type(node) is dict else _EMPTY


# -- the pack's numbers ----------------------------------------------------------------------

class DemoPack:
    """Parameter values, points, weights, caps and grades of the demo pack."""

    RULES = ("D1.train", "D1.homes", "D1.ten_you", "D1.cards", "D1.meetings", "D2.ledgers", "D2.mediation",
             "D2.joint", "D3.staff", "B.honours", "P.petition", "P.crime", "V.cult", "V.petition")

    def __init__(self, params: dict, points: dict, dimensions: list, scoring: dict):
        self.training_min = percent_micro(params["training_min"])
        self.seven_homes = list(dict.fromkeys(params["seven_homes"] or ()))
        ten_you = params.get("ten_you_items")
        self.ten_you_items = list(dict.fromkeys(ten_you)) if ten_you is not None else None
        self.pass_mark = micro(params["pass_mark"])
        self.excellent_mark = micro(params["excellent_mark"])
        self.crime_deduction = max(0, micro(params["crime_deduction"]))
        self.w_community = micro(params["w_community"])
        self.w_enterprise = micro(params["w_enterprise"])
        self.w_residents = micro(params["w_residents"])
        self.w_without_enterprise = self.w_community + self.w_residents
        self.points = {rule: int(value) for rule, value in points.items()}  # whole points in this pack
        for rule, value in points.items():
            if value is not None and value != int(value):
                raise ValueError(f"{rule}: plain_demo assumes whole points")
        self.dimensions = [(d["id"], _decimal_or_none(d["weight"])) for d in dimensions]
        self.total_weight = sum((w for _, w in self.dimensions), D0)
        self.not_applicable = scoring.get("not_applicable", "exclude")
        self.bonus_cap = _decimal_or_none(scoring.get("bonus_cap"))
        self.penalty_cap = _decimal_or_none(scoring.get("penalty_cap"))
        self.rounding = Decimal(1).scaleb(-int(scoring.get("rounding", 2)))
        self.grades = []
        for grade in scoring["grades"]:
            requires = grade.get("requires") or {}
            share = requires.get("min_dimension_share")
            self.grades.append((grade["id"], _decimal_or_none(grade.get("at_least")),
                                _decimal_or_none(grade.get("above")), bool(requires.get("no_veto")),
                                _decimal_or_none(share)))

    @classmethod
    def from_docs(cls, docs: list[dict]) -> DemoPack:
        """From the pack's YAML documents (pack.yaml first, then the other files)."""
        params: dict = {}
        points: dict = {}
        manifest = docs[0]
        for doc in docs:
            for name, decl in (doc.get("parameters") or {}).items():
                params[name] = decl.get("default")
            for rule in doc.get("rules") or ():
                points[rule["id"]] = rule.get("points")
        missing = [r for r in cls.RULES if r not in points]
        if missing or len(points) != len(cls.RULES):
            raise ValueError(f"not the demo pack: rules {sorted(points)}")
        points = {r: p for r, p in points.items() if p is not None}
        return cls(params, points, manifest["dimensions"], manifest["scoring"])

    @classmethod
    def from_dir(cls, path, loader=None) -> DemoPack:
        import yaml

        loader = loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        files = [os.path.join(path, "pack.yaml")]
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not (folder == str(path) and d == "tests"))
            files += sorted(os.path.join(folder, n) for n in names
                            if n.endswith(".yaml") and os.path.join(folder, n) != files[0])
        docs = []
        for file in files:
            with open(file, encoding="utf-8") as handle:
                docs.append(yaml.load(handle.read(), Loader=loader) or {})
        return cls.from_docs(docs)


def _decimal_or_none(value):
    """A number of the pack file; a share may be written 0.7 or '70%'."""
    if value is None:
        return None
    if type(value) is str:
        return _d(percent_micro(value))
    return _d(micro(value))


# -- evaluation ---------------------------------------------------------------------------

class Result:
    __slots__ = ("bonus", "dimensions", "findings", "grade", "penalty", "total", "vetoes")

    def __init__(self, findings, dimensions, bonus, penalty, vetoes, total, grade):
        self.findings = findings  # rule id -> (outcome, earned or deducted in millionths, vetoed)
        self.dimensions = dimensions  # [(id, score rounded to 6 places, counted)]
        self.bonus = bonus
        self.penalty = penalty  # total-level deductions after the cap
        self.vetoes = vetoes  # rule ids
        self.total = total  # Decimal, rounded as shown
        self.grade = grade


def _checklist(have, required, points: int):
    """completeness(have, required) as partial credit: (outcome, earned)."""
    if have is None:
        return MISSING, 0
    if not required:
        return NA, 0  # completeness over nothing required does not apply
    present = set(have)
    share = div_half_up(sum(1 for item in required if item in present) * M, len(required))
    if share >= M:
        return MET, points * M
    if share <= 0:
        return NOT_MET, 0
    return PARTLY, points * share


def _period(meta: dict):
    period = meta.get("period")
    if type(period) is dict:
        return period["start"], period["end"]
    year = meta.get("year")
    if year is None:
        return None
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _monthly_shortfall(meetings: list, kind: str, need: int, period) -> int:
    start, end = period
    first = start.year * 12 + start.month - 1
    counts = [0] * (end.year * 12 + end.month - first)
    for meeting in meetings:
        if meeting.get("type") == kind:
            day = meeting.get("date")
            if type(day) is dt.date and start <= day <= end:
                counts[day.year * 12 + day.month - 1 - first] += 1
    return sum(need - c for c in counts if c < need)


def evaluate(data: dict, pack: DemoPack) -> Result:
    if data is None:
        data = _EMPTY
    points = pack.points
    found: dict = {}

    # -- D1 organisation ------------------------------------------------------------------
    members = _group(data, "party_members")
    total_members = members.get("total")
    if total_members is None:
        found["D1.train"] = (MISSING, 0, False)
    elif total_members <= 0:
        found["D1.train"] = (NA, 0, False)
    else:
        trained = members.get("trained")
        if trained is None:
            found["D1.train"] = (MISSING, 0, False)
        elif div_half_up(trained * M, total_members) >= pack.training_min:
            found["D1.train"] = (MET, points["D1.train"] * M, False)
        else:
            found["D1.train"] = (NOT_MET, 0, False)

    venue = _group(data, "venue")
    outcome, earned = _checklist(venue.get("homes"), pack.seven_homes, points["D1.homes"])
    found["D1.homes"] = (outcome, earned, False)
    if pack.ten_you_items is None:
        found["D1.ten_you"] = (NOT_ASSESSED, 0, False)
    else:
        outcome, earned = _checklist(venue.get("ten_you"), pack.ten_you_items, points["D1.ten_you"])
        found["D1.ten_you"] = (outcome, earned, False)

    floating = members.get("floating")
    if floating is None:
        found["D1.cards"] = (MISSING, 0, False)
    elif floating <= 0:
        found["D1.cards"] = (NA, 0, False)
    else:
        cards = _group(data, "floating").get("cards")
        if cards is None:
            found["D1.cards"] = (MISSING, 0, False)
        elif "流动党员联系卡" in cards and "流动党员活动记录卡" in cards:
            found["D1.cards"] = (MET, points["D1.cards"] * M, False)
        else:
            found["D1.cards"] = (NOT_MET, 0, False)

    meetings = data.get("meetings")
    meta = _group(data, "profile")
    if meetings is None:
        found["D1.meetings"] = (MISSING, 0, False)
    else:
        top = points["D1.meetings"] * M
        deducted = min(_monthly_shortfall(meetings, "组织生活", 2, _period(meta)) * (M // 2), top)
        found["D1.meetings"] = (MET if deducted == 0 else NOT_MET if deducted == top else PARTLY,
                                top - deducted, False)

    # -- D2 service ------------------------------------------------------------------------
    ledgers = _group(data, "ledgers")
    opened, closed = ledgers.get("opened"), ledgers.get("closed")
    if opened == 0:  # nothing to divide by: not applicable, whatever `closed` is
        found["D2.ledgers"] = (NA, 0, False)
    elif opened is None or closed is None:
        found["D2.ledgers"] = (MISSING, 0, False)
    else:
        rate = div_half_up(closed * M, opened)
        top = points["D2.ledgers"] * M
        if rate >= 980_000:
            found["D2.ledgers"] = (MET, top, False)
        elif rate >= 900_000:
            found["D2.ledgers"] = (PARTLY, top // 2, False)
        else:
            found["D2.ledgers"] = (NOT_MET, 0, False)

    rate = _group(data, "mediation").get("rate")
    if rate is None:
        found["D2.mediation"] = (MISSING, 0, False)
    elif percent_micro(rate) >= 980_000:
        found["D2.mediation"] = (MET, points["D2.mediation"] * M, False)
    else:
        found["D2.mediation"] = (NOT_MET, 0, False)

    enterprise = _group(data, "co_building").get("enterprise")
    if enterprise is None:
        found["D2.joint"] = (MISSING, 0, False)
    elif enterprise is False:
        found["D2.joint"] = (NA, 0, False)
    else:
        trained_met = found["D1.train"][0] == MET
        if meetings is None:  # unknown and met(): false settles it, true leaves it unknown
            found["D2.joint"] = (MISSING if trained_met else NOT_MET, 0, False)
        elif trained_met and any(m.get("type") == "联席会议" for m in meetings):
            found["D2.joint"] = (MET, points["D2.joint"] * M, False)
        else:
            found["D2.joint"] = (NOT_MET, 0, False)

    # -- D3 staff (4:3:3, renormalised 4:3 without a co-building enterprise) -----------------
    staff = data.get("staff")
    staff_earned = None  # Decimal
    if staff is None:
        found["D3.staff"] = (MISSING, 0, False)
    elif not staff:
        found["D3.staff"] = (NA, 0, False)
    else:
        passed = unknown = 0
        if enterprise is None:
            unknown = len(staff)
        else:
            wc, we, wr, pass_mark = pack.w_community, pack.w_enterprise, pack.w_residents, pack.pass_mark
            w_sum = pack.w_without_enterprise
            for member in staff:
                scores = member.get("scores")
                if type(scores) is not dict:
                    unknown += 1
                    continue
                c, r = scores.get("community"), scores.get("residents")
                if enterprise:
                    e = scores.get("enterprise")
                    if c is None or e is None or r is None:
                        unknown += 1
                        continue
                    composite = (div_half_up(wc * micro(c), M) + div_half_up(we * micro(e), M)
                                 + div_half_up(wr * micro(r), M))
                else:
                    if c is None or r is None:
                        unknown += 1
                        continue
                    composite = div_half_up((div_half_up(wc * micro(c), M) + div_half_up(wr * micro(r), M)) * M,
                                            w_sum)
                if composite >= pass_mark:
                    passed += 1
        count = len(staff)
        staff_earned = (Decimal(points["D3.staff"]) * (Decimal(passed) / count)).quantize(Q6)
        outcome = MISSING if unknown else MET if passed == count else NOT_MET if passed == 0 else PARTLY
        found["D3.staff"] = (outcome, None, False)

    # -- bonus, penalties, vetoes ------------------------------------------------------------
    honours = data.get("honours")
    if honours is None:
        found["B.honours"] = (MISSING, 0, False)
    else:
        award = min(sum(1 for h in honours if h.get("level") in ("national", "provincial")) * 2, 4) * M
        found["B.honours"] = (MET if award > 0 else NOT_MET, award, False)

    incidents = _group(data, "incidents")
    petition = incidents.get("petition")
    if petition is None:
        found["P.petition"] = (MISSING, 0, False)
    else:
        deducted = min(max(0, petition) * 2, 6) * M
        found["P.petition"] = (MET if deducted == 0 else NOT_MET, deducted, False)
    crime = incidents.get("crime")
    if crime is None:
        found["P.crime"] = (MISSING, 0, False)
    else:
        deducted = max(0, crime) * pack.crime_deduction
        found["P.crime"] = (MET if deducted == 0 else NOT_MET, deducted, False)
    cult = incidents.get("cult")
    found["V.cult"] = (MISSING, 0, False) if cult is None else (NOT_MET, 0, True) if cult > 0 else (MET, 0, False)
    found["V.petition"] = ((MISSING, 0, False) if petition is None else (NOT_MET, 0, True) if petition >= 3
                           else (MET, 0, False))

    # -- scores -------------------------------------------------------------------------------
    # earned / available per dimension in millionths (exact), then the engine's Decimal arithmetic
    na_policy = pack.not_applicable

    def tally(rule_ids):
        earned = available = 0
        for rule in rule_ids:
            outcome, got, _ = found[rule]
            if outcome == NOT_ASSESSED:
                continue
            if outcome == NA:
                if na_policy == "exclude":
                    continue
                available += points[rule] * M
                earned += points[rule] * M if na_policy == "full" else 0
                continue
            available += points[rule] * M
            earned += got
        return earned, available

    d1 = tally(("D1.train", "D1.homes", "D1.ten_you", "D1.cards", "D1.meetings"))
    d2 = tally(("D2.ledgers", "D2.mediation", "D2.joint"))
    staff_outcome = found["D3.staff"][0]
    if staff_outcome == NA and na_policy == "exclude":
        d3 = (D0, D0)
    elif staff_outcome == NA:
        d3 = (Decimal(points["D3.staff"]) if na_policy == "full" else D0, Decimal(points["D3.staff"]))
    else:
        d3 = (staff_earned if staff_earned is not None else D0, Decimal(points["D3.staff"]))
    penalties = {"D1": D0, "D2": _d(found["P.petition"][1]), "D3": D0}
    sums = {"D1": (_d(d1[0]), _d(d1[1])), "D2": (_d(d2[0]), _d(d2[1])), "D3": d3}

    counted_weight = sum((weight for dim, weight in pack.dimensions if sums[dim][1] > 0), D0)
    rescale = pack.total_weight / counted_weight if counted_weight else D0
    base = D0
    scores = []
    for dim, weight in pack.dimensions:
        earned, available = sums[dim]
        if available <= 0:
            scores.append((dim, D0, False, weight))
            continue
        score = max(D0, weight * earned / available - penalties[dim]) * rescale
        base += score
        scores.append((dim, score, True, weight))
    bonus = _d(found["B.honours"][1])
    if pack.bonus_cap is not None:
        bonus = min(bonus, pack.bonus_cap)
    penalty = _d(found["P.crime"][1])
    if pack.penalty_cap is not None:
        penalty = min(penalty, pack.penalty_cap)
    total = max(D0, base + bonus - penalty).quantize(pack.rounding, rounding=ROUND_HALF_UP)
    scores = [(dim, score.quantize(Q6, rounding=ROUND_HALF_UP), counted, weight)
              for dim, score, counted, weight in scores]

    # -- grade --------------------------------------------------------------------------------
    vetoes = [rule for rule in ("V.cult", "V.petition") if found[rule][2]]
    grades = pack.grades
    last = len(grades) - 1
    if "V.cult" in vetoes:  # severity fail: the lowest grade
        grade = grades[last][0]
    else:
        barred = "V.petition" in vetoes  # severity no_award: not the top grade
        grade = grades[last][0]
        for index, (grade_id, at_least, above, no_veto, min_share) in enumerate(grades):
            if at_least is not None and total < at_least or above is not None and total <= above:
                continue
            if index != last:
                if index == 0 and barred or no_veto and vetoes:
                    continue
                if min_share is not None and any(counted and score < min_share * weight
                                                 for _, score, counted, weight in scores):
                    continue
            grade = grade_id
            break

    if found["D3.staff"][1] is None:
        found["D3.staff"] = (found["D3.staff"][0], micro(staff_earned) if staff_earned is not None else 0, False)
    return Result(found, [(dim, score, counted) for dim, score, counted, _ in scores], bonus, penalty, vetoes,
                  total, grade)


__all__ = ["DemoPack", "Result", "div_half_up", "evaluate", "micro", "percent_micro"]
