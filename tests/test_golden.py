"""Golden outputs: whole reports, text and JSON, Chinese and English.

Rewrite them only on purpose: `pytest tests/test_golden.py --update-golden`,
then read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api.engine import Engine
from engine.report import render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def cases():
    found = [("demo-strong", ["tests/packs/demo"], "tests/profiles/demo-strong.yaml")]
    for profile in sorted((ROOT / "profiles").glob("*.yaml")):
        found.append((profile.stem, None, f"profiles/{profile.name}"))
    return found


OUTPUTS = [("text", "zh", "zh.txt"), ("text", "en", "en.txt"), ("json", "en", "json")]


@pytest.mark.parametrize("name, packs, profile", cases(), ids=[c[0] for c in cases()])
@pytest.mark.parametrize("fmt, lang, suffix", OUTPUTS, ids=[o[2] for o in OUTPUTS])
def test_golden(name, packs, profile, fmt, lang, suffix, request, monkeypatch):
    from engine.pack.discovery import packs_for_profile

    monkeypatch.chdir(ROOT)  # reports show paths relative to the working directory
    dirs = packs or packs_for_profile(Path(profile))
    report = Engine.from_dirs(dirs, backend="reference").assess_file(profile)
    output = render(report, fmt, lang)
    path = GOLDEN / f"{name}.{suffix}"
    if request.config.getoption("--update-golden"):
        path.write_text(output, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}; create it with --update-golden"
    assert output == path.read_text(encoding="utf-8"), f"{path.name} changed; if intended, run --update-golden"


def test_json_is_byte_identical_across_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    first = render(Engine.from_dirs(["tests/packs/demo"], backend="reference")
                   .assess_file("tests/profiles/demo-strong.yaml"), "json", "en")
    second = render(Engine.from_dirs(["tests/packs/demo"], backend="reference")
                    .assess_file("tests/profiles/demo-strong.yaml"), "json", "en")
    assert first == second
    assert '"schema_version": "1"' in first
