"""The catalog of diagnostic codes: what each code means, an example that triggers it, what the
engine prints for that example, and the fix.

The data is in `codes/*.yaml`, one file per place a problem arises (a pack, a profile, the
command line, ...); each file is an *area*: a title, an introduction, the command its examples
run by default, and its codes. Adding a code is adding one entry to one file::

    pack-duplicate:
      severity: error
      summary: Something is declared twice.
      example:
        files:                       # written over the example workspace (`workspace/`)
          pack/rules.yaml: |
            ...
        run: assess pack check pack  # optional: the area's command by default
      prints: |
        pack/rules.yaml:9:7: error[pack-duplicate]: rule id 'R1' is used twice
      fix: Give each rule its own id.

An example that cannot be run in a test (a full disk, a crash of the matching core) says
`example: none` and why, in `reason:`. The test suite runs every other example through the
command line and compares what it prints with `prints:` (tests/test_diagnostics_catalog.py),
and scans the engine's source for codes the catalog does not list (`catalog.scan`).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

HERE = Path(__file__).resolve().parent
CODES = HERE / "codes"
WORKSPACE = HERE / "workspace"

Severity = Literal["error", "warning", "info"]

# `file:line:col: severity[code]: message`, then indented lines (the hint) that belong to it
_DIAGNOSTIC = re.compile(r"^(?P<where>\S.*?): (?P<severity>error|warning|info)\[(?P<code>[^\]\s]+)\]: ")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(_Strict):
    """Files written over the example workspace (a value of null removes a file), and the command run."""

    files: dict[str, str | None] = {}
    saved_as: dict[str, str] = {}  # a file written in another encoding than UTF-8: path -> codec
    run: str | None = None


class EntryData(_Strict):
    severity: Severity
    summary: str
    example: Example | Literal["none"]
    reason: str | None = None  # why there is no example
    prints: str | None = None  # what the engine prints for the example
    fix: str
    reasons: dict[str, str] = {}  # pack-limit: the checks of the matching core's limits, by their own code

    @model_validator(mode="after")
    def _example_or_reason(self) -> EntryData:
        if self.example == "none" and (not self.reason or self.prints):
            raise ValueError("'example: none' needs a 'reason:' and has no 'prints:'")
        if self.example != "none" and (self.reason or not self.prints):
            raise ValueError("an example needs 'prints:' (what the engine prints) and no 'reason:'")
        return self


class AreaData(_Strict):
    title: str
    order: int
    intro: str
    run: str | None = None  # the command of the area's examples
    codes: dict[str, EntryData]


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    order: int
    intro: str
    run: str | None


@dataclass(frozen=True)
class Entry:
    code: str
    area: Area
    data: EntryData

    @property
    def example(self) -> Example | None:
        return None if self.data.example == "none" else self.data.example

    @property
    def command(self) -> str:
        """The command the example runs, as typed in a shell (`assess ...`)."""
        example = self.example
        command = (example.run if example is not None else None) or self.area.run
        if command is None:
            raise ValueError(f"{self.code}: the example needs 'run:' (its area has no default command)")
        return command

    @property
    def argv(self) -> list[str]:
        """The command's arguments after `assess`."""
        words = shlex.split(self.command)
        if words[:1] != ["assess"]:
            raise ValueError(f"{self.code}: an example runs 'assess ...', not {self.command!r}")
        return words[1:]

    @property
    def prints(self) -> str:
        return (self.data.prints or "").rstrip("\n")


@dataclass(frozen=True)
class Catalog:
    areas: list[Area]
    entries: dict[str, Entry]

    def in_area(self, area: Area) -> list[Entry]:
        return sorted((e for e in self.entries.values() if e.area == area), key=lambda e: e.code)


class CatalogError(ValueError):
    """The catalog's data is malformed (a test and the docs generator fail with this message)."""


def _read_area(path: Path) -> AreaData:
    try:
        return AreaData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path.relative_to(HERE.parents[2])}: {exc}") from None


@cache
def load_catalog() -> Catalog:
    """Every area and entry of `codes/*.yaml`; a code listed twice is an error."""
    areas: list[Area] = []
    entries: dict[str, Entry] = {}
    for path in sorted(CODES.glob("*.yaml")):
        data = _read_area(path)
        area = Area(path.stem, data.title, data.order, data.intro, data.run)
        areas.append(area)
        for code, entry in data.codes.items():
            if code in entries:
                raise CatalogError(f"code {code!r} is in both {entries[code].area.id}.yaml and {path.name}")
            entries[code] = Entry(code, area, entry)
    return Catalog(sorted(areas, key=lambda a: (a.order, a.id)), entries)


def workspace_files() -> dict[str, str]:
    """The example workspace every example starts from: relative path -> text."""
    return {path.relative_to(WORKSPACE).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(WORKSPACE.rglob("*")) if path.is_file()}


def write_workspace(entry: Entry, directory: Path) -> None:
    """The example workspace with the entry's example files written over it, in `directory`."""
    shutil.copytree(WORKSPACE, directory, dirs_exist_ok=True)
    example = entry.example
    for name, text in (example.files if example is not None else {}).items():
        path = directory / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding=example.saved_as.get(name, "utf-8") if example is not None else "utf-8")


def printed_diagnostics(output: str) -> list[str]:
    """The diagnostics in a command's output, each as printed with its hint line; one printed inside a report
    (a profile's warnings, indented under its heading) is given without the indentation."""
    found: list[str] = []
    indent: int | None = None
    for line in output.splitlines():
        stripped = line.lstrip(" ")
        if _DIAGNOSTIC.match(stripped):
            found.append(stripped)
            indent = len(line) - len(stripped)
        elif indent is not None and line.startswith(" " * (indent + 2)):
            found[-1] += "\n" + line[indent:]
        else:
            indent = None
    return found


def printed_code(diagnostic: str) -> tuple[str, str]:
    """(severity, code) of a diagnostic as `printed_diagnostics` gives it."""
    match = _DIAGNOSTIC.match(diagnostic)
    if match is None:
        raise ValueError(f"not a diagnostic: {diagnostic!r}")
    return match.group("severity"), match.group("code")
