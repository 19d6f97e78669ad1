"""Rule packs: reading, checking and locating them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .build import build_pack
from .loader import RawPack, read_pack_dir
from .model import Pack


def load_pack(path: str | Path, overrides: dict[str, Any] | None = None) -> Pack:
    """Read, validate and check a pack directory; raises PackError with every problem found."""
    return build_pack(read_pack_dir(path), overrides)


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
    from ..errors import EngineError
    from ..source import load_yaml

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
    from ..errors import Diagnostic, EngineError, UsageError
    from ..source import load_yaml

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


__all__ = ["packs_for_profile", "Pack", "RawPack", "build_pack", "load_pack", "pack_identity", "read_pack_dir", "shipped_packs",
           "shipped_packs_dir"]
