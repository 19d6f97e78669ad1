"""Read a pack directory into validated file models, keeping where each part came from.

Layout: `pack.yaml` is the manifest (pack metadata, parameters, dimensions,
scoring). Every other `*.yaml` file under the directory, except those under
`tests/`, may add `parameters`, `inputs`, `derived` values and `rules`, so a
pack can be split the way its score sheet is (one file per dimension).
Files are read in sorted order; rules keep that order.

A pack whose manifest says `extends:` is an overlay: its base is read first
and the two are merged (`pack.overlay`), so callers always get one RawPack.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from engine.errors import ERROR, Diagnostic, DiagnosticSink, PackError, did_you_mean, display_path
from engine.pack.formats import format_problems
from engine.pack.origins import Origin, ReindexedOrigin
from engine.pack.raw import OverlayParts, RawPack, Unchecked
from engine.pack.schema import Overrides, PackFile, has_key
from engine.source.load import load_yaml
from engine.source.spans import SourceMap
from engine.source.validation_errors import diagnostics_from, located

MANIFEST = "pack.yaml"
MANIFEST_ONLY = ("pack", "dimensions", "scoring")
OVERLAY_SECTIONS = ("parameters", "dimensions", "rules", "scoring")
SKIPPED_DIRS = {"tests", "__pycache__"}
# sections whose entries are checked one by one: an entry in error is left out (and reported), the others are
# still checked, so that one pack check reports every problem
ENTRY_LISTS = ("dimensions", "rules", "relations")
ENTRY_MAPPINGS = ("parameters", "inputs", "derived")


Part = TypeVar("Part")


def pack_files(root: Path) -> list[Path]:
    """pack.yaml first, then the other YAML files in sorted order."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in files:
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                found.append(Path(directory) / name)
    manifest = root / MANIFEST
    others = sorted((p for p in found if p != manifest), key=lambda p: p.relative_to(root).as_posix())
    return ([manifest] if manifest.exists() else []) + others


def read_one_dir(root: Path | str) -> RawPack:
    """The files of one pack directory, without resolving `extends`. Entries in error are left out and their
    errors kept in `problems` (raised by the builder with its own); any other error is raised here."""
    root = Path(root)
    sink = DiagnosticSink()
    raw = RawPack(root=root)
    if not root.is_dir():
        sink.error(display_path(root), 0, 0, "pack-not-found", f"no pack directory at {display_path(root)}",
                   hint=_not_found_hint(root))
        sink.raise_if_errors(PackError)
    if not (root / MANIFEST).is_file():
        sink.error(display_path(root / MANIFEST), 0, 0, "pack-manifest-missing",
                   f"{display_path(root)} has no {MANIFEST}", hint="run 'assess pack new' to start a pack")
        sink.raise_if_errors(PackError)
    left_out: list[Diagnostic] = []  # errors the builder raises with its own: the pack is still checked
    for path in pack_files(root):
        _read_file(path, root, raw, sink, left_out)
    if raw.meta is None and not _fatal(sink, left_out):
        sink.error(display_path(root / MANIFEST), 1, 1, "pack-manifest", f"{MANIFEST} needs a 'pack:' section")
    if raw.meta is not None:
        raw.extends = raw.meta.extends
    if raw.scoring is None and raw.extends is None and not _fatal(sink, left_out):
        sink.error(display_path(root / MANIFEST), 1, 1, "pack-manifest", f"{MANIFEST} needs a 'scoring:' section")
    _check_overlay_sections(raw, sink)
    raw.warnings = [d for d in sink.items if d.severity != ERROR]
    if _fatal(sink, left_out):
        sink.raise_if_errors(PackError)
    raw.problems = [d for d in sink.items if d.severity == ERROR]
    return raw


def _fatal(sink: DiagnosticSink, left_out: list[Diagnostic]) -> bool:
    """Whether an error other than those of entries left out (or of keys the pack's format does not allow) was
    found: then the pack is not built."""
    return any(d.severity == ERROR and not any(d is e for e in left_out) for d in sink.items)


