"""Both backends must give identical reports: durable_rules checked against the reference.

Over the test packs' cases, the example profiles and generated profiles:
every finding, point, subject, missing input, total and grade must be the
same; only the report's `engine.backend` field differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api.engine import Engine
from engine.backends import durable_available
from engine.pack.build import load_pack
from engine.profile.generate import ProfileGenerator

ROOT = Path(__file__).resolve().parent.parent
TEST_PACKS = sorted(p for p in (ROOT / "tests" / "packs").iterdir() if (p / "pack.yaml").is_file())
SHIPPED = sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").is_file()) \
    if (ROOT / "rules").is_dir() else []
GENERATED = {"demo": 1000, "constructs": 1000}
DEFAULT_GENERATED = 400

pytestmark = pytest.mark.skipif(not durable_available()[0], reason="durable-rules is not installed here")


def case_profiles(pack_dir: Path) -> list[dict]:
    """The inline profiles of a pack's cases: realistic bases for mutation."""
    from engine.testing.cases import case_files, load_cases

    return [loaded.case.profile for path in case_files(pack_dir) for loaded in load_cases(path)
            if loaded.case.profile is not None]


def assert_same(reference, durable, label: str) -> None:
    ref = reference.model_dump(mode="json")
    dur = durable.model_dump(mode="json")
    assert ref["engine"]["backend"] == "reference" and dur["engine"]["backend"] == "durable"
    ref["engine"]["backend"] = dur["engine"]["backend"] = "-"
    if ref == dur:
        return
    # first the finding that differs, to name it; then the whole reports (lengths included)
    for r, d in zip(ref["results"], dur["results"], strict=False):
        for fr, fd in zip(r["findings"], d["findings"], strict=False):
            assert fr == fd, f"{label}: rule {fr['rule']} differs"
    assert ref == dur, f"{label}: reports differ"


def filled_params(pack) -> dict:
    """A value for every parameter left null, so the rules behind them are compiled too."""
    sample = {"integer": 2, "number": 60, "percent": 90, "ratio": 0.9, "boolean": True, "string": "x",
              "date": "2024-06-30"}
    filled = {}
    for name, spec in pack.params.items():
        if spec.value is not None:
            continue
        decl = spec.decl
        if decl.type == "list":
            items = decl.items
            filled[name] = list(items.values[:2]) if items.type == "enum" else ["有场所", "有党旗", "x"]
        elif decl.type == "enum":
            filled[name] = decl.values[0]
        else:
            import datetime as dt

            value = sample[decl.type]
            filled[name] = dt.date.fromisoformat(value) if decl.type == "date" else value
    return filled


@pytest.mark.parametrize("pack_dir", TEST_PACKS + SHIPPED, ids=lambda p: p.name)
@pytest.mark.parametrize("params", ["defaults", "all-set"])
def test_backends_agree_on_generated_profiles(pack_dir, params):
    pack = load_pack(pack_dir)
    overrides = filled_params(pack) if params == "all-set" else {}
    if params == "all-set" and not overrides:
        pytest.skip("no parameter defaults to null")
    pack = load_pack(pack_dir, overrides)
    reference, durable = Engine([pack], backend="reference"), Engine([pack], backend="durable")
    count = GENERATED.get(pack.id, DEFAULT_GENERATED) // 2
    # a pack with units (roll-up) reads its units' results: generated as such, not from the cases' unit profiles
    bases = case_profiles(pack_dir) if not pack.units else None
    generator = ProfileGenerator(pack, seed=20261123 + (params == "all-set"), bases=bases)
    for index in range(count):
        profile = reference.schema.validate_data(generator.profile(index), f"generated-{index}")
        assert_same(reference.assess(profile), durable.assess(profile), f"{pack.id} profile {index}")


def example_profiles():
    found = []
    for directory in (ROOT / "profiles", ROOT / "tests" / "profiles"):
        if directory.is_dir():
            found += sorted(directory.glob("*.yaml"))
    return found


@pytest.mark.parametrize("profile_path", example_profiles(), ids=lambda p: p.name)
def test_backends_agree_on_example_profiles(profile_path):
    from engine.pack.discovery import packs_for_profile

    dirs = [ROOT / "tests" / "packs" / "demo"] if "demo" in profile_path.name else packs_for_profile(profile_path)
    reference = Engine.from_dirs(dirs, backend="reference")
    durable = Engine.from_dirs(dirs, backend="durable")
    profile = reference.load_profile(profile_path)
    assert_same(reference.assess(profile), durable.assess(profile), profile_path.name)
