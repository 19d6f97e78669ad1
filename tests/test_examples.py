"""The examples/ set-ups really work: the CI script on a temporary git repository of profiles,
and the pre-commit hook's command on changed profiles (with nothing but git, sh and `assess`).
Both assess all the changed profiles in one batch call of `assess`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from report_inputs import DEMO_PACK, DEMO_PROFILE, ROOT

SCRIPT = ROOT / "examples" / "ci" / "assess-changed.sh"
PRE_COMMIT = ROOT / "examples" / "pre-commit-config.yaml"
SH = shutil.which("dash") or "/bin/sh"  # a plain POSIX shell where there is one, not bash

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

WEAK = """\
profile: {id: weak, name: 薄弱社区, year: 2024}
party_members: {total: 80, trained: 10, floating: 0}
co_building: {enterprise: true}
venue: {homes: [党员之家]}
ledgers: {opened: 100, closed: 50}
mediation: {rate: 50%}
meetings: []
incidents: {cult: 0, petition: 0, crime: 0}
honours: []
staff: []
"""


def environment(tmp_path: Path) -> dict:
    """PATH with git, sh and an `assess` that runs this checkout's engine; nothing else from the host.
    Each call of `assess` is logged, one line of arguments, in ASSESS_CALLS."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "assess"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "$ASSESS_CALLS"\n'
                    f'exec {shlex.quote(sys.executable)} -m engine "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    for tool in ("git", "sh", "dash", "cat", "grep", "sort", "mkdir", "mv", "rm", "printf", "env"):
        found = shutil.which(tool)
        if found and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": str(bin_dir), "HOME": str(home), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "ASSESS_ARGS": "--pack pack --backend reference --jobs 2", "ASSESS_CALLS": str(tmp_path / "calls")}


