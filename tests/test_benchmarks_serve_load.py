"""benchmarks/serve_load.py runs: a tiny load (5 requests, 1 and 2 clients) reports every field.

Its figures belong in benchmarks/README.md, not in assertions: nothing here is timed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "serve_load.py"
MISSING = [name for name in ("fastapi", "uvicorn") if importlib.util.find_spec(name) is None]


@pytest.mark.skipif(bool(MISSING), reason=f"the 'server' extra is not installed (no {', '.join(MISSING)})")
def test_a_tiny_load_reports_every_field(tmp_path):
    out = tmp_path / "load.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--requests", "5", "--clients", "1,2", "--warm-up", "1",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in ("machine:", "load before:", "load after:", "requests/s", "p50 ms", "p90 ms", "p99 ms"):
        assert heading in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"cpu", "cores", "python"} <= result["machine"].keys()
    assert [level["clients"] for level in result["levels"]] == [1, 2]
    for level in result["levels"]:
        assert level["requests"] == 5 and level["errors"] == 0 and level["stopped_by"] == "count"
        assert level["requests_per_second"] > 0
        assert set(level["latency_ms"]) == {"p50", "p90", "p99"}
        assert level["latency_ms"]["p50"] <= level["latency_ms"]["p90"] <= level["latency_ms"]["p99"]
        assert len(level["load_before"]) == len(level["load_after"]) == 3


def test_the_script_refuses_nonsense_before_starting_a_server():
    done = subprocess.run([sys.executable, str(SCRIPT), "--clients", "0"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "--clients" in done.stderr
