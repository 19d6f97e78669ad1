"""The configuration file: found walking up from the working directory, its settings the defaults of the
options (the command line wins), and every problem in it reported with its position."""

from __future__ import annotations

import json
import shutil

import pytest
from report_inputs import DEMO_PACK, DEMO_PROFILE
from typer.testing import CliRunner

from engine.cli import app
from engine.cli.settings import TomlPositions, find_config

runner = CliRunner()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A repository of profiles: the demo pack beside a profile in a subdirectory; the work happens in `sub`."""
    monkeypatch.delenv("ASSESS_CONFIG", raising=False)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(DEMO_PACK, root / "pack")
    (root / "sub").mkdir()
    shutil.copy(DEMO_PROFILE, root / "sub" / "p.yaml")
    monkeypatch.chdir(root / "sub")
    return root


def assess(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def outcome(result, rule: str = "D1.train") -> str:
    findings = {f["rule"]: f for f in json.loads(result.stdout)["results"][0]["findings"]}
    return str(findings[rule]["outcome"])


CONFIG = """\
packs = ["pack"]           # relative to this file
lang = "en"
backend = "reference"
fail-under = 80

[parameters]
training_min = "100%"
"""


def test_settings_found_walking_up_are_the_defaults(tree):
    (tree / "assess.toml").write_text(CONFIG, encoding="utf-8")
    result = assess("p.yaml")
    assert result.exit_code == 1, result.stderr  # below the configured 80
    assert "Total 60.51 / 100" in result.stdout and "Backend reference" in result.stdout
    assert outcome(assess("p.yaml", "--format", "json")) == "not_met"  # training_min = 100 %


def test_the_command_line_wins(tree):
    (tree / "assess.toml").write_text(CONFIG, encoding="utf-8")
    result = assess("p.yaml", "--lang", "zh", "--fail-under", "50")
    assert result.exit_code == 0 and "总分 60.51 / 100" in result.stdout
    assert outcome(assess("p.yaml", "--format", "json", "--set", "training_min=10%")) == "met"
    # another parameter on the command line keeps the configured one: parameters merge by name
    assert outcome(assess("p.yaml", "--format", "json", "--set", "pass_mark=50")) == "not_met"
    other = tree / "pack2"
    shutil.copytree(tree / "pack", other)
    replaced = assess("p.yaml", "--pack", str(other), "--fail-under", "0", "--format", "json")
    assert len(json.loads(replaced.stdout)["results"]) == 1  # --pack replaces the configured packs


def test_no_config_and_explicit_files(tree):
    (tree / "assess.toml").write_text(CONFIG, encoding="utf-8")
    plain = assess("p.yaml", "--no-config", "--pack", "../pack", "--backend", "reference")
    assert plain.exit_code == 0 and "总分 76.94" in plain.stdout  # zh, no threshold
    other = tree / "other.toml"
    other.write_text('packs = ["pack"]\nbackend = "reference"\nlang = "zh"\n', encoding="utf-8")
    assert "总分" in assess("--config", str(other), "p.yaml").stdout
    assert "总分" in assess("p.yaml", "--config", str(other)).stdout  # --config may stand anywhere
    assert "总分" in assess("p.yaml", env={"ASSESS_CONFIG": str(other)}).stdout
    assert "Total" in assess("p.yaml", "--config", str(tree / "assess.toml"), env={"ASSESS_CONFIG": str(other)}).stdout
    assert "总分" in assess("p.yaml", "--no-config", "--pack", "../pack", env={"ASSESS_CONFIG": str(other)}).stdout
    missing = assess("p.yaml", "--config", "nope.toml")
    assert missing.exit_code == 2 and "nope.toml: error[config-not-found]" in missing.stderr


def test_pyproject_tool_assess(tree):
    (tree / "pyproject.toml").write_text('[project]\nname = "profiles"\n\n[tool.assess]\npacks = ["pack"]\n'
                                         'lang = "en"\nbackend = "reference"\n', encoding="utf-8")
    assert "Total 76.94" in assess("p.yaml").stdout
    (tree / "assess.toml").write_text('packs = ["pack"]\nbackend = "reference"\n', encoding="utf-8")
    assert "总分 76.94" in assess("p.yaml").stdout  # assess.toml wins in the same directory


def test_which_file_is_found(tree):
    sub = tree / "sub"
    assert find_config(sub)[0] is None
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # not ours: walk on
    (tree / "pyproject.toml").write_text('[tool.assess.parameters]\ntraining_min = "90%"\n', encoding="utf-8")
    assert find_config(sub)[0] == tree / "pyproject.toml"
    (tree / "assess.toml").write_text("", encoding="utf-8")
    assert find_config(sub)[0] == tree / "assess.toml"
    (sub / "assess.toml").write_text("", encoding="utf-8")
    assert find_config(sub)[0] == sub / "assess.toml"  # the nearest


def test_the_walk_stops_at_the_repository_root(tree):
    (tree.parent / "assess.toml").write_text('lang = "en"\n', encoding="utf-8")  # outside the repository
    found, searched = find_config(tree / "sub")
    assert found is None and searched == [tree / "sub", tree]
    (tree / ".git").rmdir()
    (tree / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")  # a worktree's .git is a file
    assert find_config(tree / "sub")[0] is None
    (tree / ".git").unlink()
    assert find_config(tree / "sub")[0] == tree.parent / "assess.toml"


def test_packs_relative_to_the_file_or_shipped(tree):
    (tree / "assess.toml").write_text('packs = ["community"]\n', encoding="utf-8")
    shown = assess("config", "show")
    assert shown.exit_code == 0 and "rules/community" in shown.stdout.replace("\\", "/")
    (tree / "assess.toml").write_text('lang = "en"\npacks = ["pack", "comunity"]\n', encoding="utf-8")
    result = assess("p.yaml")
    assert result.exit_code == 2
    assert "assess.toml:2:1: error[config-value]: packs names 'comunity': no such directory" in result.stderr
    assert "did you mean 'community'?" in result.stderr


def test_pack_check_checks_the_configured_packs(tree):
    (tree / "assess.toml").write_text('packs = ["pack"]\n', encoding="utf-8")
    result = assess("pack", "check")
    assert result.exit_code == 0 and "1 pack(s): 0 error(s)" in result.stdout
    assert assess("pack", "check", "--no-config").exit_code == 2  # no directory given


def test_configured_formats(tree, tmp_path):
    (tree / "assess.toml").write_text('packs = ["pack"]\nbackend = "reference"\nformat = "markdown"\n',
                                      encoding="utf-8")
    assert assess("p.yaml").stdout.startswith("### 示范社区")
    batch = assess("p.yaml", "--summary-format", "text")  # a batch without --output-dir: no reports to format
    assert batch.exit_code == 0 and "排名汇总" in batch.stdout
    out = tmp_path / "out"
    assert assess("p.yaml", "--output-dir", str(out), "--summary-format", "text").exit_code == 0
    assert [p.name for p in out.iterdir()] == ["p.md"]
    (tree / "assess.toml").write_text('packs = ["pack"]\nformat = ["json", "markdown"]\n', encoding="utf-8")
    single = assess("p.yaml")
    assert single.exit_code == 2 and "assess.toml:2 gives several formats" in single.stderr
    assert assess("p.yaml", "--format", "json").exit_code == 0


UNKNOWN_KEYS = """\
[project]
name = "profiles"

