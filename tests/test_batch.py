"""Batches: worker processes, error entries (invalid, crashed, hung), summary formats, ranking, exit codes."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.batch.run import BatchOptions, find_profiles, report_stems, run_batch
from engine.cli import app
from engine.errors import UsageError
from engine.report.load import load_report
from engine.report.summary.render import render_summary
from engine.source.load import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "tests" / "packs" / "demo")
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
BASE = load_yaml(STRONG).data
runner = CliRunner()


def write_profile(directory: Path, name: str, pid: str, display: str | None = None, **changes) -> Path:
    data = copy.deepcopy(BASE)
    data["profile"]["id"] = pid
    data["profile"]["name"] = display or pid
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    out = directory / name
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


@pytest.fixture
def street(tmp_path) -> Path:
    """Five communities: two tied, one vetoed, one weaker, one better; and an invalid profile."""
    d = tmp_path / "street"
    d.mkdir()
    write_profile(d, "a.yaml", "a", "甲社区")
    write_profile(d, "b.yaml", "b", "乙社区")  # the same data as a: tied
    write_profile(d, "c.yaml", "c", "丙社区", incidents__cult=1)  # vetoed: forced to the lowest grade
    write_profile(d, "d.yaml", "d", "丁社区", incidents__petition=3)  # more deductions, and a no-award veto
    write_profile(d, "e.yaml", "e", "戊社区", incidents__petition=0)  # better
    (d / "bad.yaml").write_text("profile: {id: bad}\nparty_members: {total: lots}\n", encoding="utf-8")
    return d


def invoke(*args: str):
    return runner.invoke(app, list(args))


def summary_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_batch_ranks_writes_reports_and_lists_invalid_profiles(street, tmp_path):
    out = tmp_path / "out"
    result = invoke(str(street), "--pack", DEMO, "--backend", "reference", "-j", "2", "--output-dir", str(out),
                    "--format", "json", "--format", "text", "--summary-format", "json", "-o", str(tmp_path / "s.json"))
    assert result.exit_code == 2  # one profile was invalid; the others were assessed
    assert f"{street / 'bad.yaml'}:2:24: error[type]" in result.stderr
    summary = summary_of(tmp_path / "s.json")
    assert (summary["profiles"], summary["assessed"]) == (6, 5)
    [group] = summary["groups"]
    ranked = [(r["rank"], r["profile_id"], r["grade"]) for r in group["rows"]]
    assert ranked == [(1, "e", "pass"), (2, "a", "pass"), (2, "b", "pass"), (4, "d", "pass"), (5, "c", "fail")]
    [error] = summary["errors"]
    assert error["status"] == "invalid" and error["diagnostics"][0]["line"] == 2
    for stem in "abcde":
        report = load_report(out / f"{stem}.json")
        assert report.profile.id == stem
        assert (out / f"{stem}.txt").read_text(encoding="utf-8").startswith("考核评估报告")
    assert not (out / "bad.json").exists()
    row = group["rows"][0]
    assert row["outputs"] == [str(out / "e.json"), str(out / "e.txt")]
    assert row["rules"]["P.petition"] == ["penalty", "met", 0]


def test_a_crash_or_a_hang_costs_one_profile_and_the_worker_is_replaced(street, monkeypatch):
    monkeypatch.setenv("ASSESS_TEST_FAULT", "crash=b.yaml;hang=d.yaml")
    files = [str(street / n) for n in ("a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml")]
    # one worker, one chunk: what follows the crash and the hang in the chunk must still be assessed
    result = run_batch(files, BatchOptions(packs=[DEMO], backend="reference", jobs=1, timeout=3, chunk_size=10))
    errors = {Path(e.file).name: e for e in result.summary.errors}
    assert set(errors) == {"b.yaml", "d.yaml"}
    assert errors["b.yaml"].status == "crashed" and "SIGSEGV" in errors["b.yaml"].reason
    assert errors["d.yaml"].status == "timeout" and "3 s" in errors["d.yaml"].reason
    assert sorted(r.profile_id for r in result.summary.groups[0].rows) == ["a", "c", "e"]
    assert result.workers_started == 3 and len(set(result.worker_pids)) == 3


def test_crashes_and_exceptions_exit_3(street, monkeypatch):
    monkeypatch.setenv("ASSESS_TEST_FAULT", "crash=a.yaml;raise=c.yaml")
    result = invoke(str(street / "a.yaml"), str(street / "c.yaml"), str(street / "e.yaml"), "--pack", DEMO,
                    "--backend", "reference", "-j", "2")
    assert result.exit_code == 3
    assert f"{street / 'a.yaml'}: error[crashed]: the worker process was killed by SIGSEGV" in result.stderr
    assert "error[error]: internal error: RuntimeError: test fault for c.yaml" in result.stderr
    assert "评定进程崩溃" in result.stdout and "1/3 已评定" in result.stdout


def test_the_number_of_workers_does_not_change_the_summary(street):
    files = find_profiles([street])
    one = run_batch(files, BatchOptions(packs=[DEMO], backend="reference", jobs=1)).summary
    two = run_batch(files, BatchOptions(packs=[DEMO], backend="reference", jobs=2, chunk_size=1)).summary
    assert render_summary(one, "json") == render_summary(two, "json")


def test_thresholds_fail_a_batch_and_name_the_profiles(street, tmp_path):
    files = [str(street / n) for n in ("a.yaml", "c.yaml", "e.yaml")]
    common = ["--pack", DEMO, "--backend", "reference", "-j", "1"]
    assert invoke(*files, *common).exit_code == 0
    below = invoke(*files, *common, "--fail-under", "77")  # a and c: 76.94 (a veto leaves the total), e: 78.94
    assert below.exit_code == 1
    assert f"{street / 'c.yaml'}: [demo] total 76.94 is below --fail-under 77" in below.stderr
    assert "a.yaml" in below.stderr and "e.yaml" not in below.stderr
    veto = invoke(*files, *common, "--fail-on-veto")
    assert veto.exit_code == 1 and "veto V.cult" in veto.stderr
    # a baseline from last year's summary: e is now worse than it was
    last = tmp_path / "2023.json"
    assert invoke(*files, *common, "--summary-format", "json", "-o", str(last)).exit_code == 0
    write_profile(street, "e.yaml", "e", "戊社区", incidents__petition=2)
    out = tmp_path / "out"
    regressed = invoke(*files, *common, "--baseline", str(last), "--fail-on-regression", "--output-dir", str(out),
                       "--format", "json")
    assert regressed.exit_code == 1
    comparison = load_report(out / "e.json").baseline  # each profile's report carries its comparison too
    assert comparison.regression and comparison.packs[0].new_findings == ["P.petition"]
    assert f"{street / 'e.yaml'}: [demo] regression: total 78.94 → 74.94" in regressed.stderr
    assert "-4" in regressed.stdout  # the change column (same grade: no arrow)
    assert invoke(*files, *common, "--baseline", str(last)).exit_code == 0


def test_quota_in_the_text_summary(street):
    result = invoke(str(street / "a.yaml"), str(street / "b.yaml"), str(street / "e.yaml"), "--pack", DEMO,
                    "--backend", "reference", "-j", "1", "--quota", "合格=2", "--lang", "zh")
    assert result.exit_code == 0  # e first; a and b tie for the second place: both move down
    assert "由合格调为不合格（合格不超过2个：3个中至多2个；同分并列整体调整）" in result.stdout
    assert "等次比例：合格不超过2个：3个中至多2个，调整2个" in result.stdout
    lines = [line for line in result.stdout.splitlines() if "社区" in line and "e " in line]
    assert lines and "合格" in lines[0] and "调为" not in lines[0]
    unknown = invoke(str(street / "a.yaml"), str(street / "e.yaml"), "--pack", DEMO, "--backend", "reference",
                     "-j", "1", "--quota", "outstanding=10%")
    assert unknown.exit_code == 2 and "no ranked pack has a grade 'outstanding'" in unknown.stderr


def test_csv_and_xlsx_summaries_neutralise_formulas(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    write_profile(d, "x.yaml", "x", "=HYPERLINK(\"http://evil\")")
    write_profile(d, "y.yaml", "y", "@SUM(1)")
    result = invoke(str(d), "--pack", DEMO, "--backend", "reference", "-j", "1", "-o", str(tmp_path / "s.csv"))
    assert result.exit_code == 0
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel and WPS read Chinese right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["考核细则", "名次", "社区", "编号"]
    names = {r[3]: r[2] for r in rows[1:]}
    assert names == {"x": "'=HYPERLINK(\"http://evil\")", "y": "'@SUM(1)"}
    assert rows[1][5] == "76.94"  # numbers stay numbers
    result = invoke(str(d), "--pack", DEMO, "--backend", "reference", "-j", "1", "-o", str(tmp_path / "s.xlsx"))
    assert result.exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "s.xlsx").worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    evil = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s" and evil.quotePrefix
    assert any(c.value == 76.94 for c in cells)


def test_inputs_files_directories_and_globs(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".hidden").mkdir()
    for name in ("d/a.yaml", "d/sub/b.yml", "d/.hidden/c.yaml", "d/notes.txt", "e.yaml"):
        (tmp_path / name).write_text("profile: {}\n", encoding="utf-8")
    found = find_profiles([tmp_path / "d", str(tmp_path / "*.yaml"), tmp_path / "d" / "a.yaml"])
    assert [Path(f).relative_to(tmp_path).as_posix() for f in found] == ["d/a.yaml", "d/sub/b.yml", "e.yaml"]
    with pytest.raises(UsageError):
        find_profiles([str(tmp_path / "none-*.yaml")])
    assert report_stems(["x/a.yaml", "y/a.yaml", "z/A.yml", "b.yaml"]) == ["a", "a-2", "A-3", "b"]
    result = invoke(str(tmp_path / "nothing-*.yaml"), "--pack", DEMO)
    assert result.exit_code == 2 and "no profile files match" in result.stderr
    result = invoke(str(tmp_path / "d"), "--pack", DEMO, "--format", "json")
    assert result.exit_code == 2 and "--output-dir" in result.stderr


def test_bad_packs_stop_the_batch_with_exit_2(street, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pack.yaml").write_text("pack: {id: x}\n", encoding="utf-8")
    result = invoke(str(street / "a.yaml"), str(street / "e.yaml"), "--pack", str(broken), "-j", "1")
    assert result.exit_code == 2 and "error[" in result.stderr and "Traceback" not in result.stderr


def test_one_profile_stays_in_process():
    """`assess profile.yaml` never imports multiprocessing nor the batch modules (and stays fast)."""
    code = ("import sys; from engine.cli import app\n"
            "try:\n    app([sys.argv[1], '--pack', sys.argv[2], '--backend', 'reference'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "bad = [m for m in ('multiprocessing', 'engine.batch.run', 'engine.batch.workers', 'rich')\n"
            "       if m in sys.modules]\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code, str(STRONG), DEMO], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "总分 76.94 / 100" in done.stdout


def test_the_progress_bar_shows_on_a_terminal_only(monkeypatch):
    from engine.cli.batch_run import progress_bar

    with progress_bar(10) as tick:
        assert tick is None  # stderr is not a terminal under pytest

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(10) as tick:
        assert callable(tick)
        tick(5, 10)
    assert "5/10" in terminal.getvalue()


def test_shipped_packs_by_subject_with_a_waiver_and_an_adjustment(tmp_path):
    """Without --pack each profile gets the shipped packs of its subject: one ranked table per pack."""
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: V5.3, profile: strong-community, "
                       "justification: 经区信访局认定不属越级上访, approver: 区信访局, expires: 2099-12-31}\n",
                       encoding="utf-8")
    adjustments = tmp_path / "a.yaml"
    adjustments.write_text("adjustments:\n  - {rule: R1.4, profile: 'weak-*', points: -1, reason: 现场核查, "
                           "reviewer: 考核组}\n", encoding="utf-8")
    out = tmp_path / "s.json"
    result = invoke(str(ROOT / "profiles"), "-j", "2", "--summary-format", "json", "-o", str(out),
                    "--waivers", str(waivers), "--adjustments", str(adjustments))
    assert result.exit_code == 0, result.stderr
    groups = {g["pack"]: g for g in summary_of(out)["groups"]}
    assert {p: len(g["rows"]) for p, g in groups.items()} == {"co-building-unit": 2, "community": 6}
    rows = {r["profile_id"]: r for r in groups["community"]["rows"]}
    strong = rows["strong-community"]
    assert strong["rank"] == 1 and strong["grade"] == "excellent" and strong["vetoes"] == []  # the veto is waived
    assert strong["waived"] == 1 and strong["rules"]["V5.3"][1] == "waived"
    assert rows["weak-community"]["adjusted"] == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("waivers:\n  - {rule: V5.33, profile: x, justification: j, approver: a, expires: 2099-12-31}\n",
                   encoding="utf-8")
    result = invoke(str(ROOT / "profiles"), "--waivers", str(bad))
    assert result.exit_code == 2 and f"{bad}:2:12: error[unknown-rule]" in result.stderr


@pytest.mark.parametrize("limit", ["²", "３０%", "٣"])
def test_a_quota_is_written_with_the_digits_0_to_9(street, limit):
    """`str.isdigit()` and Decimal() accept '²', '３０' and '٣': a quota names its number in ASCII digits."""
    result = invoke(str(street / "a.yaml"), "--pack", DEMO, "--backend", "reference", "-j", "1",
                    "--quota", f"合格={limit}")
    assert result.exit_code == 2
    assert "is not a number written with the digits 0-9" in result.stderr
    assert "internal error" not in result.stderr
