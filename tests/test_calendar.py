"""Calendar arithmetic: years_between, months_between, add_years, add_months.

Years and months are counted on the calendar (29 February + 1 year is 28 February; 31 January + 1 month is the
last day of February), spans count whole years or months like an age and agree with the shifted dates for
every n, unknown arguments give unknown results, and a pack using them gives the same report on both backends
through `assess`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app
from engine.expr import Checker, Env, ExprError, Symbol, compile_expr, parse
from engine.expr import types as T
from engine.expr.functions import add_months, whole_months
from engine.expr.values import MISSING, NA

ROOT = Path(__file__).resolve().parent.parent
CALENDAR_PACK = str(ROOT / "tests" / "packs" / "calendar")
BACKENDS = ["reference"] + (["durable"] if durable_available()[0] else [])

SYMBOLS = {
    "day": Symbol("input", "day", T.DATE),
    "other": Symbol("input", "other", T.DATE),
    "n": Symbol("input", "n", T.INTEGER),
    "x": Symbol("input", "x", T.NUMBER),
    "period.end": Symbol("period", "period.end", T.DATE),
}


def evaluate(source: str, **values):
    tree = parse(source)
    Checker(SYMBOLS, []).check(tree)
    env = Env(values)
    return compile_expr(tree)(env), env


def value_of(source: str, **values):
    return evaluate(source, **values)[0]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# -- shifting a date ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("add_years(date('2024-02-29'), 1)", "2025-02-28"),   # no 29 February: the month's last day
    ("add_years(date('2024-02-29'), 4)", "2028-02-29"),   # a leap year again: the same day
    ("add_years(date('2024-02-29'), -1)", "2023-02-28"),
    ("add_years(date('2023-03-01'), 1)", "2024-03-01"),   # a leap day in between shifts nothing
    ("add_years(date('2024-06-30'), 0)", "2024-06-30"),
    ("add_months(date('2024-01-31'), 1)", "2024-02-29"),
    ("add_months(date('2023-01-31'), 1)", "2023-02-28"),
    ("add_months(date('2024-03-31'), -1)", "2024-02-29"),
    ("add_months(date('2024-03-31'), 1)", "2024-04-30"),
    ("add_months(date('2024-01-31'), 2)", "2024-03-31"),  # each shift starts from the given day, not chained
    ("add_months(date('2024-11-15'), 3)", "2025-02-15"),  # across a year end
    ("add_months(date('2024-02-15'), -14)", "2022-12-15"),
    ("add_months(date('2024-05-31'), 36)", "2027-05-31"),
])
def test_adding_years_and_months_clamps_to_the_end_of_a_shorter_month(source, expected):
    assert value_of(source) == d(expected)


def test_the_number_added_may_be_any_integer_expression():
    assert value_of("add_years(period.end, -n)", n=2, **{"period.end": d("2024-12-31")}) == d("2022-12-31")
    assert value_of("add_months(day, n * 12) == add_years(day, n)", day=d("2024-02-29"), n=3) is True


# -- spans -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, years, months", [
    ("2022-12-31", "2024-12-31", 2, 24),   # the anniversary: two whole years
    ("2023-01-01", "2024-12-31", 1, 23),   # a day short of it
    ("2022-03-01", "2024-02-29", 1, 23),   # 730 days, but the second anniversary is 2024-03-01
    ("2022-02-28", "2024-02-29", 2, 24),
    ("2024-02-29", "2025-02-28", 1, 12),   # 29 February's anniversary in a common year is 28 February
    ("2024-02-29", "2025-02-27", 0, 11),
    ("2024-01-31", "2024-02-29", 0, 1),    # 31 January + 1 month is 29 February
    ("2024-01-30", "2024-02-29", 0, 1),
    ("2024-02-29", "2024-03-28", 0, 0),    # 29 February + 1 month is 29 March
    ("2024-06-30", "2024-06-30", 0, 0),
    ("2024-06-30", "2024-06-29", -1, -1),  # negative as soon as the second date is earlier
    ("2024-06-30", "2023-06-30", -1, -12),
    ("2024-06-30", "2023-06-29", -2, -13),
    ("2025-01-10", "2024-12-31", -1, -1),
])
def test_whole_years_and_months_between_dates(start, end, years, months):
    dates = {"day": d(start), "other": d(end)}
    assert value_of("years_between(day, other)", **dates) == years
    assert value_of("months_between(day, other)", **dates) == months


DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(DATES, DATES, st.integers(-600, 600))
def test_a_span_and_a_shifted_date_agree_for_every_n(start, end, n):
    """So `months_between(a, b) < n` and `b < add_months(a, n)` say the same, for any dates and any n."""
    assert (whole_months(start, end) >= n) == (add_months(start, n) <= end)
    years = value_of("years_between(day, other)", day=start, other=end)
    assert (years >= n // 12) == (add_months(start, 12 * (n // 12)) <= end)


@given(DATES, DATES)
def test_the_sign_of_a_span_is_the_order_of_the_dates(start, end):
    months = whole_months(start, end)
    assert (months >= 0) == (start <= end)
    assert add_months(start, months) <= end < add_months(start, months + 1)


# -- unknown values and errors ---------------------------------------------------------------------

@pytest.mark.parametrize("source, missing", [
    ("years_between(day, other)", {"other"}),
    ("months_between(other, day)", {"other"}),
    ("add_years(day, n)", {"n"}),
    ("add_months(other, 1)", {"other"}),
    ("add_years(date('2024-01-01'), n)", {"n"}),
    ("years_between(day, null)", set()),
])
def test_a_missing_argument_gives_missing_data(source, missing):
    value, env = evaluate(source, day=d("2024-01-01"))
    assert value is MISSING and env.missing == missing


def test_a_value_that_does_not_apply_stays_not_applicable():
    value, env = evaluate("add_years(day, n)", day=d("2024-01-01"), n=NA)
    assert value is NA and env.na
    assert value_of("years_between(day, other)", day=NA, other=MISSING) is MISSING  # missing wins, as elsewhere


def test_a_date_beyond_the_calendar_does_not_apply():
    value, env = evaluate("add_years(day, n)", day=d("2024-01-01"), n=8000)
    assert value is NA and env.na
    assert value_of("add_months(day, -n) == null", day=d("0001-02-01"), n=2) is True
    assert value_of("add_years(day, 7975)", day=d("2024-12-31")) == d("9999-12-31")


@pytest.mark.parametrize("source, message, column", [
    ("years_between(day, 3)", "the second argument of years_between() must be date, got integer", 19),
    ("months_between(n, day)", "the first argument of months_between() must be date, got integer", 15),
    ("add_years(day, x)", "the number of years of add_years() must be integer, got number", 15),
    ("add_months(day, 1.5)", "the number of months of add_months() must be integer, got number", 16),
    ("add_years(3, 1)", "the first argument of add_years() must be date, got integer", 10),
])
def test_wrong_arguments_are_positioned_type_errors(source, message, column):
    with pytest.raises(ExprError) as error:
        Checker(SYMBOLS, []).check(parse(source))
    assert error.value.code == "expr-type" and error.value.message == message
    assert error.value.start == column


def test_wrong_number_of_arguments():
    with pytest.raises(ExprError) as error:
        Checker(SYMBOLS, []).check(parse("add_years(day)"))
    assert error.value.code == "expr-arity" and error.value.hint == "add_years(date, n)"


def test_date_arithmetic_points_to_the_calendar_functions():
    with pytest.raises(ExprError) as error:
        Checker(SYMBOLS, []).check(parse("period.end - 2"))
    assert "add_years(date, n)" in (error.value.hint or "") and "years_between(a, b)" in (error.value.hint or "")


def test_results_have_the_types_other_functions_expect():
    assert value_of("year(add_years(day, 2)) == 2026 and month(add_months(day, 13)) == 2", day=d("2024-01-31"))
    assert value_of("years_between(day, other) + 1", day=d("2024-01-31"), other=d("2026-01-31")) == 3


# -- a veto window through the command line -----------------------------------------------------

PROFILE = """\
profile: {{id: x, name: 甲社区, subject: community, year: 2024}}
founded: 2020-05-01
committee: {{elected: 2022-06-15}}
incidents:
  - {{what: 火灾, date: {date}}}
