"""The examples/ set-ups really work: the CI script on a temporary git repository of profiles,
the pre-commit hooks (.pre-commit-hooks.yaml) run as pre-commit runs them, and the GitLab and Gitee
CI templates' commands (with nothing but git, sh, a recording `curl` and `assess`). All assess the
changed profiles in one batch call of `assess`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from report_inputs import DEMO_PACK, DEMO_PROFILE, ROOT

SCRIPT = ROOT / "examples" / "ci" / "assess-changed.sh"
PRE_COMMIT = ROOT / "examples" / "pre-commit-config.yaml"
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
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
           "--fail-under 60, 57.28 short\n```" in comment
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


# The keys pre-commit documents for a hook of .pre-commit-hooks.yaml (https://pre-commit.com/#new-hooks)
HOOK_KEYS = {"id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types",
             "always_run", "fail_fast", "verbose", "pass_filenames", "require_serial", "description",
             "language_version", "minimum_pre_commit_version", "args", "stages"}


def manifest() -> dict[str, dict]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def test_the_hook_manifest_is_what_pre_commit_reads():
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["assess", "assess-pack-check"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook) <= HOOK_KEYS, hook["id"]
        assert all(isinstance(hook[key], str) and hook[key] for key in ("id", "name", "entry", "language"))
        assert hook["language"] == "python"  # pre-commit pip-installs this repository for it
        assert shlex.split(hook["entry"])[0] in scripts  # the console script that installation provides
        re.compile(hook["files"])
    assess, pack_check = hooks
    assert assess["pass_filenames"] is True and assess["require_serial"] is True
    for path in ("profiles/示范社区.yaml", "profiles/2024/a.yml", "street/profiles/b.yaml"):
        assert re.search(assess["files"], path), path
    for path in ("README.md", "rules/community/pack.yaml", "profiles.yaml", "myprofiles/a.yaml"):
        assert not re.search(assess["files"], path), path
    assert pack_check["pass_filenames"] is False  # the packs are checked whole, named in args or the configuration


def pre_commit_run(hook: dict, repo: Path, env: dict, files: list[str]) -> subprocess.CompletedProcess:
    """A hook run the way pre-commit runs it: the entry split with shlex, then args, then the file names
    (when the hook takes them)."""
    command = shlex.split(hook["entry"]) + hook.get("args", [])
    if hook.get("pass_filenames", True):
        command += files
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def test_pre_commit_hook_assesses_the_files_in_one_batch(repo):
    repo, env, _ = repo
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    [remote] = config["repos"]
    assert remote["repo"] == "https://github.com/community-assess/community-assess" and remote["rev"] == "v0.1.0"
    configured = remote["hooks"][0]
    hook = {**manifest()[configured["id"]], **configured}  # the configuration's keys win, as in pre-commit
    assert re.search(hook["files"], "profiles/weak.yaml") and not re.search(hook["files"], "README.md")
    # the repository's configuration names its pack, as the repository of profiles would
    (repo / "assess.toml").write_text('packs = ["pack"]\nbackend = "reference"\n', encoding="utf-8")

    good = pre_commit_run(hook, repo, env, ["profiles/示范社区.yaml", "profiles/unchanged.yaml"])
    assert good.returncode == 0, good.stdout + good.stderr
    rows = [line for line in good.stdout.splitlines() if "demo-strong  76.94  合格" in line]
    assert len(rows) == 2 and "2/2 已评定" in good.stdout  # both files assessed, in the ranked summary
    assert len(calls(env)) == 1  # by one call of assess
    bad = pre_commit_run(hook, repo, env, ["profiles/weak.yaml", "profiles/示范社区.yaml"])
    assert bad.returncode == 1  # weak.yaml is below 60 ...
    assert "profiles/weak.yaml: [demo] total 2.72 is below --fail-under 60" in bad.stderr
    assert "薄弱社区" in bad.stdout and "示范社区" in bad.stdout  # ... and the other file is still assessed
    one = pre_commit_run(hook, repo, env, ["profiles/weak.yaml"])  # one file is a batch too: the same summary
    assert one.returncode == 1 and "1/1 已评定" in one.stdout
    (repo / "profiles" / "weak.yaml").write_text("profile: {year: 2024}\nparty_members: {total: many}\n",
                                                 encoding="utf-8")
    invalid = pre_commit_run(hook, repo, env, ["profiles/weak.yaml", "profiles/示范社区.yaml"])
    assert invalid.returncode == 2 and "profiles/weak.yaml:2:" in invalid.stderr  # refused, with the position
    assert len(calls(env)) == 4


def test_pack_check_hook_checks_the_configured_packs(repo):
    repo, env, _ = repo
    hook = manifest()["assess-pack-check"]
    (repo / "assess.toml").write_text('packs = ["pack"]\n', encoding="utf-8")
    done = pre_commit_run(hook, repo, env, ["pack/pack.yaml"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 pack(s): 0 error(s)" in done.stdout and calls(env) == ["pack check"]  # no file names passed
    with (repo / "pack" / "pack.yaml").open("a", encoding="utf-8") as file:
        file.write("nonsense: [\n")
    broken = pre_commit_run({**hook, "args": ["pack"]}, repo, env, ["pack/pack.yaml"])
    assert broken.returncode == 2 and "pack/pack.yaml:" in broken.stdout + broken.stderr


# -- the CI templates: GitHub Actions, GitLab CI/CD and Gitee Go, each running the same script ------------------

CI = ROOT / "examples" / "ci"
RUNS_THE_SCRIPT = re.compile(r"\bsh ci/assess-changed\.sh\b")


def template(name: str) -> dict:
    loaded = yaml.safe_load((CI / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def gitlab_job() -> dict:
    return template("gitlab-ci.yml")["assess-profiles"]


def gitee_step() -> dict:
    [stage] = template("gitee-go.yml")["stages"]
    [step] = stage["steps"]
    return step


def test_each_ci_template_runs_the_script():
    github = template("github-actions.yml")
    commands = {
        "github": [step.get("run", "") for step in github["jobs"]["assess"]["steps"]],
        "gitlab": gitlab_job()["script"],
        "gitee": gitee_step()["commands"],
    }
    for platform, lines in commands.items():
        assert sum(bool(RUNS_THE_SCRIPT.search(line)) for line in lines) == 1, platform
    job = gitlab_job()
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]  # merge requests only
    assert job["artifacts"]["paths"] == ["assess-comment.md"] and job["artifacts"]["when"] == "always"
    gitee = template("gitee-go.yml")
    assert gitee["version"] == "1.0" and "pr" in gitee["triggers"]
    assert gitee_step()["step"] == "build@python"
    assert gitee_step()["artifacts"][0]["path"] == ["./assess-comment.md"]


@pytest.fixture
def ci_repo(repo):
    """The repository of profiles with the script where the templates expect it, a target branch at the base,
    and a `curl` that records what it is asked (and answers like an API with nothing posted yet)."""
    repo, env, base = repo
    (repo / "ci").mkdir()
    shutil.copy(SCRIPT, repo / "ci" / "assess-changed.sh")
    git(repo, env, "branch", "target", base)
    git(repo, env, "remote", "add", "origin", str(repo))
    bin_dir = Path(env["PATH"])
    (bin_dir / "python3").symlink_to(sys.executable)
    curl = bin_dir / "curl"
    curl.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$CURL_CALLS"\n'
                    'for arg in "$@"; do case $arg in body@*) cat "${arg#body@}" > "$CURL_BODY" ;; esac; done\n'
                    'case "$*" in *POST*|*PUT*) echo "{}" ;; *) printf "%s\\n" "${CURL_ANSWER:-[]}" ;; esac\n',
                    encoding="utf-8")
    curl.chmod(0o755)
    env = {**env, "CURL_CALLS": str(repo.parent / "curl-calls"), "CURL_BODY": str(repo.parent / "curl-body"),
           "ASSESS_FAIL_UNDER": "60"}
    return repo, env, base


def run_commands(lines: list[str], repo: Path, env: dict, **extra: str) -> subprocess.CompletedProcess:
    """The commands of a CI job, one shell as the runners use, leaving out the installation of the engine."""
    script = "\n".join(line for line in lines if "pip install" not in line)
    return subprocess.run([SH, "-e", "-c", script], cwd=repo, env={**env, **extra}, capture_output=True, text=True,
                          timeout=300)


def curl_calls(env: dict) -> list[str]:
    log = Path(env["CURL_CALLS"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


GITLAB = {"CI_API_V4_URL": "https://gitlab.example/api/v4", "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7"}


def test_gitlab_job_comments_on_the_merge_request(ci_repo):
    repo, env, base = ci_repo
    job = gitlab_job()
    done = run_commands(job["script"], repo, env, CI_MERGE_REQUEST_DIFF_BASE_SHA=base, **GITLAB)
    assert done.returncode == 1, done.stderr  # weak.yaml is below 60: the job fails ...
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    assert "### 薄弱社区 — " in comment and "### 低于要求的档案" in comment  # ... with its comment as artifact
    assert curl_calls(env) == []  # no token: nothing is posted
    done = run_commands(job["script"], repo, env, CI_MERGE_REQUEST_DIFF_BASE_SHA=base, ASSESS_GITLAB_TOKEN="t",
                        **GITLAB)
    assert done.returncode == 1, done.stderr
    notes = "https://gitlab.example/api/v4/projects/42/merge_requests/7/notes"
    listed, posted = curl_calls(env)
    assert listed.endswith(f"PRIVATE-TOKEN: t {notes}?sort=desc&order_by=updated_at&per_page=100")
    assert "--request POST" in posted and posted.endswith(f"body@assess-comment.md {notes}")
    assert Path(env["CURL_BODY"]).read_text(encoding="utf-8") == comment
    # the next push: the note is there (the API lists it), and it is updated rather than added again
    earlier = json.dumps([{"id": 3, "body": "a reviewer's note"}, {"id": 5, "body": comment}])
    done = run_commands(job["script"], repo, env, CI_MERGE_REQUEST_DIFF_BASE_SHA=base, ASSESS_GITLAB_TOKEN="t",
                        CURL_ANSWER=earlier, **GITLAB)
    assert done.returncode == 1, done.stderr
    updated = curl_calls(env)[-1]
    assert "--request PUT" in updated and updated.endswith(f"body@assess-comment.md {notes}/5")


def test_gitee_step_comments_on_the_pull_request(ci_repo):
    repo, env, _ = ci_repo
    gitee = {"GITEE_BRANCH": "target", "GITEE_PULL_ID": "9"}
    done = run_commands(gitee_step()["commands"], repo, env, **gitee)
    assert done.returncode == 1, done.stderr
    comment = (repo / "assess-comment.md").read_text(encoding="utf-8")
    assert "### 薄弱社区 — " in comment and "### 示范社区 — " in comment
    assert curl_calls(env) == []
    done = run_commands(gitee_step()["commands"], repo, env, ASSESS_GITEE_TOKEN="t", ASSESS_GITEE_REPO="street/p",
                        **gitee)
    assert done.returncode == 1, done.stderr
    [posted] = curl_calls(env)
    assert "https://gitee.com/api/v5/repos/street/p/pulls/9/comments" in posted
    assert "access_token=t" in posted and "body@assess-comment.md" in posted
    assert Path(env["CURL_BODY"]).read_text(encoding="utf-8") == comment
