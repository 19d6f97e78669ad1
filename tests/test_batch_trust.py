"""Batches fail clearly and lose nothing: a full disk is said for every profile (exit 2, not 3), a timeout is
charged to the profile that used the time, a worker's failure never breaks the summary, and SIGTERM or
Ctrl-C stop quietly, keep every report written, say how far the batch got and write no half summary."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import write_profile
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "tests" / "packs" / "demo")
runner = CliRunner()
posix_only = pytest.mark.skipif(os.name != "posix", reason="device nodes, signals to process groups")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def profiles(directory: Path, names: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names.split():
        write_profile(directory, f"{name}.yaml", name)
    return directory


@posix_only
def test_a_full_disk_under_output_dir_is_said_for_every_profile_and_exits_2(tmp_path, device):
    full = device("full")
    street = profiles(tmp_path / "street", "a b c")
    out = tmp_path / "out"
    out.mkdir()
    for stem in "abc":  # every report lands on a full device
        (out / f"{stem}.json").symlink_to(full)
    result = invoke(str(street), "--pack", DEMO, "--backend", "reference", "-j", "1", "--output-dir", str(out),
                    "--format", "json")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    for stem in "abc":
        assert (f"{street / stem}.yaml: error[unwritten]: {out / stem}.json: cannot write the output: "
                "No space left on device") in result.stderr
    assert "internal error" not in result.stderr and "internal error" not in result.stdout
    assert "0/3" in result.stdout  # the summary is still written, saying no report could be saved
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_worker_failing_early_does_not_break_the_summary(tmp_path, monkeypatch):
    """The rest of a failed worker's chunk runs on a worker that described its pack with a later profile:
    the summary must still find the pack's table (it raised KeyError, an internal error)."""
    street = profiles(tmp_path / "street", " ".join(f"p{i}" for i in range(10)))  # chunks of two
    # One worker hangs on p0 while the other assesses p2…p9 (its pack described with p2) and waits; when the
    # hung worker is killed, the waiting one, not its replacement still starting, takes p1.
    monkeypatch.setenv("ASSESS_TEST_FAULT", "hang=p0.yaml")
    result = invoke(str(street), "--pack", DEMO, "--backend", "reference", "-j", "2", "--timeout", "1.5",
                    "--summary-format", "json")
    assert result.exit_code == 3, result.stderr  # a hung profile is exit 3; the summary is whole
    summary = json.loads(result.stdout)
    assert summary["assessed"] == 9 and [e["status"] for e in summary["errors"]] == ["timeout"]
    assert sorted(r["profile_id"] for r in summary["groups"][0]["rows"]) == [f"p{i}" for i in range(1, 10)]


def test_a_timeout_is_charged_to_the_profile_that_used_the_time(tmp_path, monkeypatch):
    """Without --pack a worker compiles the packs with the first profile it meets. That set-up is not the
    profile's time: after the worker hung on a.yaml was replaced, its successor's slow set-up must not time out
    b.yaml, while a.yaml, hung in its own time, still times out."""
    rules = tmp_path / "rules"
    shutil.copytree(DEMO, rules / "demo")
    monkeypatch.setenv("ASSESS_RULES_DIR", str(rules))
    monkeypatch.setenv("ASSESS_TEST_FAULT", "hang=a.yaml;slow-packs=1.2")
    street = profiles(tmp_path / "street", "a b")
    result = invoke(str(street / "a.yaml"), str(street / "b.yaml"), "--backend", "reference", "-j", "1",
                    "--timeout", "0.8", "--summary-format", "json")
    summary = json.loads(result.stdout)
    assert [(Path(e["file"]).name, e["status"]) for e in summary["errors"]] == [("a.yaml", "timeout")]
    assert [r["profile_id"] for r in summary["groups"][0]["rows"]] == ["b"]
    assert "no result after 0.8 s" in summary["errors"][0]["reason"]


# -- stopping a batch -------------------------------------------------------------------------------

def start_batch(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    """A batch in its own session: a–e are assessed, then the worker hangs on h.yaml (nothing else to do)."""
    street = profiles(tmp_path / "street", "a b c d e h")
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    env = {**os.environ, "ASSESS_TEST_FAULT": "hang=h.yaml"}
    batch = subprocess.Popen(
        [sys.executable, "-m", "engine", str(street), "--pack", DEMO, "--backend", "reference", "-j", "1",
         "--output-dir", str(out), "--format", "json", "-o", str(summary)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a shell may start jobs ignoring it
    deadline = time.monotonic() + 60
    while not (out / "e.json").exists() and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)  # e.yaml's result has reached the batch; the worker is on h.yaml
    return batch, out, summary


def stopped(batch: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = batch.communicate(timeout=30)
        return batch.returncode, err
    finally:  # whatever happened, no worker outlives the test
        with contextlib.suppress(ProcessLookupError):
            os.killpg(batch.pid, signal.SIGKILL)


@posix_only
@pytest.mark.parametrize("how, code", [("sigterm", 143), ("ctrl-c", 130)])
def test_stopping_a_batch_is_quiet_keeps_the_reports_and_writes_no_summary(tmp_path, how, code):
    batch, out, summary = start_batch(tmp_path)
    if how == "sigterm":
        batch.send_signal(signal.SIGTERM)  # to the batch only, as a service manager does
    else:
        os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole process group
    returncode, err = stopped(batch)
    assert returncode == code, err
    assert "Traceback" not in err and "internal error" not in err
    assert "interrupted: 5 of 6 profiles assessed" in err and "no summary was written" in err
    assert not summary.exists()
    for stem in "abcde":  # whole reports, nothing half-written left beside them
        assert json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))["profile"]["id"] == stem
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.json" for stem in "abcde"]