def _read_file(path: Path, root: Path, raw: RawPack, sink: DiagnosticSink, left_out: list[Diagnostic]) -> None:
    shown = display_path(path)
    try:
        document = load_yaml(path, display_name=shown, error_class=PackError)
    except PackError as exc:
        sink.extend(exc.diagnostics)
        return
    sink.extend(document.warnings)
    raw.files.append(shown)
    raw.paths.append(path)
    data = _sections(document.data, shown, document.source, path == root / MANIFEST, sink)
    if data is None:
        return
    origin = Origin(shown, document.source)
    try:
        model = PackFile.model_validate(data)
    except ValidationError as exc:
        problems = diagnostics_from(exc, file=shown, source=document.source, model=PackFile, code_prefix="pack-")
        sink.extend(problems)
        salvaged = _without_entries_in_error(data, exc, raw.unchecked)
        if salvaged is None:
            return
        left_out += problems
        model, origin = salvaged[0], ReindexedOrigin(origin, salvaged[1])
    _add_file(model, origin, raw, sink)
    # a key the pack's format does not allow is reported with the builder's errors: the rest is still checked
    not_allowed = format_problems(model, origin, raw.meta)
    sink.extend(not_allowed)
    left_out += not_allowed


def _without_entries_in_error(data: dict[str, Any], error: ValidationError,
                              unchecked: Unchecked) -> tuple[PackFile, dict[str, list[int]]] | None:
    """The file without the entries of its sections that are in error, and for each list section the indices
    of the entries kept; None when an error is not inside an entry (or the rest is not valid without them).
    What the entries left out declare is added to `unchecked`."""
    in_error: dict[str, set[int | str]] = {}
    for item in error.errors(include_url=False):
        loc = item.get("loc", ())
        if len(loc) < 2 or loc[0] not in ENTRY_LISTS + ENTRY_MAPPINGS:
            return None
        in_error.setdefault(str(loc[0]), set()).add(loc[1])
    kept_data = dict(data)
    kept: dict[str, list[int]] = {}
    left = Unchecked()
    for section, entries in in_error.items():
        value = data[section]
        if isinstance(value, list):
            kept[section] = [index for index in range(len(value)) if index not in entries]
            kept_data[section] = [value[index] for index in kept[section]]
            _declared(section, [value[index] for index in entries if isinstance(index, int)], left)
        elif isinstance(value, dict):
            kept_data[section] = {key: entry for key, entry in value.items() if key not in entries}
            left.names |= {("params." if section == "parameters" else "") + str(key) for key in entries}
    try:
        model = PackFile.model_validate(kept_data)
    except ValidationError:
        return None
    unchecked.update(left)
    return model, kept


def _declared(section: str, entries: list[Any], left: Unchecked) -> None:
    """The ids of rules or dimensions left out (those that give one)."""
    ids = {entry["id"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("id"), str)}
    if section == "rules":
        left.rules |= ids
    elif section == "dimensions":
        left.dimensions |= ids


def _sections(data: Any, shown: str, source: SourceMap, is_manifest: bool,
              sink: DiagnosticSink) -> dict[str, Any] | None:
    """The sections of a pack file to validate; None for an empty file or one that is not a mapping."""
    if data is None:
        return None
    if not isinstance(data, dict):
        sink.error(shown, 1, 1, "pack-schema", "a pack file must be a mapping of sections",
                   hint="sections: pack, parameters, dimensions, scoring, inputs, derived, rules")
        return None
    if is_manifest:
        return data
    for section in MANIFEST_ONLY:
        if section in data:
            line, col = located(source, (section,), key=True)
            sink.error(shown, line, col, "pack-schema", f"'{section}:' belongs in {MANIFEST}")
    return {key: value for key, value in data.items() if key not in MANIFEST_ONLY}


