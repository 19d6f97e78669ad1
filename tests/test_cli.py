"""The `assess` command: options, outputs and exit codes; bad input never shows a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "tests" / "packs" / "demo")
STRONG = str(ROOT / "tests" / "profiles" / "demo-strong.yaml")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_default_command_assesses_a_profile():
    result = run(STRONG, "--pack", DEMO, "--backend", "reference")
    assert result.exit_code == 0
    assert "总分 76.94 / 100" in result.stdout and "等次：合格" in result.stdout


def test_english_json_to_a_file(tmp_path):
    out = tmp_path / "report.json"
    result = run(STRONG, "--pack", DEMO, "--lang", "en", "--format", "json", "--output", str(out),
                 "--backend", "reference")
    assert result.exit_code == 0 and result.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["schema_version"] == "1" and report["results"][0]["total"] == 76.94
    assert report["engine"]["backend"] == "reference"


def test_options_before_the_profile():
    result = run("--pack", DEMO, "--lang", "en", STRONG, "--backend", "reference")
    assert result.exit_code == 0 and "Total 76.94 / 100" in result.stdout


def test_fail_under_and_fail_on_veto():
    assert run(STRONG, "--pack", DEMO, "--fail-under", "80", "--backend", "reference").exit_code == 1
    assert run(STRONG, "--pack", DEMO, "--fail-under", "76.94", "--backend", "reference").exit_code == 0
    assert run(STRONG, "--pack", DEMO, "--fail-on-veto", "--backend", "reference").exit_code == 0


def test_fail_on_veto(tmp_path):
    profile = tmp_path / "veto.yaml"
    profile.write_text("profile: {year: 2024}\nincidents: {cult: 1}\n", encoding="utf-8")
    assert run(str(profile), "--pack", DEMO, "--fail-on-veto", "--backend", "reference").exit_code == 1


def test_set_a_parameter():
    strict = run(STRONG, "--pack", DEMO, "--set", "training_min=100%", "--format", "json", "--backend", "reference")
    findings = {f["rule"]: f for f in json.loads(strict.stdout)["results"][0]["findings"]}
    assert findings["D1.train"]["outcome"] == "not_met"
    qualified = run(STRONG, "--pack", DEMO, "--set", "demo:ten_you_items=[a, b]", "--format", "json",
                    "--backend", "reference")
    findings = {f["rule"]: f for f in json.loads(qualified.stdout)["results"][0]["findings"]}
    assert findings["D1.ten_you"]["outcome"] == "missing_data"


@pytest.mark.parametrize("args, code, fragment", [
    (["--set", "trainng_min=1"], "unknown-parameter", "did you mean 'training_min'?"),
    (["--set", "training_min=lots"], "parameter-type", "must be a percentage"),
    (["--set", "novalue"], "usage", "NAME=VALUE"),
])
def test_bad_parameters_exit_2(args, code, fragment):
    result = runner.invoke(app, [STRONG, "--pack", DEMO, *args])
    assert result.exit_code == 2
    assert f"error[{code}]" in result.stderr and fragment in result.stderr


def test_pack_check_reports_every_problem(tmp_path):
    pack = tmp_path / "p"
    (pack / "rules").mkdir(parents=True)
    (pack / "pack.yaml").write_text((ROOT / "tests" / "packs" / "demo" / "pack.yaml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    (pack / "rules" / "r.yaml").write_text(
        "dimension: D1\nrules:\n  - {id: a, title: a, points: 1, require: nope > 1}\n"
        "  - {id: b, title: b, points: 1, require: also_nope > 1}\n", encoding="utf-8")
    result = runner.invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2
    lines = [line for line in result.stdout.splitlines() if "error[expr-unknown-name]" in line]
    assert len(lines) == 2 and lines[0].endswith("unknown input or derived value 'nope'")
    assert ":3:" in lines[0] and ":4:" in lines[1]
    as_json = json.loads(runner.invoke(app, ["pack", "check", str(pack), "--format", "json"]).stdout)
    assert as_json["errors"] == 2


def test_pack_check_of_a_good_pack():
    result = run("pack", "check", DEMO)
    assert result.exit_code == 0 and "0 error(s)" in result.stdout


def test_pack_compile_shows_the_network_and_derived_values():
    result = run("pack", "compile", DEMO)
    assert result.exit_code == 0
    assert "D2.mediation require: mediation.rate >= 98%" in result.stdout
    assert "[0] mediation.rate >= 0.98" in result.stdout
    assert "_d" in result.stdout and "durable_rules ruleset" in result.stdout


def test_version():
    assert run("--version").stdout.startswith("assess ")


BAD_INPUTS = {
    "syntax.yaml": b"party_members: [1, 2\n",
    "duplicate.yaml": b"ledgers: {opened: 1}\nledgers: {opened: 2}\n",
    "types.yaml": "party_members: {total: 四十}\n".encode(),
    "latin1.yaml": "name: M\xfcller\n".encode("latin-1"),
    "binary.yaml": b"\x00\x01\x02\x03",
    "deep.yaml": b"[" * 5000,
    "tabs.yaml": b"party_members:\n\ttotal: 3\n",
    "list.yaml": b"- a\n- b\n",
    "tag.yaml": b"x: !!python/object:os.system ls\n",
    "empty.yaml": b"",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_profiles_exit_2_without_traceback(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    process = subprocess.run([sys.executable, "-m", "engine", str(path), "--pack", DEMO, "--backend", "reference"],
                             capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr
    assert f"{path}:" in process.stderr or str(path) in process.stderr


def test_missing_file_and_missing_pack():
    result = runner.invoke(app, [str(ROOT / "nope.yaml"), "--pack", DEMO])
    assert result.exit_code == 2 and "file-not-found" in result.stderr
    result = runner.invoke(app, [STRONG, "--pack", str(ROOT / "nope")])
    assert result.exit_code == 2 and "pack-not-found" in result.stderr


def test_usage_errors_exit_2():
    assert runner.invoke(app, [STRONG, "--lang", "fr"]).exit_code == 2
    assert runner.invoke(app, [STRONG, "--backend", "jess"]).exit_code == 2


def test_pack_compile_shows_every_construct_of_the_constructs_pack():
    result = run("pack", "compile", str(ROOT / "tests" / "packs" / "constructs"))
    assert result.exit_code == 0, result.stdout
    assert "date_lt require: d < params.day" in result.stdout
    assert "[0] d < date('2024-06-30')" in result.stdout  # the parameter folded in
    assert "matches_attr require: matches(t, '甲.*')" in result.stdout


@pytest.mark.parametrize("bad", ["２", "2²", "٣"])
def test_only_ascii_digits_make_numbers_in_expressions(tmp_path, bad):
    """A full-width digit, a superscript or another script's digit is pointed at, never read as a number."""
    pack = tmp_path / "p"
    shutil.copytree(DEMO, pack)
    line = f'    require: "party_members.total >= {bad}"'
    (pack / "extra.yaml").write_text(f"rules:\n  - id: X1\n    title: x\n    dimension: D1\n    points: 1\n{line}\n",
                                     encoding="utf-8")
    result = runner.invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2, result.stdout
    column = line.index(bad[-1]) + 1
    assert f"extra.yaml:6:{column}: error[expr-syntax]: {bad[-1]!r} is not a digit 0-9" in result.stdout
    assert "internal error" not in result.stdout + result.stderr