[tool.assess]
packs = ["pack"]
  lnag = "en"
"fail under" = 60
timeout = -1

[tool.assess.parameters]
training_min = "100%"

[tool.assess.output]
dir = "out"
"""


def test_every_problem_with_its_position(tree):
    (tree / "pyproject.toml").write_text(UNKNOWN_KEYS, encoding="utf-8")
    result = assess("p.yaml")
    assert result.exit_code == 2 and "4 errors" in result.stderr
    lines = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert [line.split(": error")[0].rsplit("/", 1)[-1] for line in lines] == [
        "pyproject.toml:6:3", "pyproject.toml:7:1", "pyproject.toml:8:1", "pyproject.toml:13:2"]
    assert "unknown key 'lnag' in [tool.assess]" in lines[0]
    assert "did you mean 'lang'?" in result.stderr and "did you mean 'fail-under'?" in result.stderr
    assert "timeout must be 0 (no limit) or more seconds" in lines[2]
    assert "unknown key 'output' in [tool.assess]" in lines[3]
    # a dotted key at the top of the file
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tree / "pyproject.toml").write_text('tool.assess.lnag = "en"\n[project]\nname = "x"\n', encoding="utf-8")
    assert "pyproject.toml:1:1: error[config-unknown-key]: unknown key 'lnag'" in assess("p.yaml").stderr


def test_wrong_values(tree):
    (tree / "assess.toml").write_text('lang = "fr"\njobs = 0\nfail-on-veto = "yes"\nformat = ["pdf"]\n'
                                      'timeout = -1\nparameters = 3\npacks = "pack"\n', encoding="utf-8")
    result = assess("p.yaml")
    assert result.exit_code == 2 and "7 errors" in result.stderr
    assert "assess.toml:1:1: error[config-value]: lang must be one of zh, en, not 'fr'" in result.stderr
    assert "assess.toml:2:1: error[config-value]: jobs must be a whole number" in result.stderr
    assert "assess.toml:4:1: error[config-value]: format must be a report format" in result.stderr


def test_syntax_errors_and_missing_tables(tree):
    (tree / "assess.toml").write_text('lang = "en"\npacks = [\n', encoding="utf-8")
    result = assess("p.yaml")
    assert result.exit_code == 2 and "assess.toml:3:1: error[config-syntax]: invalid TOML: " in result.stderr
    (tree / "assess.toml").write_text('lang = "en"\npacks = [1 2]\n', encoding="utf-8")
    assert "assess.toml:2:12: error[config-syntax]: invalid TOML: " in assess("p.yaml").stderr
    (tree / "assess.toml").unlink()
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    result = assess("--config", str(tree / "pyproject.toml"), "p.yaml")
    assert result.exit_code == 2 and "error[config-no-table]" in result.stderr


def test_config_show(tree):
    (tree / "assess.toml").write_text(CONFIG, encoding="utf-8")
    result = assess("config", "show")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("configuration: ") and "assess.toml (found from " in lines[0]
    row = {line.split()[0]: line for line in lines[3:12]}
    assert row["lang"].split()[1] == "en" and "assess.toml:2" in row["lang"]
    assert row["parameters"].split()[1] == 'training_min="100%"' and "assess.toml:6" in row["parameters"]
    assert row["timeout"].split()[1:3] == ["60", "built-in"]
    none = assess("config", "show", "--no-config")
    assert none.stdout.startswith("configuration: none (--no-config)")


def test_positions_of_keys():
    text = ('a = 1\nb.c = """\nd = 2\n"""\n[t]\n"q.k" = 1\n[[arr]]\nx = 1\n[t.s]\ny = {z = 1}\n')
    positions = TomlPositions(text)
    assert positions.where(("a",)) == (1, 1)
    assert positions.where(("b", "c")) == (2, 1)
    assert positions.where(("d",)) == (0, 0)  # inside a multi-line string: not a key
    assert positions.where(("t", "q.k")) == (6, 1)
    assert positions.where(("t", "s", "y", "z")) == (10, 1)  # in an inline table: the line of its key
    assert positions.where(("t", "nope")) == (5, 2)  # not written as a key: the table's line
