"""Coverage: every assessable item of the domain catalogue is encoded by a rule or left out for a stated reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from engine.pack.build import load_pack

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT.parent / "shared" / "DOMAIN.md"
COVERAGE_FILES = sorted((ROOT / "rules").glob("coverage-*.yaml"))
REASONS = {"case-statistic", "profile-fact", "undefined", "principle", "community-side", "other"}


def catalogue() -> list[str]:
    text = DOMAIN.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"^\| (S\d-\d\d) \|", text, re.M)))


def coverage() -> dict[str, list[tuple[str, dict]]]:
    merged: dict[str, list[tuple[str, dict]]] = {}
    for path in COVERAGE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item, entry in (data.get("items") or {}).items():
            merged.setdefault(item, []).append((path.name, entry))
    return merged


@pytest.mark.skipif(not DOMAIN.is_file(), reason="../shared/DOMAIN.md is not beside this checkout")
def test_every_catalogue_item_is_accounted_for():
    items = catalogue()
    assert len(items) == 111, f"the catalogue should have 111 items, found {len(items)}"
    merged = coverage()
    missing = [item for item in items if item not in merged]
    assert not missing, f"catalogue items without a rule or a reason: {', '.join(missing)}"
    unknown = sorted(set(merged) - set(items))
    assert not unknown, f"coverage names items that are not in the catalogue: {unknown}"


def test_coverage_entries_are_well_formed_and_name_real_rules():
    packs = {}
    for pack_dir in (ROOT / "rules").iterdir():
        if (pack_dir / "pack.yaml").is_file():
            pack = load_pack(pack_dir)
            packs[pack.id] = {rule.id for rule in pack.rules}
    problems = []
    for item, entries in coverage().items():
        encoded = False
        for file, entry in entries:
            if "rules" in entry:
                encoded = True
                for ref in entry["rules"]:
                    pack_id, _, rule_id = ref.partition(":")
                    if rule_id not in packs.get(pack_id, set()):
                        problems.append(f"{file}: {item} names {ref}, which does not exist")
            elif entry.get("excluded") not in REASONS or not entry.get("reason"):
                problems.append(f"{file}: {item} needs 'rules' or 'excluded' ({', '.join(sorted(REASONS))}) "
                                f"with a 'reason'")
        if not encoded and all(e.get("excluded") == "community-side" for _, e in entries):
            problems.append(f"{item} is deferred to the community pack but no community rule encodes it")
    assert not problems, "\n".join(problems)