"""


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("incident, vetoes", [
    ("2023-01-01", ["V.recent", "V.window"]),   # fewer than two whole years before 2024-12-31
    ("2022-12-31", ["V.window"]),               # the second anniversary: two whole years, last day of the period
    ("2022-12-30", []),
    ("2025-01-10", []),                         # after the period: not counted
])
def test_a_two_year_veto_window_through_assess(tmp_path, backend, incident, vetoes):
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE.format(date=incident), encoding="utf-8")
    result = CliRunner().invoke(app, [str(profile), "--pack", CALENDAR_PACK, "--backend", backend, "--format",
                                      "json", "--fail-on-veto"], catch_exceptions=False)
    assert result.exit_code == (1 if vetoes else 0), result.output
    report = json.loads(result.stdout)["results"][0]
    assert [veto["rule"] for veto in report["vetoes"]] == vetoes
    assert report["grade"]["id"] == ("b" if vetoes else "a")


def test_the_calendar_pack_passes_its_cases_on_both_backends():
    result = CliRunner().invoke(app, ["pack", "test", CALENDAR_PACK], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_dates_read_over_years_are_not_warned_about_as_outside_the_period(tmp_path):
    # the founding date, the election and an incident of the year before are read over years, not
    # counted in the period: no date-outside-period warning for them
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE.format(date="2023-01-01"), encoding="utf-8")
    result = CliRunner().invoke(app, [str(profile), "--pack", CALENDAR_PACK, "--backend", "reference", "--format",
                                      "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == []
