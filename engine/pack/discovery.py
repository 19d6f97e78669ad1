"""Which packs there are: the packs shipped with the engine, a pack's identity from its manifest, and
the packs that apply to a profile."""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import Diagnostic, EngineError, UsageError
from engine.source.load import load_yaml


def shipped_packs_dir() -> Path:
    """The packs shipped with the engine: installed inside the package, or `rules/` of a checkout."""
    override = os.environ.get("ASSESS_RULES_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent.parent
    installed = here / "_rules"
    if installed.is_dir():
        return installed
    return here.parent / "rules"


def pack_identity(path: Path) -> tuple[str | None, str | None]:
    """(id, subject) from a pack's manifest alone, without reading the rest of the pack."""

    try:
        data = load_yaml(Path(path) / "pack.yaml").data
    except EngineError:
        return None, None
    meta = data.get("pack") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        return None, None
    return meta.get("id"), meta.get("subject")


def shipped_packs() -> list[Path]:
    root = shipped_packs_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "pack.yaml").is_file())


def packs_for_profile(profile_path: str | Path) -> list[Path]:
    """The shipped packs that apply to a profile: those named in its `profile.packs`,
    else those for its `profile.subject`, else all of them."""

    packs = shipped_packs()
    if not packs:
        raise UsageError([Diagnostic("--pack", 0, 0, "error", "no-packs", "no shipped rule packs were found",
                                     hint="pass --pack DIR")])
    try:
        document = load_yaml(profile_path)
    except EngineError:
        return packs  # the profile's own errors are reported when it is validated
    meta = document.data.get("profile") if isinstance(document.data, dict) else None
    if not isinstance(meta, dict):
        return packs
    identities = {path: pack_identity(path) for path in packs}
    if isinstance(meta.get("packs"), list):
        wanted = set(map(str, meta["packs"]))
        return [p for p in packs if p.name in wanted or identities[p][0] in wanted]
    subject = meta.get("subject")
    chosen = [p for p in packs if identities[p][1] == subject] if subject else []
    return chosen or packs