def test_a_value_that_names_a_command_is_still_a_value(tmp_path):
    """`assess --pack pack p.yaml`: 'pack' is the value of --pack, the profile makes it `assess run`."""
    shutil.copytree(DEMO, tmp_path / "pack")
    process = subprocess.run([sys.executable, "-m", "engine", "--pack", "pack", STRONG, "--backend", "reference"],
                             capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.returncode == 0, process.stderr
    assert "总分 76.94 / 100" in process.stdout


def completion(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`assess` as the shell calls it, with its name as installed (prog_name) and the given environment."""
    code = "from engine.cli import app; app(prog_name='assess')"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env})


@pytest.mark.parametrize("shell, line", [("bash", "complete -o default -F _assess_completion assess"),
                                         ("zsh", "#compdef assess"), ("fish", "complete --command assess")])
def test_show_completion_prints_a_script(shell, line):
    # the shell named on the line, not detected from the parent process
    done = completion({"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}, "--show-completion", shell)
    assert done.returncode == 0, done.stderr
    assert line in done.stdout and "_ASSESS_COMPLETE=complete_" in done.stdout


@pytest.mark.parametrize("words, cword, expected", [
    ("assess pa", "1", "pack"),                           # a command
    ("assess pack ", "2", "check"),                       # a subcommand
    ("assess profile.yaml --la", "2", "--lang"),          # an option of run, the default command
    ("assess profile.yaml --lang ", "3", "en"),           # its values
])
def test_completion_protocol(words, cword, expected):
    done = completion({"_ASSESS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword})
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout.split()


def test_a_shipped_packs_id_is_accepted_wherever_a_pack_directory_is(tmp_path, monkeypatch):
    """`--pack community` means the shipped pack, as `extends: community` does; a near miss gets a did-you-mean."""
    monkeypatch.chdir(tmp_path)  # no directory named community here
    for args in (["profile", "init", "--pack", "community", "--no-schema"], ["pack", "check", "community"],
                 [str(ROOT / "profiles" / "middling-community.yaml"), "--pack", "community", "--backend",
                  "reference"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
    typo = runner.invoke(app, ["profile", "init", "--pack", "comunity"])
    assert typo.exit_code == 2 and "hint: did you mean 'community'?" in typo.stderr


def test_a_failed_threshold_says_which_and_by_how_much(tmp_path):
    below = run(STRONG, "--pack", DEMO, "--fail-under", "80", "--backend", "reference")
    assert below.exit_code == 1
    assert "[demo] total 76.94 is below --fail-under 80, 3.06 short" in below.stderr
    veto = tmp_path / "veto.yaml"
    veto.write_text("profile: {year: 2024}\nincidents: {cult: 1}\n", encoding="utf-8")
    vetoed = run(str(veto), "--pack", DEMO, "--fail-on-veto", "--backend", "reference")
    assert vetoed.exit_code == 1 and "veto V.cult applies (--fail-on-veto)" in vetoed.stderr
    passed = run(STRONG, "--pack", DEMO, "--fail-under", "70", "--fail-on-veto", "--backend", "reference")
    assert passed.exit_code == 0 and "fail" not in passed.stderr


def test_as_of_judges_waivers_on_a_given_date(tmp_path):
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: D1.homes, profile: demo-strong, justification: 批复, approver: 区委, "
                       "expires: 2024-06-30}\n", encoding="utf-8")
    common = [STRONG, "--pack", DEMO, "--backend", "reference", "--waivers", str(waivers), "--format", "json"]
    by_period = run(*common)  # judged on the period's last day, 2024-12-31: expired
    assert json.loads(by_period.stdout)["results"][0]["waivers"] == []
    assert "warning[waiver-expired]" in by_period.stderr and "before 2024-12-31" in by_period.stderr
    mid_year = run(*common, "--as-of", "2024-06-30")
    [waiver] = json.loads(mid_year.stdout)["results"][0]["waivers"]
    assert waiver["judged_on"] == "2024-06-30"
    bad = run(*common, "--as-of", "2024/06/30")
    assert bad.exit_code == 2 and "--as-of expects a date written YYYY-MM-DD" in bad.stderr
