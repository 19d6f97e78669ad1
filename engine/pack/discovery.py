"""Which packs there are: the packs shipped with the engine, a pack's identity from its manifest, and
the packs that apply to a profile."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.errors import ERROR, WARNING, Diagnostic, EngineError, InputError, UsageError, did_you_mean, display_path
from engine.source.load import load_yaml
from engine.source.spans import SourceMap
from engine.source.validation_errors import located

META_KEY = "profile"  # the block of a profile that says what it is


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


def shipped_pack(name: str) -> Path | None:
    """The shipped pack a bare name means (its id or directory name), or None."""
    for path in shipped_packs():
        if path.name == name or pack_identity(path)[0] == name:
            return path
    return None


def resolve_pack_dir(value: str | Path) -> Path:
    """A pack given by the user: a directory, or the id of a shipped pack (`community`) wherever a directory
    is accepted. An existing directory of that name wins; anything else is returned as written (the reader
    says there is no pack there)."""
    path = Path(value)
    if path.is_dir() or len(path.parts) != 1 or str(value).startswith("."):
        return path
    return shipped_pack(str(value)) or path


def packs_for_profile(profile_path: str | Path) -> list[Path]:
    """The shipped packs that apply to a profile: those named in its `profile.packs`, else those for its
    `profile.subject`. A profile that says neither, or names what no shipped pack is, is an InputError
    located in the profile (a profile assessed by the wrong packs would get a plausible, wrong score)."""

    packs = shipped_packs()
    if not packs:
        raise UsageError([Diagnostic("--pack", 0, 0, "error", "no-packs", "no shipped rule packs were found",
                                     hint="pass --pack DIR")])
    file = display_path(Path(profile_path))
    try:
        document = load_yaml(profile_path, display_name=file)
    except EngineError:
        return packs  # the profile's own errors are reported when it is validated
    identities = {path: pack_identity(path) for path in packs}
    meta = document.data.get(META_KEY) if isinstance(document.data, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("packs"), list):
        return _named_packs(meta["packs"], identities, document.source, file)
    subjects = [subject for _, subject in identities.values() if subject]
    problems = subject_problems(document.data, document.source, file, subjects, given=False)
    if problems:
        raise InputError(problems)
    if not isinstance(meta, dict):
        return packs  # not a mapping: reported when the profile is validated
    return [path for path in packs if identities[path][1] == meta.get("subject")]


def _named_packs(names: list[object], identities: dict[Path, tuple[str | None, str | None]], source: SourceMap,
                 file: str) -> list[Path]:
    """The shipped packs a profile names in `profile.packs` (by id or directory name); an unknown name is an
    error at its position."""
    known = {path.name: path for path in identities} | {ident: path for path, (ident, _) in identities.items()
                                                          if ident}
    problems = []
    if not names:
        line, col = located(source, (META_KEY, "packs"))
        problems.append(Diagnostic(file, line, col, ERROR, "profile-packs", "profile.packs names no pack",
                                   "name the packs that assess the profile, or leave 'packs' out to choose them "
                                   "by profile.subject"))
    for index, name in enumerate(names):
        if str(name) not in known:
            line, col = located(source, (META_KEY, "packs", index))
            problems.append(Diagnostic(file, line, col, ERROR, "profile-packs", f"no shipped pack '{name}'",
                                       did_you_mean(str(name), known) or "shipped packs: " + ", ".join(
                                           sorted({ident or path.name for path, (ident, _) in identities.items()}))))
    if problems:
        raise InputError(problems)
    wanted = {str(name) for name in names}
    return [path for path, (ident, _) in identities.items() if path.name in wanted or ident in wanted]


def subject_problems(data: Any, source: SourceMap | None, file: str, subjects: Iterable[str], *,
                     given: bool) -> list[Diagnostic]:
    """What keeps a profile document from saying which packs assess it: it is empty, has no `profile:`
    block, or its `profile.subject` is missing or one that none of `subjects` is. `given`: the subjects are
    those of the packs given (`--pack`), which assess the profile whatever it says: a missing block or
    subject is then a warning, not an error. A document that is not a mapping, or whose `profile:` is not
    one, is left to the validation of the profile."""
    choices = sorted(set(subjects))
    unsaid = WARNING if given else ERROR  # the profile does not say what it is
    example = f"profile: {{subject: {choices[0] if choices else 'SUBJECT'}, year: 2024}}"
    if data is None:
        return [Diagnostic(file, 1, 1, ERROR, "profile-empty", "the profile is empty: there is nothing to assess",
                           f"start with '{example}' and the inputs the packs declare")]
    if not isinstance(data, dict):
        return []
    if META_KEY not in data:
        return [Diagnostic(file, 1, 1, unsaid, "profile-subject", "the profile has no 'profile:' block, so what it "
                           "is (its subject) is unknown", f"add '{example}' at the top" + _among(choices))]
    meta = data[META_KEY]
    if meta is not None and not isinstance(meta, dict):
        return []
    subject = (meta or {}).get("subject")
    if subject is None:
        line, col = located(source, (META_KEY,), key=True)
        hint = f"add 'subject: {choices[0]}' under 'profile:'" if len(choices) == 1 else \
            "add 'subject: …' under 'profile:'" + _among(choices)
        return [Diagnostic(file, line, col, unsaid, "profile-subject", "profile.subject is missing: it says which "
                           "packs assess the profile", hint)]
    if isinstance(subject, str) and subject in choices:
        return []
    line, col = located(source, (META_KEY, "subject"))
    if given:
        message = f"the packs given assess {', '.join(repr(c) for c in choices)}, not {subject!r}"
        hint = did_you_mean(str(subject), choices) or "give the packs for this subject with --pack"
    else:
        message = f"no pack assesses the subject {subject!r}"
        hint = did_you_mean(str(subject), choices) or _among(choices).lstrip("; ")
    return [Diagnostic(file, line, col, ERROR, "profile-subject", message, hint)]


def _among(choices: list[str]) -> str:
    return "; subjects: " + ", ".join(choices) if choices else ""
