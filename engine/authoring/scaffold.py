"""`assess pack new NAME`: a new pack directory that checks clean and whose cases pass.

The files come from `skeleton/pack` (a small pack with commented examples of
every construct: parameters, inputs of each type, a derived value,
dimensions, grades, pass/fail, partial credit, tiers, a deduction, a
per-element rule with bands, bonus, penalty and veto, recommendations with
placeholders, citations checked against a source text, and test cases) or,
with `--extends BASE`, from `skeleton/overlay`. `$name` placeholders are
filled in; JSON Schemas for editors are written to `schemas/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import NoReturn

from engine.errors import Diagnostic, UsageError, display_path
from engine.pack.schema import PACK_ID_PATTERN

SKELETON = Path(__file__).resolve().parent / "skeleton"


def _fail(path: Path, code: str, message: str, hint: str | None = None) -> NoReturn:
    raise UsageError([Diagnostic(display_path(path), 0, 0, "error", code, message, hint)])


def new_pack(target: Path, *, title: str | None = None, extends: str | None = None) -> list[Path]:
    """Write a new pack (or overlay) at target; returns the files written."""
    from engine.authoring.schemas import cases_schema, dumps, pack_schema
    from engine.report.output import atomic_write_text

    target = Path(target)
    pack_id = target.name
    if not re.match(PACK_ID_PATTERN, pack_id):
        _fail(target, "pack-name", f"'{pack_id}' cannot be a pack id",
              hint="the directory name is the pack's id: lower-case letters, digits, '-' and '_'")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        _fail(target, "file-exists", f"{display_path(target)} exists and is not empty",
              hint="choose a new directory name")
    values = {"id": pack_id, "title": title or pack_id, "path": display_path(target)}
    skeleton = SKELETON / "pack"
    if extends is not None:
        values.update(_base_values(extends, target))
        skeleton = SKELETON / "overlay"
    written = []
    for source in sorted(p for p in skeleton.rglob("*") if p.is_file()):
        relative = source.relative_to(skeleton)
        text = Template(source.read_text(encoding="utf-8")).safe_substitute(values)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        written.append(path)
    for name, schema in (("pack.schema.json", pack_schema()), ("cases.schema.json", cases_schema())):
        path = target / "schemas" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, dumps(schema))
        written.append(path)
    if extends is not None:
        _fit_first_case(target, values)
    return written


def _base_values(extends: str, target: Path) -> dict[str, str]:
    """What the overlay skeleton names from its base: ids of a rule, a dimension, a parameter, a grade."""
    import os

    from engine.pack.build import load_pack
    from engine.pack.overlay import resolve_base

    parent = target.parent
    base_dir = resolve_base(extends, parent) if ("/" in extends or extends.startswith(".")) else \
        resolve_base(extends, target)
    if base_dir is None and Path(extends).is_dir():
        base_dir = Path(extends)
    if base_dir is None:
        _fail(Path(extends), "pack-extends", f"no pack to extend at '{extends}'",
              hint="a shipped pack's id (community) or the path of a pack directory")
    base = load_pack(base_dir)
    shipped = "/" not in extends and "\\" not in extends and not extends.startswith(".") and \
        not Path(extends).is_dir()
    if shipped:
        reference = extends
    elif Path(extends).is_absolute():
        reference = str(Path(extends))
    else:
        reference = os.path.relpath(os.path.abspath(base_dir), os.path.abspath(target)).replace(os.sep, "/")
    items = [r for r in base.rules if r.kind == "item"] or base.rules
    return {
        "base": f"{base.id} {base.version}", "base_ref": reference, "subject": base.meta.subject,
        "rule": items[0].id, "dimension": base.dimensions[0].id,
        "param": next(iter(base.params), "a_parameter"), "grade": base.grades[-1].id,
    }


def _fit_first_case(target: Path, values: dict[str, str]) -> None:
    """The overlay's first case states what an empty profile gives; drop a claim the base does not bear out
    (e.g. a base whose first item is not applicable without data)."""
    from engine.testing.cases import CaseRunner, case_files, load_cases

    path = case_files(target)[0]
    runner = CaseRunner(target, ("reference",))
    result = runner.run(load_cases(path)[0], "reference")
    if result.ok:
        return
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"    total: 0\n    grade: {values['grade']}\n", "")
    path.write_text(text, encoding="utf-8")