def _add_file(model: PackFile, origin: Origin, raw: RawPack, sink: DiagnosticSink) -> None:
    """Add the sections of one validated file to the pack."""
    if model.pack is not None:
        raw.meta, raw.meta_origin = model.pack, origin.child("pack")
    if model.scoring is not None:
        raw.scoring, raw.scoring_origin = model.scoring, origin.child("scoring")
    for index, dimension in enumerate(model.dimensions or []):
        raw.dimensions.append((dimension, origin.child("dimensions", index)))
    _merge(raw.parameters, model.parameters, origin, "parameters", "parameter", sink)
    _merge(raw.inputs, model.inputs, origin, "inputs", "input", sink)
    _merge(raw.derived, model.derived, origin, "derived", "derived value", sink)
    for index, rule in enumerate(model.rules or []):
        if model.dimension is not None and has_key(rule, "dimension") and getattr(rule, "dimension", None) is None:
            # an item, or a deduction, written in a dimension's file belongs to that dimension
            rule = rule.model_copy(update={"dimension": model.dimension})
        raw.rules.append((rule, origin.child("rules", index)))
    for index, relation in enumerate(model.relations or []):
        raw.relations.append((relation, origin.child("relations", index)))
    if model.overrides is not None:
        _read_overrides(model.overrides, origin.child("overrides"), raw.parts, sink)


def _read_overrides(overrides: Overrides, origin: Origin, parts: OverlayParts, sink: DiagnosticSink) -> None:
    if parts.first is None:
        parts.first = origin
    _merge(parts.parameters, overrides.parameters, origin, "parameters", "change of parameter", sink)
    _merge(parts.dimensions, overrides.dimensions, origin, "dimensions", "change of dimension", sink)
    _merge(parts.rules, overrides.rules, origin, "rules", "change of rule", sink)
    if overrides.scoring is not None:
        if parts.scoring is not None:
            line, col = origin.position("scoring", key=True)
            sink.error(origin.file, line, col, "pack-duplicate", "overrides.scoring is given twice")
        parts.scoring = (overrides.scoring, origin.child("scoring"))


def _check_overlay_sections(raw: RawPack, sink: DiagnosticSink) -> None:
    """`overrides:` needs `extends:`; an overlay inherits its base's scoring and changes it by overrides."""
    first = raw.parts.first
    if raw.extends is None and first is not None:
        line, col = first.position(key=True)
        sink.error(first.file, line, col, "pack-overlay",
                   "'overrides:' changes a base pack, but this pack extends none",
                   hint="add 'extends: BASE' to the pack: section (a shipped pack's id or a path)")
    if raw.extends is not None and raw.scoring_origin is not None:
        line, col = raw.scoring_origin.position(key=True)
        sink.error(raw.scoring_origin.file, line, col, "pack-overlay",
                   "an overlay inherits its base's scoring; change it under 'overrides: {scoring: …}'")


def _merge(target: dict[str, tuple[Part, Origin]], section: Mapping[str, Part] | None, origin: Origin, name: str,
           what: str, sink: DiagnosticSink) -> None:
    for key, value in (section or {}).items():
        here = origin.child(name, key)
        if key in target:
            first = target[key][1]
            line, col = here.position(key=True)
            first_line, _ = first.position(key=True)
            sink.error(here.file, line, col, "pack-duplicate", f"{what} '{key}' is declared twice",
                       hint=f"first declared at {first.file}:{first_line}")
            continue
        target[key] = (value, here)


def _not_found_hint(root: Path) -> str:
    from engine.pack.discovery import pack_identity, shipped_packs

    ids = [pack_identity(p)[0] or p.name for p in shipped_packs()]
    close = did_you_mean(root.name, ids)
    shipped = f"; shipped packs, usable by id: {', '.join(ids)}" if ids else ""
    return close or f"a pack is a directory holding pack.yaml{shipped}"
