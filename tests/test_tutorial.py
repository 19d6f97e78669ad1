"""The tutorials (docs/tutorials/*.md) run as written: their files are created and their commands run in an empty
directory.

Conventions of the tutorial's Markdown:
- a ```sh block is run with bash (`assess` is this checkout's engine); its exit code must be 0, or the
  number of an `<!-- exit: N -->` line just before the block;
- `<!-- expect: TEXT -->` lines before a block: TEXT must be in the block's output (stdout and stderr);
- `<!-- file: PATH -->` before a block: the block is written to PATH (relative to the directory).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
BLOCK = re.compile(r"((?:<!-- [a-z]+: .*? -->\n)*)```(\w*)\n(.*?)```", re.S)
MARK = re.compile(r"<!-- ([a-z]+): (.*?) -->")


def steps(text: str) -> list[dict]:
    found = []
    for match in BLOCK.finditer(text):
        marks = MARK.findall(match.group(1))
        step = {"lang": match.group(2), "body": match.group(3), "expect": [], "exit": 0, "file": None,
                "line": text.count("\n", 0, match.start(2)) + 1}
        for key, value in marks:
            if key == "expect":
                step["expect"].append(value)
            elif key == "exit":
                step["exit"] = int(value)
            elif key == "file":
                step["file"] = value
        if step["file"] or step["lang"] == "sh":
            found.append(step)
    return found


def test_both_tutorials_are_found():
    assert [t.name for t in TUTORIALS] == ["overlay.md", "own-sheet.md"]


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.name)
def test_the_tutorial_has_steps(tutorial):
    found = steps(tutorial.read_text(encoding="utf-8"))
    assert sum(1 for s in found if s["file"]) >= 6
    assert sum(1 for s in found if s["lang"] == "sh" and not s["file"]) >= 6


@pytest.mark.skipif(sys.platform == "win32", reason="the tutorial's commands are POSIX shell")
@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.name)
def test_the_tutorial_runs(tmp_path, tutorial):
    work = tmp_path / "work"
    work.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "assess"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m engine \"$@\"\n", encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT), "ASSESS_RULES_DIR": str(ROOT / "rules")}
    env.pop("ASSESS_SOURCE_PATH", None)
    for step in steps(tutorial.read_text(encoding="utf-8")):
        where = f"docs/tutorials/{tutorial.name}:{step['line']}"
        if step["file"]:
            path = work / step["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(step["body"], encoding="utf-8")
            continue
        done = subprocess.run(["bash", "-e", "-c", step["body"]], cwd=work, env=env, capture_output=True,
                              text=True, timeout=600)
        output = done.stdout + done.stderr
        assert done.returncode == step["exit"], f"{where}: exit {done.returncode}, expected {step['exit']}\n{output}"
        assert "Traceback" not in output, f"{where}\n{output}"
        for text in step["expect"]:
            assert text in output, f"{where}: {text!r} not in the output:\n{output}"
