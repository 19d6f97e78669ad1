"""`assess pack check`: every problem of some packs, and what overlays change, as text or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.authoring.lint import authoring_warnings
from engine.backends.durable.pack_limits import limit_problems
from engine.errors import ERROR, INFO, WARNING, Diagnostic, PackError, display_path
from engine.pack.build import load_pack
from engine.pack.merge import Change
from engine.pack.model import Pack


@dataclass
class PackCheck:
    path: str
    pack: Pack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


def check_pack(path: str | Path, *, authoring: bool = True) -> tuple[Pack | None, list[Diagnostic]]:
    """Every problem of a pack: load errors, type errors, rules the matching core could not hold,
    and (with `authoring`) the warnings of `authoring.lint` and the problems of its test cases."""
    try:
        pack = load_pack(path)
    except PackError as exc:
        return None, list(exc.diagnostics)
    diagnostics = list(pack.warnings)
    diagnostics += limit_problems(pack)
    if authoring:
        diagnostics += authoring_warnings(pack)
        if pack.base is not None:
            diagnostics = _without_inherited(pack, diagnostics)
    return pack, sorted(set(diagnostics), key=Diagnostic.sort_key)


def _without_inherited(pack: Pack, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """An overlay's check shows what the overlay causes: its base's own warnings are not repeated."""
    layer = pack.base
    if layer is None:
        return diagnostics
    try:
        base = load_pack(layer.root)
    except PackError:
        return diagnostics
    # the same code at the same place: the base's own (an overlay may only have softened its wording)
    inherited = {(d.file, d.line, d.col, d.code) for d in list(base.warnings) + authoring_warnings(base)
                 if d.severity != ERROR}
    kept = [d for d in diagnostics if d.severity == ERROR or (d.file, d.line, d.col, d.code) not in inherited]
    dropped = len(diagnostics) - len(kept)
    if dropped:
        kept.append(Diagnostic(display_path(Path(pack.root) / "pack.yaml"), 1, 1, INFO, "inherited",
                               f"{dropped} warning(s) and note(s) of the base pack {layer.id} are not repeated "
                               "here", hint=f"assess pack check {layer.shown}"))
    return kept


def check_packs(dirs: list[Path]) -> list[PackCheck]:
    checks = []
    for directory in dirs:
        pack, diagnostics = check_pack(directory)
        checks.append(PackCheck(display_path(Path(directory)), pack, diagnostics))
    return checks


def _changes(check: PackCheck) -> list[Change]:
    pack = check.pack
    if pack is None or pack.base is None:
        return []
    return sorted(pack.changes, key=lambda c: c.position())


def overlay_text(check: PackCheck) -> list[str]:
    pack = check.pack
    if pack is None or pack.base is None:
        return []
    base = pack.base
    changes = _changes(check)
    chain = " ← ".join(f"{layer.id} {layer.version}" for layer in reversed(pack.layers))
    lines = [f"{check.path}: overlay {chain}; {len(changes)} change(s) to {base.id} ({base.shown}):"]
    for change in changes:
        file, line, col = change.position()
        where = f"{file}:{line}:{col}: " if file else ""
        lines.append(f"  {where}{change.describe()}")
    return lines


def check_text(checks: list[PackCheck]) -> str:
    lines: list[str] = []
    for check in checks:
        lines += overlay_text(check)
        lines += [d.format() for d in check.diagnostics]
    errors = sum(c.count(ERROR) for c in checks)
    warnings = sum(c.count(WARNING) for c in checks)
    notes = sum(c.count(INFO) for c in checks)
    summary = f"{len(checks)} pack(s): {errors} error(s), {warnings} warning(s)"
    if notes:
        summary += f", {notes} note(s)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def check_json(checks: list[PackCheck]) -> dict[str, Any]:
    packs = []
    for check in checks:
        pack = check.pack
        packs.append({
            "path": check.path,
            "id": pack.id if pack else None,
            "version": pack.version if pack else None,
            "layers": [{"id": layer.id, "version": layer.version, "path": layer.shown} for layer in pack.layers]
            if pack else [],
            "changes": [change.to_dict() for change in _changes(check)],
            "errors": check.count(ERROR), "warnings": check.count(WARNING), "notes": check.count(INFO),
        })
    diagnostics = [d for check in checks for d in check.diagnostics]
    return {
        "errors": sum(c.count(ERROR) for c in checks),
        "warnings": sum(c.count(WARNING) for c in checks),
        "notes": sum(c.count(INFO) for c in checks),
        "diagnostics": [d.to_dict() for d in diagnostics],
        "packs": packs,
    }
