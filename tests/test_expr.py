"""The expression language: syntax, types, three-valued evaluation, functions, bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.expr import Checker, Env, ExprError, Symbol, compile_expr, parse
from engine.expr import types as T
from engine.expr.unparse import unparse
from engine.expr.values import MISSING, NA

STAFF = T.ObjectType("object", (("name", T.STRING), ("s.c", T.NUMBER), ("s.e", T.NUMBER),
                                ("tags", T.list_of(T.STRING))), "staff")
EVENTS = T.ObjectType("object", (("date", T.DATE), ("type", T.enum(["组织生活", "党课"]))), "events")
SYMBOLS = {
    "pm.total": Symbol("input", "pm.total", T.INTEGER),
    "pm.trained": Symbol("input", "pm.trained", T.INTEGER),
    "pm.absent": Symbol("input", "pm.absent", T.INTEGER),
    "rate": Symbol("input", "rate", T.NUMBER),
    "flag": Symbol("input", "flag", T.BOOLEAN),
    "name": Symbol("input", "name", T.STRING),
    "day": Symbol("input", "day", T.DATE),
    "homes": Symbol("input", "homes", T.list_of(T.enum(["党员之家", "职工之家", "妇女之家"]))),
    "staff": Symbol("input", "staff", T.list_of(STAFF)),
    "events": Symbol("input", "events", T.list_of(EVENTS)),
    "params.req": Symbol("param", "req", T.list_of(T.STRING), ["党员之家", "职工之家", "妇女之家"]),
    "params.w": Symbol("param", "w", T.NUMBER, Decimal("0.4")),
    "params.unset": Symbol("param", "unset", T.NUMBER, None),
    "period.start": Symbol("period", "period.start", T.DATE),
}
VALUES = {
    "pm.total": 78, "pm.trained": 71, "rate": Decimal("0.98"), "flag": True, "name": "复兴社区",
    "day": dt.date(2024, 3, 1), "homes": ["党员之家"],
    "staff": [{"name": "a", "s.c": Decimal("60"), "s.e": 60, "tags": ["x"]},
              {"name": "b", "s.c": Decimal("59.5")}],
    "events": [{"date": dt.date(2024, m, 1), "type": "组织生活"} for m in range(1, 13)]
              + [{"date": dt.date(2024, 3, 5), "type": "组织生活"}, {"date": dt.date(2023, 12, 5), "type": "党课"}],
}
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def check(source: str, scope=()):
    tree = parse(source)
    result_type = Checker(SYMBOLS, ["R1", "R2"]).check(tree, scope)
    return tree, result_type


def run(source: str, values=None, outcomes=None):
    tree, _ = check(source)
    env = Env(dict(VALUES if values is None else values), period=PERIOD, outcomes=outcomes or {})
    value = compile_expr(tree)(env)
    return value, env


def value_of(source: str, **kwargs):
    return run(source, **kwargs)[0]


# -- syntax ---------------------------------------------------------------------------

@pytest.mark.parametrize("source, offset, code", [
    ("pm.total = 3", 9, "expr-syntax"),
    ("ratio(pm.total, pm.trained", 26, "expr-syntax"),
    ("pm.total >", 10, "expr-syntax"),
    ("1 < 2 < 3", 6, "expr-syntax"),
    ("'unterminated", 0, "expr-syntax"),
    ("2 ** 3", 2, "expr-syntax"),
    ("a（b）", 1, "expr-syntax"),
    ("12abc", 0, "expr-syntax"),
    ("", 0, "expr-syntax"),
    ("x" * 2001, 2000, "expr-limit"),
])
def test_syntax_errors_point_at_the_problem(source, offset, code):
    with pytest.raises(ExprError) as error:
        parse(source)
    assert error.value.code == code
    assert error.value.start == offset


def test_lookalike_characters_get_a_hint():
    with pytest.raises(ExprError) as error:
        parse("pm.total ≥ 3")
    assert "'>='" in error.value.hint


def test_nesting_and_size_are_bounded():
    with pytest.raises(ExprError) as deep:
        parse("(" * 60 + "1" + ")" * 60)
    assert deep.value.code == "expr-limit"
    with pytest.raises(ExprError) as big:
        parse(" + ".join(["1"] * 450))
    assert big.value.code == "expr-limit"


def test_percent_literals_are_fractions():
    tree = parse("90%")
    assert tree.value == Decimal("0.9") and tree.percent
    assert unparse(tree) == "90%"


def test_unparse_keeps_precedence():
    assert unparse(parse("(a + b) * c")) == "(a + b) * c"
    assert unparse(parse("a - (b - c)")) == "a - (b - c)"
    assert unparse(parse("not (a and b) or c")) == "not (a and b) or c"


# -- names and types ---------------------------------------------------------------------

def test_unknown_name_suggests_the_closest():
    with pytest.raises(ExprError) as error:
        check("pm.totl > 3")
    assert error.value.code == "expr-unknown-name"
    assert error.value.hint == "did you mean 'pm.total'?"
    assert (error.value.start, error.value.end) == (0, 7)


def test_unknown_field_inside_a_list_function():
    with pytest.raises(ExprError) as error:
        check("count(staff, sc >= 60)")
    assert error.value.hint == "did you mean 's.c'?"
    assert error.value.start == 13


def test_group_name_is_not_a_value():
    with pytest.raises(ExprError) as error:
        check("pm > 3")
    assert "group" in error.value.message and "pm.total" in error.value.hint


def test_unknown_parameter_and_function():
    with pytest.raises(ExprError) as param:
        check("params.ww > 1")
    assert param.value.code == "expr-unknown-param" and "params.w" in param.value.hint
    with pytest.raises(ExprError) as function:
        check("cuont(staff)")
    assert function.value.code == "expr-unknown-function" and function.value.hint == "did you mean 'count'?"


@pytest.mark.parametrize("source, fragment", [
    ("name > 3", "cannot order"),
    ("pm.total + name", "applies to numbers"),
    ("flag == 1", "cannot compare"),
    ("homes == 3", "cannot compare"),
    ("pm.total in pm.trained", "needs a list"),
    ("not pm.total", "'not' applies to a condition"),
    ("len(pm.total)", "must be a list"),
    ("if(flag, 1, 'a')", "branches"),
    ("day > '2024-01-01'", "cannot order"),
    ("pm.total < null", "cannot compare with null"),
    ("round(rate, 9)", "0..6"),
    ("per_period(events, 'week')", "unknown period unit"),
])
def test_type_errors(source, fragment):
    with pytest.raises(ExprError) as error:
        check(source)
    assert fragment in error.value.message


def test_enum_literals_are_checked_with_did_you_mean():
    with pytest.raises(ExprError) as error:
        check("'妇女之x' in homes")
    assert error.value.code == "expr-enum" and error.value.hint == "did you mean '妇女之家'?"
    with pytest.raises(ExprError):
        check("count(events, type == '党客') > 0")


def test_met_needs_a_known_rule():
    with pytest.raises(ExprError) as error:
        check("met('R3')")
    assert error.value.code == "expr-unknown-rule"
    assert check("met('R1')")[1] == T.BOOLEAN


def test_result_types():
    assert check("pm.total + 1")[1] == T.INTEGER
    assert check("pm.total / 2")[1] == T.NUMBER
    assert check("missing(homes, params.req)")[1] == T.list_of(T.STRING)
    assert check("count(staff, s.c > 1)")[1] == T.INTEGER
    assert check("sum(staff, s.c)")[1] == T.NUMBER


# -- evaluation -------------------------------------------------------------------------------

def test_decimal_arithmetic_is_exact_at_boundaries():
    assert value_of("0.4 * 60 + 0.3 * 60 + 0.3 * 60 == 60") is True
    assert value_of("0.1 + 0.2 == 0.3") is True
    assert value_of("1 / 3") == Decimal("0.333333")
    assert value_of("2 / 3") == Decimal("0.666667")
    assert value_of("round(2.5) + round(2.45, 1)") == Decimal("5.5")


def test_ratio_with_zero_denominator_does_not_apply():
    value, env = run("ratio(pm.trained, 0) >= 90%")
    assert value is NA and env.na
    assert value_of("ratio(pm.trained, pm.total)") == Decimal("0.910256")


def test_missing_input_is_unknown_and_recorded():
    value, env = run("pm.absent > 3")
    assert value is MISSING and env.missing == {"pm.absent"}


@pytest.mark.parametrize("source, expected", [
    ("pm.absent > 3 and false", False),
    ("pm.absent > 3 or true", True),
    ("pm.absent > 3 and true", MISSING),
    ("not (pm.absent > 3)", MISSING),
    ("pm.absent > 3 or false", MISSING),
])
def test_kleene_logic(source, expected):
    assert value_of(source) is expected


def test_both_sides_of_and_are_read():
    # reads do not depend on evaluation order: the durable backend records the same
    _, env = run("false and pm.absent > 3")
    assert env.missing == {"pm.absent"}


def test_null_tests_and_coalesce_are_definite():
    value, env = run("pm.absent == null")
    assert value is True and not env.missing
    value, env = run("coalesce(pm.absent, 0) + 1")
    assert value == 1 and not env.missing
    value, env = run("exists(pm.absent) or exists(pm.total)")
    assert value is True and not env.missing
    value, env = run("coalesce(ratio(pm.total, 0), 0) >= 0")
    assert value is True and not env.na


def test_lists_and_checklists():
    assert value_of("missing(homes, params.req)") == ["职工之家", "妇女之家"]
    assert value_of("present(homes, params.req)") == 1
    assert value_of("completeness(homes, params.req)") == Decimal("0.333333")
    assert value_of("'党员之家' in homes") is True
    assert value_of("'职工之家' not in homes") is True
    assert value_of("len(homes)") == 1
    assert value_of("count(staff, s.c >= 60)") == 1
    assert value_of("sum(staff, s.c * params.w)") == Decimal("47.8")
    assert value_of("max(staff, s.c)") == 60
    assert value_of("collect(filter(staff, s.c < 60), name)") == ["b"]
    assert value_of("any(staff, 'x' in tags)") is True


def test_aggregates_over_elements_lacking_a_field():
    value, env = run("avg(staff, s.e)")
    assert value is MISSING and env.missing == {"staff[].s.e"}
    assert value_of("any(staff, s.e > 59)") is True  # one element definitely qualifies
    assert value_of("all(staff, s.e > 59)") is MISSING
    assert value_of("count(staff, s.e > 59)") == 1


def test_empty_lists():
    empty = dict(VALUES, staff=[])
    assert value_of("all(staff, s.c > 1)", values=empty) is True
    assert value_of("any(staff, s.c > 1)", values=empty) is False
    assert value_of("sum(staff, s.c)", values=empty) == 0
    value, env = run("avg(staff, s.c)", values=empty)
    assert value is NA and env.na


def test_events_per_period():
    assert value_of("per_period(events, 'quarter')") == [4, 3, 3, 3]
    assert value_of("periods_meeting(filter(events, type == '组织生活'), 'month', 2)") == 1
    assert value_of("shortfall(events, 'month', 2)") == 11
    assert value_of("periods('month')") == 12
    assert value_of("len(in_period(events))") == 13


def test_dates_and_text():
    assert value_of("day >= date('2024-01-01') and year(day) == 2024 and month(day) == 3") is True
    assert value_of("days_between(date('2024-01-01'), day)") == 60
    assert value_of("matches(name, '.*社区')") is True
    assert value_of("contains(name, '复兴')") is True
    with pytest.raises(ExprError) as error:
        check("matches(name, '(a)\\\\1')")  # a back-reference: RE2 has none
    assert error.value.code == "expr-regex"


def test_met_reads_outcomes():
    assert value_of("met('R1')", outcomes={"R1": "met"}) is True
    assert value_of("met('R1')", outcomes={"R1": "partly_met"}) is False


def test_unset_parameter_is_missing():
    assert value_of("params.unset > 3") is MISSING


def test_results_stay_in_range():
    assert value_of("999999999 + 1") is NA


def test_zero_denominator_does_not_apply_even_without_the_part():
    value, env = run("ratio(pm.absent, 0) >= 90%")
    assert value is NA and env.na and not env.missing
    value, env = run("pm.absent / 0")
    assert value is NA and not env.missing
    value, env = run("ratio(pm.absent, pm.total)")
    assert value is MISSING and env.missing == {"pm.absent"}


def test_event_functions_without_a_period_are_missing_data():
    tree, _ = check("shortfall(events, 'month', 2) > 0 or periods('month') > 0 or len(in_period(events)) > 0")
    env = Env(dict(VALUES), period=None)
    assert compile_expr(tree)(env) is MISSING
    assert env.missing == {"period.start"}
