"""`assess explain RULE`: a rule, its citation, its compiled form, what it reads; with a profile, the outcome."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from engine.cli.choices import BackendChoice, Format, Lang
from engine.cli.common import guarded, parse_sets
from engine.cli.main import app
from engine.cli.settings import with_configured_parameters


@app.command("explain", help="Explain a rule: its text, citation, compiled form and the inputs it reads; "
             "with --profile, the values it read and its outcome.")
def explain(
    rule_id: str = typer.Argument(..., metavar="RULE", help="A rule id (R2.2), or PACK:RULE."),
    profile: Path | None = typer.Option(None, "--profile", help="Assess this profile and show what the rule "
                                           "made of it."),
    packs: list[Path] | None = typer.Option(None, "--pack", help="A rule pack directory (repeatable). Default: "
                                               "the shipped packs (for the profile's subject with --profile)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Language."),
    fmt: Format = typer.Option(Format.text, "--format", help="text or json."),
    sets: list[str] | None = typer.Option(None, "--set", callback=with_configured_parameters,
                                          help="Set a pack parameter: NAME=VALUE."),
    backend: BackendChoice = typer.Option(BackendChoice.auto, "--backend", help="Matching backend."),
) -> None:
    def action() -> None:
        from engine.api.engine import Engine
        from engine.authoring.explain import explain_text, find_rule, profile_facts, rule_facts, values_read
        from engine.pack.build import load_pack
        from engine.pack.discovery import packs_for_profile, shipped_packs

        dirs = list(packs) if packs else (packs_for_profile(profile) if profile else shipped_packs())
        params = parse_sets(sets or [])
        if profile is None:  # no matching needed: load and check only
            loaded = [load_pack(path, part) for path, part in zip(dirs, _per_pack(params, dirs), strict=True)]
            found = find_rule(loaded, rule_id)
        else:
            engine = Engine.from_dirs(dirs, params=params, backend=backend.value)
            found = find_rule(engine.packs, rule_id)
        facts = rule_facts(found.pack, found.rule, lang.value)
        outcome, label = None, None
        if profile is not None:
            loaded_profile = engine.load_profile(profile)
            report = engine.assess(loaded_profile)
            result = report.results[engine.packs.index(found.pack)]
            outcome = profile_facts(result, found.rule.id, lang.value,
                                    values_read(found.pack, found.rule, loaded_profile))
            label = f"{report.profile.file}" + (f" ({report.profile.name})" if report.profile.name else "")
        if fmt == Format.json:
            sys.stdout.write(json.dumps({**facts, "profile": label, "result": outcome}, ensure_ascii=False,
                                        indent=2, default=str) + "\n")
        else:
            sys.stdout.write(explain_text(facts, lang.value, outcome, label))

    guarded(action)


def _per_pack(params: dict[str, Any], dirs: list[Path]) -> list[dict[str, Any] | None]:
    from engine.api.engine import split_overrides

    overrides = split_overrides(params, dirs)
    return [overrides.get(index) for index in range(len(dirs))]
