"""The examples/ set-ups really work: the CI script on a temporary git repository of profiles,
and the pre-commit hook's command on changed profiles (with nothing but git, sh and `assess`)."""

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
    """PATH with git, sh and an `assess` that runs this checkout's engine; nothing else from the host."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "assess"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m engine "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    for tool in ("git", "sh", "dash", "cat", "grep", "sort", "mkdir", "mv", "rm", "printf", "env"):
        found = shutil.which(tool)
        if found and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": str(bin_dir), "HOME": str(home), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "ASSESS_ARGS": "--pack pack --backend reference"}


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
    assert not [p.name for p in repo.iterdir() if ".parts." in p.name]  # its working files are gone


def test_ci_script_threshold_and_language(repo):
    repo, env, base = repo
    done = run_script(repo, env, base, ASSESS_FAIL_UNDER="60", ASSESS_LANG="en", ASSESS_COMMENT="out.md")
    assert done.returncode == 1
    comment = (repo / "out.md").read_text(encoding="utf-8")
    assert "## Assessment of the changed profiles" in comment
    assert "**below the threshold** `profiles/weak.yaml`" in comment
    assert "below the threshold** `profiles/示范社区.yaml`" not in comment


def test_ci_script_reports_an_invalid_profile(repo):
    repo, env, base = repo
    (repo / "profiles" / "weak.yaml").write_text("profile: {year: 2024}\nparty_members: {total: many}\n",
                                                 encoding="utf-8")
    git(repo, env, "commit", "-q", "-am", "break")
    done = run_script(repo, env, base)
    assert done.returncode == 2
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    assert "### `profiles/weak.yaml` 无法评估" in comment
    assert "profiles/weak.yaml:2:" in comment and "error[" in comment  # the diagnostic, file:line:col
    assert "### 示范社区 — " in comment  # the other profile is still assessed


def test_ci_script_without_changes_or_base(repo):
    repo, env, _ = repo
    head = git(repo, env, "rev-parse", "HEAD")
    done = run_script(repo, env, head)
    assert done.returncode == 0
    assert (repo / "assess-comment.md").read_text(encoding="utf-8").endswith("没有变更的档案。\n")
    assert run_script(repo, env, "no-such-branch").returncode == 3


def test_pre_commit_hook_runs_assess_on_each_file(repo):
    repo, env, _ = repo
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    hook = config["repos"][0]["hooks"][0]
    assert config["repos"][0]["repo"] == "local" and hook["language"] == "system"
    assert re.search(hook["files"], "profiles/weak.yaml") and not re.search(hook["files"], "README.md")
    # `assess` as installed for this repository: its profiles are assessed with the demo pack
    shim = Path(env["PATH"]) / "assess"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m engine "$@" --pack pack --backend reference\n',
                    encoding="utf-8")
    # run the entry the way pre-commit does: split with shlex, then the file names appended
    command = [SH if part == "sh" else part for part in shlex.split(hook["entry"]) + hook.get("args", [])]
    good = subprocess.run(command + ["profiles/示范社区.yaml", "profiles/unchanged.yaml"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("总分 76.94 / 100") == 2  # each file assessed, the text report shown
    bad = subprocess.run(command + ["profiles/weak.yaml", "profiles/示范社区.yaml"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1  # weak.yaml is below 60 ...
    assert "薄弱社区" in bad.stdout and "示范社区" in bad.stdout  # ... and the next file is still assessed
