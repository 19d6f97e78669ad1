"""Reviewers' files (waivers, adjustments): a YAML list of entries, each validated and located.

Both files are read with the project's YAML loader (positions, duplicate keys,
encodings) and validated with a pydantic model, so every problem is a
`file:line:col` diagnostic; an entry keeps its position so that later
problems (an unknown rule id, an expired waiver) point at it too.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import ERROR, Diagnostic, InputError, did_you_mean
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.source.load import load_yaml
from engine.source.validation_errors import diagnostics_from, located

Entry = TypeVar("Entry", bound=BaseModel)


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Located(Generic[Entry]):
    """An entry with the position of the entry and of its `rule` value."""

    entry: Entry
    at: Where
    rule_at: Where


def load_entries(path: str | Path, key: str, file_model: type[BaseModel], shown: str | None = None) \
        -> list[Located[Any]]:
    """The entries under `key` of a reviewer's file; raises InputError with every problem found."""
    file = shown or str(path)
    document = load_yaml(path, display_name=file, error_class=InputError)
    data = document.data
    if not isinstance(data, dict) or key not in data:
        line, col = located(document.source, ())
        raise InputError([Diagnostic(file, line or 1, col or 1, ERROR, "review-file-shape",
                                     f"expected a mapping with a list '{key}:'",
                                     hint=f"start the file with '{key}:' and one '- rule: ...' entry per item")])
    try:
        parsed = file_model.model_validate(data)
    except ValidationError as exc:
        raise InputError(document.warnings + diagnostics_from(exc, file=file, source=document.source,
                                                              model=file_model)) from None
    out = []
    for index, entry in enumerate(getattr(parsed, key)):
        line, col = located(document.source, (key, index))
        rule_line, rule_col = located(document.source, (key, index, "rule"))
        out.append(Located(entry, Where(file, line, col), Where(file, rule_line, rule_col)))
    return out


def load_all(paths: Sequence[str | Path], key: str, file_model: type[BaseModel]) -> list[Located[Any]]:
    """The entries of every file; the problems of every file are reported together, not only the first file's."""
    found: list[Located[Any]] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            found += load_entries(path, key, file_model, shown=str(path))
        except InputError as exc:
            problems += exc.diagnostics
    if problems:
        raise InputError(problems)
    return found


def rule_problems(entries: Iterable[Located[Any]], packs: Sequence[Pack], what: str) -> list[Diagnostic]:
    """Every entry names a rule of the selected packs (of its `pack:` if it gives one)."""
    problems = []
    for item in entries:
        pack_id = getattr(item.entry, "pack", None)
        candidates = [p for p in packs if pack_id is None or p.id == pack_id]
        if pack_id is not None and not candidates:
            problems.append(Diagnostic(item.at.file, item.at.line, item.at.col, ERROR, "unknown-pack",
                                       f"{what} for pack '{pack_id}', which is not selected",
                                       hint=did_you_mean(pack_id, [p.id for p in packs])
                                       or "selected packs: " + ", ".join(p.id for p in packs)))
            continue
        rule_id = item.entry.rule
        if any(p.rule(rule_id) is not None for p in candidates):
            continue
        known = [r.id for p in candidates for r in p.rules]
        problems.append(Diagnostic(item.rule_at.file, item.rule_at.line, item.rule_at.col, ERROR, "unknown-rule",
                                   f"{what} for unknown rule '{rule_id}'",
                                   hint=did_you_mean(rule_id, known) or _rule_list(known)))
    return problems


def _rule_list(known: list[str]) -> str:
    """The rule ids to choose from, when none is close to what was written."""
    shown = ", ".join(known[:30]) + (f", … ({len(known)} in all)" if len(known) > 30 else "")
    return f"the rules of the selected packs: {shown} (`assess pack doc PACK` lists them with their titles)"


def profile_keys(profile: Profile) -> tuple[str, ...]:
    """What a `profile:` pattern is matched against: the profile id, else its file name without extension."""
    if profile.meta.id:
        return (profile.meta.id,)
    return (Path(profile.file).stem,)


def matches(pattern: str, keys: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for key in keys)
