"""Profile positions in the Report: what each finding read, located in the profile file."""

from __future__ import annotations

from report_inputs import DEMO_PACK, DEMO_PROFILE, demo_report

from engine.api.engine import Engine
from engine.report.locate import _locate, data_path
from engine.source.load import load_yaml_bytes


def finding(report, rule):
    return next(f for f in report.results[0].findings if f.rule == rule)


def test_derived_values_are_located_at_the_inputs_they_compute_from():
    lines = DEMO_PROFILE.read_text(encoding="utf-8").splitlines()
    train = finding(demo_report(), "D1.train")  # reads training_rate = ratio(trained, total)
    assert [loc.input for loc in train.profile_locations] == ["party_members.total", "party_members.trained"]
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("party_members:"))
    total = train.profile_locations[0]
    assert (total.line, total.col, total.end_col) == (line, lines[line - 1].index("80") + 1,
                                                      lines[line - 1].index("80") + 3)
    assert total.present and total.file.endswith("demo-strong.yaml")


def test_absent_and_period_inputs_point_at_the_nearest_key():
    source = load_yaml_bytes("profile:\n  name: 甲\n  year: 2024\nvenue:\n  homes: []\n".encode(),
                             "p.yaml").source
    year = _locate(source, "p.yaml", "period.start", None)
    assert (year.line, year.col, year.end_col, year.present) == (3, 9, 13, True)
    absent = _locate(source, "p.yaml", "venue.ten_you", None)  # at the key 'venue'
    assert (absent.line, absent.col, absent.end_line, absent.end_col, absent.present) == (4, 1, 4, 6, False)
    nothing = _locate(source, "p.yaml", "meetings", None)  # no parent key: the document start
    assert (nothing.line, nothing.col, nothing.end_col, nothing.present) == (1, 1, 1, False)
    no_year = load_yaml_bytes(b"profile:\n  name: x\n", "q.yaml").source
    period = _locate(no_year, "q.yaml", "period.end", None)  # where 'year' or 'period' would go
    assert (period.line, period.col, period.end_col, period.present) == (1, 1, 8, False)


def test_a_profile_without_a_source_has_no_locations():
    engine = Engine.from_dirs([DEMO_PACK], backend="reference")
    profile = engine.schema.validate_data({"profile": {"year": 2024}, "party_members": {"total": 3}}, "inline")
    report = engine.assess(profile)
    assert all(f.profile_locations == [] for f in report.results[0].findings)


def test_data_paths():
    assert data_path("venue.homes") == ("venue", "homes")
    assert data_path("staff[].scores.community", 2) == ("staff", 2, "scores", "community")
    assert data_path("staff[].scores.community") == ("staff",)
