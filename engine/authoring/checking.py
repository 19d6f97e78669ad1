"""`assess pack check`: every problem of some packs, and what overlays change, as text or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ERROR, INFO, WARNING, Diagnostic
from ..pack.loader import display_path
from ..pack.model import Pack


@dataclass
class PackCheck:
    path: str
    pack: Pack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


def check_packs(dirs: list[Path]) -> list[PackCheck]:
    from ..inspect import check_pack

    checks = []
    for directory in dirs:
        pack, diagnostics = check_pack(directory)
        checks.append(PackCheck(display_path(Path(directory)), pack, diagnostics))
    return checks


def _changes(check: PackCheck) -> list:
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


def check_json(checks: list[PackCheck]) -> dict:
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