def calls(env: dict) -> list[str]:
    """The argument lines of the `assess` calls made so far."""
    log = Path(env["ASSESS_CALLS"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def git(repo: Path, env: dict, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A repository of profiles: a base commit, then a branch that changes one profile and adds another."""
    env = environment(tmp_path)
    repo = tmp_path / "profiles-repo"
    (repo / "profiles").mkdir(parents=True)
    shutil.copytree(DEMO_PACK, repo / "pack")
    strong = DEMO_PROFILE.read_text(encoding="utf-8")
    (repo / "profiles" / "示范社区.yaml").write_text(strong, encoding="utf-8")
    (repo / "profiles" / "unchanged.yaml").write_text(strong, encoding="utf-8")
    (repo / "README.md").write_text("profiles\n", encoding="utf-8")
    git(repo, env, "init", "-q", "-b", "main")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "base")
    base = git(repo, env, "rev-parse", "HEAD")
    (repo / "profiles" / "示范社区.yaml").write_text(strong.replace("trained: 76", "trained: 77"), encoding="utf-8")
    (repo / "profiles" / "weak.yaml").write_text(WEAK, encoding="utf-8")
    (repo / "README.md").write_text("profiles of the street\n", encoding="utf-8")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "change")
    return repo, env, base


def run_script(repo: Path, env: dict, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([SH, str(SCRIPT), *args], cwd=repo, env={**env, **extra}, capture_output=True,
                          text=True, timeout=300)


def test_ci_script_assesses_the_changed_profiles(repo):
    repo, env, base = repo
    done = run_script(repo, env, base)
    assert done.returncode == 0, done.stderr
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- community-assess -->\n## 变更档案的考核评估")
    assert "### 示范社区 — 示例社区考核（测试包）" in comment and "### 薄弱社区 — " in comment
    assert "`profiles/示范社区.yaml`" in comment and "`profiles/weak.yaml`" in comment
    assert "unchanged.yaml" not in comment and "README" not in comment  # only the changed profiles
    assert "| D1.meetings | 每月两次组织生活 |" in comment
    assert "```" not in comment  # nothing to report beside the reports
    [call] = calls(env)  # one batch call for both profiles
    assert call.startswith("profiles/weak.yaml profiles/示范社区.yaml ") and "--output-dir" in call
    assert "排名汇总" in done.stderr  # the batch's ranked summary goes to the job's log
    assert not [p.name for p in repo.iterdir() if ".parts." in p.name]  # its working files are gone


def test_ci_script_takes_file_names_as_they_are(repo):
    """A changed file whose name has spaces and brackets is one argument, never split or globbed."""
    repo, env, base = repo
    strong = DEMO_PROFILE.read_text(encoding="utf-8")
    (repo / "profiles" / "第 1 社区.yaml").write_text(strong.replace("示范社区", "一社区"), encoding="utf-8")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "unchanged on the branch")
    base = git(repo, env, "rev-parse", "HEAD")
    (repo / "profiles" / "第 [1] 社区.yaml").write_text(strong.replace("示范社区", "方括号社区"), encoding="utf-8")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "brackets")
    done = run_script(repo, env, base)
    assert done.returncode == 0, done.stderr
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    assert "### 方括号社区 — " in comment and "`profiles/第 [1] 社区.yaml`" in comment
    assert "一社区" not in comment  # '[1]' was not a pattern matching '第 1 社区.yaml'


def test_ci_script_threshold_and_language(repo):
    repo, env, base = repo
    done = run_script(repo, env, base, ASSESS_FAIL_UNDER="60", ASSESS_LANG="en", ASSESS_COMMENT="out.md")
    assert done.returncode == 1
    comment = (repo / "out.md").read_text(encoding="utf-8")
    assert "## Assessment of the changed profiles" in comment
    assert "### Profiles below the threshold\n\n```text\nprofiles/weak.yaml: [demo] total 2.72 is below " \
           "--fail-under 60\n```" in comment
    assert "profiles/示范社区.yaml: [" not in comment  # 76.94: not below
    assert "### 示范社区 — Demo community assessment (test pack)" in comment  # both reports, in English
    assert "### 薄弱社区 — Demo community assessment (test pack)" in comment
    [call] = calls(env)
    assert "--fail-under 60" in call and "--lang en" in call


def test_ci_script_reports_an_invalid_profile(repo):
    repo, env, base = repo
    (repo / "profiles" / "weak.yaml").write_text("profile: {year: 2024}\nparty_members: {total: many}\n",
                                                 encoding="utf-8")
    git(repo, env, "commit", "-q", "-am", "break")
    done = run_script(repo, env, base)
    assert done.returncode == 2
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    problems = comment[comment.index("### 无法评估的档案\n\n```text\n"):]
    assert "profiles/weak.yaml:2:" in problems and "error[" in problems  # the diagnostic, file:line:col
    assert "### 示范社区 — " in comment  # the other profile is still assessed
    assert "### 薄弱社区" not in comment


def test_ci_script_without_changes_or_base(repo):
    repo, env, _ = repo
    head = git(repo, env, "rev-parse", "HEAD")
    done = run_script(repo, env, head)
    assert done.returncode == 0
    assert (repo / "assess-comment.md").read_text(encoding="utf-8").endswith("没有变更的档案。\n")
    assert calls(env) == []  # nothing to assess: assess is not called
    assert run_script(repo, env, "no-such-branch").returncode == 3


def test_pre_commit_hook_assesses_the_files_in_one_batch(repo):
    repo, env, _ = repo
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    hook = config["repos"][0]["hooks"][0]
    assert config["repos"][0]["repo"] == "local" and hook["language"] == "system"
    assert re.search(hook["files"], "profiles/weak.yaml") and not re.search(hook["files"], "README.md")
    # `assess` as installed for this repository: its profiles are assessed with the demo pack
    shim = Path(env["PATH"]) / "assess"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "$ASSESS_CALLS"\n'
                    f'exec {shlex.quote(sys.executable)} -m engine "$@" --pack pack --backend reference\n',
                    encoding="utf-8")

    def hook_run(*files: str) -> subprocess.CompletedProcess:
        """The entry run the way pre-commit does: split with shlex, then the file names appended."""
        command = shlex.split(hook["entry"]) + hook.get("args", []) + list(files)
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    good = hook_run("profiles/示范社区.yaml", "profiles/unchanged.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    rows = [line for line in good.stdout.splitlines() if "demo-strong  76.94  合格" in line]
    assert len(rows) == 2 and "2/2 已评定" in good.stdout  # both files assessed, in the ranked summary
    assert len(calls(env)) == 1  # by one call of assess
    bad = hook_run("profiles/weak.yaml", "profiles/示范社区.yaml")
    assert bad.returncode == 1  # weak.yaml is below 60 ...
    assert "profiles/weak.yaml: [demo] total 2.72 is below --fail-under 60" in bad.stderr
    assert "薄弱社区" in bad.stdout and "示范社区" in bad.stdout  # ... and the other file is still assessed
    one = hook_run("profiles/weak.yaml")  # one file is a batch too: the same summary, the same exit code
    assert one.returncode == 1 and "1/1 已评定" in one.stdout
    (repo / "profiles" / "weak.yaml").write_text("profile: {year: 2024}\nparty_members: {total: many}\n",
                                                 encoding="utf-8")
    invalid = hook_run("profiles/weak.yaml", "profiles/示范社区.yaml")
    assert invalid.returncode == 2 and "profiles/weak.yaml:2:" in invalid.stderr  # refused, with the position
    assert len(calls(env)) == 4
