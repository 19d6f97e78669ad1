"""JSON Schemas generated from the models accept every shipped pack file, case file and example profile,
and reject what the engine rejects; generated files point editors at them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.authoring.schemas import cases_schema, pack_schema, profile_schema
from engine.cli import app
from engine.pack.build import load_pack
from engine.pack.discovery import packs_for_profile
from engine.source.load import load_yaml

jsonschema = pytest.importorskip("jsonschema")  # a test dependency only

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(p for base in (ROOT / "rules", ROOT / "tests" / "packs") for p in base.iterdir()
               if (p / "pack.yaml").is_file())
runner = CliRunner()


def as_json(value):
    """What an editor's YAML parser gives a schema: dates as text, numbers as numbers."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def validator(schema: dict):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(schema_validator, path: Path) -> list[str]:
    data = as_json(load_yaml(path).data)
    return [f"{path}: {'/'.join(map(str, e.path))}: {e.message}" for e in schema_validator.iter_errors(data)]


def pack_yaml_files(pack_dir: Path) -> list[Path]:
    return sorted(p for p in pack_dir.rglob("*.yaml") if "tests" not in p.relative_to(pack_dir).parts)


def test_the_pack_schema_accepts_every_pack_file():
    check = validator(pack_schema())
    found = [problem for pack_dir in PACKS for path in pack_yaml_files(pack_dir) for problem in problems(check, path)]
    assert not found, "\n".join(found[:20])


def test_the_cases_schema_accepts_every_case_file():
    check = validator(cases_schema())
    found = [problem for pack_dir in PACKS for path in sorted((pack_dir / "tests").glob("*.yaml"))
             for problem in problems(check, path)]
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("profile", sorted((ROOT / "profiles").glob("*.yaml")) + [ROOT / "tests" / "profiles" /
                         "demo-strong.yaml"], ids=lambda p: p.stem)
def test_the_profile_schema_accepts_the_example_profiles(profile):
    dirs = [ROOT / "tests" / "packs" / "demo"] if profile.stem == "demo-strong" else packs_for_profile(profile)
    check = validator(profile_schema([load_pack(d) for d in dirs]))
    assert not problems(check, profile)


def test_the_schemas_reject_what_the_engine_rejects():
    pack = validator(pack_schema())
    assert list(pack.iter_errors({"rules": [{"id": "R1", "title": "t", "piont": 1}]}))  # unknown key
    assert list(pack.iter_errors({"rules": [{"id": "R1", "title": "t", "kind": "bonsu"}]}))
    assert not list(pack.iter_errors({"rules": [{"id": "R1", "title": "t", "require": True, "cite": {
        "source": "s", "quote": "q"}, "min_share": "90%"}]}))  # shorthand forms the loader accepts
    profile = validator(profile_schema([load_pack(ROOT / "tests" / "packs" / "demo")]))
    assert not list(profile.iter_errors({"mediation": {"rate": "98%"}, "party_members": {"total": 3}}))
    assert list(profile.iter_errors({"party_members": {"total": -1}}))
    assert list(profile.iter_errors({"party_members": {"totl": 1}}))
    assert list(profile.iter_errors({"venue": {"homes": ["党员之家", "不存在之家"]}}))
    assert list(profile.iter_errors({"staff": [{"scores": {"community": 90}}]}))  # name is required


def test_the_pack_schema_knows_the_keys_of_each_kind_of_rule():
    pack = validator(pack_schema())
    veto = {"id": "V1", "title": "t", "kind": "veto", "severity": "fail", "trigger": "x > 0"}
    assert not list(pack.iter_errors({"rules": [veto]}))
    assert list(pack.iter_errors({"rules": [{**veto, "points": 3}]}))  # a veto has no points
    assert list(pack.iter_errors({"rules": [{**veto, "dimension": "D1"}]}))
    item = {"id": "R1", "title": "t", "points": 1, "require": "x > 0"}
    assert not list(pack.iter_errors({"rules": [item]}))  # kind: item is the default
    assert list(pack.iter_errors({"rules": [{**item, "severity": "fail"}]}))
    assert list(pack.iter_errors({"rules": [{**item, "kind": "bonus", "dimension": "D1"}]}))
    penalty = {"id": "P1", "title": "t", "kind": "penalty", "deduct": {"count": "n", "per": 1}}
    assert not list(pack.iter_errors({"rules": [penalty]}))
    assert list(pack.iter_errors({"rules": [{**penalty, "points": 2}]}))


def test_profile_schema_titles_come_from_the_declarations():
    schema = profile_schema([load_pack(ROOT / "tests" / "packs" / "demo")], "zh")
    members = schema["$defs"]["Profile_party_members"]["properties"]["total"]
    assert members["title"] == "党员总数（名）" and "≥ 0" in members["description"]


def test_schema_commands(tmp_path):
    out = tmp_path / "pack.schema.json"
    assert runner.invoke(app, ["schema", "pack", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")
    cases = json.loads(runner.invoke(app, ["schema", "cases"]).stdout)
    assert "cases" in cases["properties"]
    profile = runner.invoke(app, ["schema", "profile", "--pack", str(ROOT / "rules" / "community"), "--lang", "en"])
    assert profile.exit_code == 0 and "party_members" in json.loads(profile.stdout)["properties"]
    missing = runner.invoke(app, ["schema", "profile", "--pack", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "pack-not-found" in missing.stderr


def test_generated_files_carry_a_modeline(tmp_path):
    assert runner.invoke(app, ["pack", "new", str(tmp_path / "mine")]).exit_code == 0
    for path in [tmp_path / "mine" / "pack.yaml", tmp_path / "mine" / "rules" / "extra.yaml"]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith("pack.schema.json")
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert json.loads(target.read_text(encoding="utf-8")) == pack_schema()
    first = (tmp_path / "mine" / "tests" / "cases.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/cases.schema.json"
    result = runner.invoke(app, ["profile", "init", "--pack", str(tmp_path / "mine"), "-o",
                                 str(tmp_path / "p.yaml")])
    assert result.exit_code == 0
    assert (tmp_path / "p.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=profile.schema.json\n")
    assert json.loads((tmp_path / "profile.schema.json").read_text(encoding="utf-8"))["properties"]["staff"]
