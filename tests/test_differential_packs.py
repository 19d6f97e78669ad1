"""Both backends agree on every valid pack, not only the shipped ones.

Random valid packs (tests/packgen.py: every construct of the expression
language and of the rule kinds, with integer/float/decimal/percent/date mixes)
are each assessed on generated profiles by both backends; the reports must be
identical but for the name of the backend, and durable must refuse none of
them (they are far below its limits). The default run draws 400 (pack,
profile) pairs; `-m slow` draws 12,000. The number of pairs is in the test's
id. A disagreement is shrunk by hypothesis to a small pack, printed as a
regression case (`GeneratedPack.case_text`): saved under
tests/regressions/differential/ with a name saying what went wrong, the last
test replays it on every run.
"""

from __future__ import annotations

import collections
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from packgen import GeneratedPack, entangle, packs

from engine.api.engine import Engine
from engine.backends import durable_available
from engine.errors import PackError
from engine.pack.build import load_pack
from engine.profile.generate import ProfileGenerator
from engine.source.load import load_yaml

REGRESSIONS = Path(__file__).resolve().parent / "regressions" / "differential"

pytestmark = pytest.mark.skipif(not durable_available()[0], reason="durable-rules is not installed here")


def comparable(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = report.model_dump(mode="json")
    assert data["engine"]["backend"] in ("reference", "durable")
    data["engine"]["backend"] = "-"
    return data


def disagreement(reference: dict[str, Any], durable: dict[str, Any]) -> str:
    """Which rules differ, for the failure message (the whole reports are compared)."""
    rules = [r["rule"] for r, d in zip(reference["results"][0]["findings"], durable["results"][0]["findings"],
                                       strict=True) if r != d]
    keys = [k for k in reference["results"][0] if reference["results"][0][k] != durable["results"][0][k]]
    return f"rules {rules}; fields {keys}"


def assess_both(pack_dir: Path, profiles: list[dict[str, Any]], stats: collections.Counter[str]) -> None:
    pack = load_pack(pack_dir)
    reference = Engine([pack], backend="reference")
    try:
        durable = Engine([pack], backend="durable")
    except PackError as exc:
        # generated packs are far below durable's limits: a refusal is a condition compiled wrongly
        raise AssertionError(f"the durable backend refuses a small valid pack: {exc}") from None
    for index, data in enumerate(profiles):
        profile = reference.schema.validate_data(data, f"generated-{index}")
        ref, dur = comparable(reference.assess(profile)), comparable(durable.assess(profile))
        stats["pairs"] += 1
        assert ref == dur, f"backends disagree on profile {data}: {disagreement(ref, dur)}"


def run_random_packs(examples: int, profiles_per_pack: int) -> collections.Counter[str]:
    stats: collections.Counter[str] = collections.Counter()

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(packs(), st.integers(0, 2**32 - 1))
    def check(generated: GeneratedPack, seed: int) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = generated.write(Path(directory))
            generator = ProfileGenerator(load_pack(root), seed)
            profiles = [entangle(generator.profile(i), seed + i) for i in range(profiles_per_pack)]
            note("regression case:\n" + generated.case_text(profiles))
            assess_both(root, profiles, stats)

    check()
    return stats


@pytest.mark.parametrize("examples,per_pack", [pytest.param(40, 10, id="400-pairs")])
def test_backends_agree_on_random_packs(examples, per_pack):
    stats = run_random_packs(examples, per_pack)
    print(f"random packs: {dict(stats)}")
    assert stats["pairs"] == examples * per_pack


@pytest.mark.slow
@pytest.mark.parametrize("examples,per_pack", [pytest.param(1000, 12, id="12000-pairs")])
def test_backends_agree_on_many_random_packs(examples, per_pack):
    stats = run_random_packs(examples, per_pack)
    print(f"random packs: {dict(stats)}")
    assert stats["pairs"] == examples * per_pack


def regression_cases() -> list[Path]:
    return sorted(REGRESSIONS.glob("*.yaml")) if REGRESSIONS.is_dir() else []


@pytest.mark.parametrize("case", regression_cases(), ids=lambda p: p.stem)
def test_disagreements_found_before_stay_fixed(case, tmp_path):
    """Each file: a pack (its files' YAML) and the profiles on which the backends once disagreed."""
    data = load_yaml(case).data  # numbers as the engine reads them (exact decimals), dates as dates
    GeneratedPack(data["pack"]).write(tmp_path / "pack")
    stats: collections.Counter[str] = collections.Counter()
    assess_both(tmp_path / "pack", data["profiles"], stats)
    assert stats["pairs"] == len(data["profiles"])
