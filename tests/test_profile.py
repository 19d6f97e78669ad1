"""Profile validation against the inputs of the selected packs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from engine.api.engine import Engine
from engine.errors import InputError
from engine.pack.build import load_pack

DEMO = Path(__file__).parent / "packs" / "demo"


@pytest.fixture(scope="module")
def engine():
    return Engine([load_pack(DEMO)], backend="reference")


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "p.yaml"
    path.write_bytes(text.encode(encoding))
    return path


def errors(engine, path: Path) -> list[tuple[int, int, str, str]]:
    with pytest.raises(InputError) as error:
        engine.load_profile(path)
    return [(d.line, d.col, d.code, d.message) for d in error.value.diagnostics if d.severity == "error"]


def test_values_are_typed_and_flattened(engine, tmp_path):
    profile = engine.load_profile(write(tmp_path, """\
profile: {id: x, year: 2024}
party_members: {total: 80, trained: 76}
mediation: {rate: 98.5%}
meetings: [{date: 2024-01-05, type: 组织生活}]
staff: [{name: 甲, scores: {community: 90.5}}]
"""))
    values = profile.values
    assert values["party_members.total"] == 80
    assert values["mediation.rate"] == Decimal("0.985")
    assert values["meetings"] == [{"date": dt.date(2024, 1, 5), "type": "组织生活"}]
    assert values["staff"] == [{"name": "甲", "scores.community": Decimal("90.5")}]
    assert values["period.start"] == dt.date(2024, 1, 1) and values["period.end"] == dt.date(2024, 12, 31)
    assert "party_members.floating" not in values  # absent inputs stay absent: missing data, not an error


def test_percent_written_as_a_number_is_a_percentage(engine, tmp_path):
    profile = engine.load_profile(write(tmp_path, "mediation: {rate: 98}\n"))
    assert profile.values["mediation.rate"] == Decimal("0.98")


def test_type_errors_say_what_was_expected(engine, tmp_path):
    found = errors(engine, write(tmp_path, "party_members:\n  total: 4519户\n  trained: -1\n"))
    assert (2, 10, "type", "party_members.total must be a whole number ≥ 0, got '4519户'") in found
    assert any(line == 3 and code == "range" for line, _, code, _ in found)


def test_a_date_may_be_quoted_iso_text(engine, tmp_path):
    """What JSON carries (and a quoted YAML scalar gives): text that is exactly YYYY-MM-DD is a date."""
    profile = engine.load_profile(write(tmp_path, "meetings:\n  - {date: '2024-03-01', type: 组织生活}\n"
                                                  "  - {date: \"2024-02-29\", type: 组织生活}\n"))
    assert [m["date"] for m in profile.values["meetings"]] == [dt.date(2024, 3, 1), dt.date(2024, 2, 29)]
    data = {"meetings": [{"date": "2024-03-01", "type": "组织生活"}]}  # posted JSON, validated as data
    assert engine.schema.validate_data(data, "form").values["meetings"][0]["date"] == dt.date(2024, 3, 1)


@pytest.mark.parametrize("text", ["2024/03/01", "2024-3-1", "20240301", "2024-03-01T00:00",
                                  " 2024-03-01", "2024-W09-5", "２０２４-03-01"])
def test_other_date_texts_are_rejected_at_their_position(engine, tmp_path, text):
    found = errors(engine, write(tmp_path, f"meetings:\n  - {{type: 组织生活, date: '{text}'}}\n"))
    assert found == [(2, 24, "type", f"meetings[0].date must be a date written YYYY-MM-DD, got '{text}'")]
    with pytest.raises(InputError) as error:
        engine.schema.validate_data({"meetings": [{"date": text, "type": "组织生活"}]}, "form")
    assert [d.message for d in error.value.diagnostics] == \
        [f"meetings[0].date must be a date written YYYY-MM-DD, got '{text}'"]


def test_a_date_that_does_not_exist_is_said_so(engine, tmp_path):
    """Text of the shape YYYY-MM-DD that names no day: the message says why, not that it is not a date."""
    found = errors(engine, write(tmp_path, "meetings:\n  - {type: 组织生活, date: '2024-02-30'}\n"))
    assert found == [(2, 24, "date", "meetings[0].date: there is no 2024-02-30: February 2024 has 29 days")]
    with pytest.raises(InputError) as error:
        engine.schema.validate_data({"meetings": [{"date": "2023-02-29", "type": "组织生活"}]}, "form")
    assert [d.message for d in error.value.diagnostics] == \
        ["meetings[0].date: there is no 2023-02-29: February 2023 has 28 days"]


def test_unit_in_a_number_gets_a_hint(engine, tmp_path):
    with pytest.raises(InputError) as error:
        engine.load_profile(write(tmp_path, "party_members: {total: 78名}\n"))
    assert "without a unit" in error.value.errors[0].hint


def test_unknown_keys_get_did_you_mean(engine, tmp_path):
    with pytest.raises(InputError) as error:
        engine.load_profile(write(tmp_path, "party_members:\n  totl: 3\nledger: {opened: 1}\n"))
    diagnostics = {(d.line, d.col): d for d in error.value.diagnostics}
    assert diagnostics[(2, 3)].code == "unknown-key" and diagnostics[(2, 3)].hint == "did you mean 'total'?"
    assert diagnostics[(3, 1)].hint == "did you mean 'ledgers'?"


def test_misplaced_key_suggests_its_full_path(engine, tmp_path):
    with pytest.raises(InputError) as error:
        engine.load_profile(write(tmp_path, "trained: 3\n"))
    assert error.value.diagnostics[0].hint == "did you mean 'party_members.trained'?"


def test_enum_values_and_booleans(engine, tmp_path):
    with pytest.raises(InputError) as error:
        engine.load_profile(write(tmp_path, "venue: {homes: [党员之家, 妇女之]}\nco_building: {enterprise: yes}\n"))
    by_code = {d.code: d for d in error.value.diagnostics}
    assert by_code["enum"].hint == "did you mean '妇女之家'?" and by_code["enum"].col == 23
    assert by_code["type"].hint == "write true or false"


def test_required_fields_of_list_elements(engine, tmp_path):
    found = errors(engine, write(tmp_path, "staff:\n  - {scores: {community: 80}}\n"))
    assert found and found[0][2] == "missing-field" and found[0][0] == 2


def test_text_given_as_a_number_must_be_quoted(engine, tmp_path):
    with pytest.raises(InputError) as error:
        engine.load_profile(write(tmp_path, "staff: [{name: 001}]\n"))
    assert "quote it" in error.value.errors[0].hint


def test_gbk_profile_is_decoded_with_a_warning(engine, tmp_path):
    profile = engine.load_profile(write(tmp_path, "profile: {name: 复兴社区, subject: community}\n"
                                                  "venue: {homes: [党员之家]}\n", encoding="gbk"))
    assert profile.meta.name == "复兴社区" and profile.values["venue.homes"] == ["党员之家"]
    assert [w.code for w in profile.warnings] == ["encoding"]


def test_profile_meta_block(engine, tmp_path):
    found = errors(engine, write(tmp_path, "profile: {year: 1900, colour: red}\n"))
    assert {code for *_, code, _ in found} == {"profile-meta", "unknown-key"}
    profile = engine.load_profile(write(tmp_path, "profile: {period: {start: 2024-07-01, end: 2025-06-30}}\n"))
    assert profile.period == (dt.date(2024, 7, 1), dt.date(2025, 6, 30))


def test_every_problem_is_reported(engine, tmp_path):
    found = errors(engine, write(tmp_path, "party_members: {total: x, trained: y}\nledgers: {opened: -3}\nfoo: 1\n"))
    assert len(found) == 4


def test_a_list_where_a_mapping_is_expected(engine, tmp_path):
    found = errors(engine, write(tmp_path, "party_members: [1, 2]\n"))
    assert found[0][0] == 1 and "mapping" in found[0][3]
