"""The configuration file: defaults for the command line's options, kept with a repository of profiles.

`[tool.assess]` in a pyproject.toml, or the top level of an assess.toml, found
by walking up from the working directory. The walk stops at the first
directory with an assess.toml or a pyproject.toml that has a `[tool.assess]`
table (assess.toml wins in the same directory; a pyproject.toml without the
table does not stop it), and after the directory holding `.git` (the root of
the repository): settings never leak in from outside a repository.
`--config FILE` (or ASSESS_CONFIG) names the file; `--no-config` reads none.

A setting is a default: an option on the command line always wins. The
settings become click's `default_map`, which gives exactly that precedence
(command line > environment variable > default map > built-in default);
`parameters` are the exception, merged with `--set` name by name.

tomllib gives no positions, so a problem's line and column come from a light
scan of the file for the key (`where`): the line of the key when it is written
as `key = …` (also dotted, or in its own `[table]`), else the line of the
table that holds it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from engine.cli.choices import BackendChoice, Lang, ReportFormat, values
from engine.errors import Diagnostic, UsageError, did_you_mean, display_path

CONFIG_FILE = "assess.toml"
PYPROJECT = "pyproject.toml"
CONFIG_ENV = "ASSESS_CONFIG"
PYPROJECT_TABLE = ("tool", "assess")

# A pyproject.toml is read only when it mentions the table: `[tool.assess]`, `[tool.assess.…]` or `tool.assess… =`.
_MENTIONS_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*assess\s*[\].]|^\s*tool\s*\.\s*assess\s*[.=]", re.M)


class _Bad(Exception):
    """A setting's value is not what its options take."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


# -- the settings and the options they are defaults of ------------------------------------------

def _choice(choice: type[Enum]) -> Callable[[Any], str]:
    allowed = values(choice)

    def check(value: Any) -> str:
        if value not in allowed:
            raise _Bad(f"must be one of {', '.join(allowed)}, not {value!r}",
                       did_you_mean(str(value), allowed) if isinstance(value, str) else None)
        return str(value)

    return check


def _formats(value: Any) -> list[str]:
    """One report format, or a list of them (a batch writes each to --output-dir)."""
    listed = value if isinstance(value, list) else [value]
    allowed = values(ReportFormat)
    for item in listed:
        if item not in allowed:
            raise _Bad(f"must be a report format or a list of them ({', '.join(allowed)}), not {item!r}",
                       did_you_mean(str(item), allowed) if isinstance(item, str) else None)
    if not listed:
        raise _Bad("must name at least one format")
    return [str(item) for item in listed]


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"must be a number, not {value!r}")
    return float(value)


def _seconds(value: Any) -> float:
    seconds = _number(value)
    if seconds < 0:
        raise _Bad(f"must be 0 (no limit) or more seconds, not {value!r}")
    return seconds


def _workers(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Bad(f"must be a whole number of worker processes, 1 or more, not {value!r}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {value!r}")
    return value


def _pack_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _Bad("must be a list of pack directories or shipped pack ids, e.g. [\"rules/community\"]")
    return list(value)


def _parameter_table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad("must be a table of parameter values, e.g. [tool.assess.parameters] training_min = \"90%\"")
    return dict(value)


@dataclass(frozen=True)
class Setting:
    key: str  # as written in the file
    check: Callable[[Any], Any]  # the value as the options take it; raises _Bad
    options: tuple[str, ...]  # the options it is the default of, for `assess config show`
    default: str  # the built-in default, in words
    targets: tuple[tuple[str, ...], ...] = ()  # (command, [subcommand,] parameter name) in click's default_map


SETTINGS = {setting.key: setting for setting in (
    Setting("packs", _pack_list, ("--pack", "pack check DIR"), "the shipped packs for each profile's subject",
            (("run", "packs"), ("explain", "packs"), ("profile", "init", "packs"), ("schema", "profile", "packs"),
             ("pack", "check", "dirs"))),
    Setting("parameters", _parameter_table, ("--set",), "each pack's defaults"),  # merged with --set, see below
    Setting("lang", _choice(Lang), ("--lang",), "zh",
            (("run", "lang"), ("explain", "lang"), ("render", "lang"), ("compare", "lang"),
             ("profile", "init", "lang"), ("schema", "profile", "lang"), ("pack", "doc", "lang"))),
    Setting("format", _formats, ("--format",), "text", (("run", "fmt"),)),  # render, compare: one format only
    Setting("backend", _choice(BackendChoice), ("--backend",), "auto", (("run", "backend"), ("explain", "backend"))),
    Setting("jobs", _workers, ("--jobs",), "the CPUs available", (("run", "jobs"),)),
    Setting("timeout", _seconds, ("--timeout",), "60", (("run", "timeout"),)),
    Setting("fail-under", _number, ("--fail-under",), "none", (("run", "fail_under"),)),
    Setting("fail-on-veto", _flag, ("--fail-on-veto",), "false", (("run", "fail_on_veto"),)),
)}
ONE_FORMAT_COMMANDS = ("render", "compare")  # their --format is one format: a configured list does not apply


# -- the configuration in use -------------------------------------------------------------------

@dataclass
class Config:
    file: Path | None = None
    how: str = ""  # how the file was chosen, or why there is none
    values: dict[str, Any] = field(default_factory=dict)  # checked values by key
    lines: dict[str, int] = field(default_factory=dict)  # where each key is written (0: not found by the scan)

    def default_map(self) -> dict[str, Any]:
        """click's default_map: by command (and subcommand), parameter name → value."""
        tree: dict[str, Any] = {}
        for key, value in self.values.items():
            for (*commands, name), default in _defaults(key, value):
                node = tree
                for command in commands:
                    node = node.setdefault(command, {})
                node[name] = default
        return tree

    def parameter_args(self) -> list[str]:
        """The configured parameters as `--set` takes them: NAME=VALUE, the value in YAML (JSON is YAML)."""
        return [f"{name}={_yaml_value(value)}" for name, value in self.values.get("parameters", {}).items()]

    def where(self, key: str, short: bool = False) -> str:
        """`file:line` of a key (short: the file's name only, once the whole path has been said)."""
        if self.file is None:
            return ""
        shown = self.file.name if short else display_path(self.file)
        line = self.lines.get(key, 0)
        return f"{shown}:{line}" if line else shown


def _defaults(key: str, value: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(command path and parameter, default) for each option a setting is the default of."""
    for target in SETTINGS[key].targets:
        yield target, value
    if key == "format" and len(value) == 1:
        for command in ONE_FORMAT_COMMANDS:
            yield (command, "fmt"), value[0]


def _yaml_value(value: Any) -> str:
    if isinstance(value, (dt.date, dt.time)):  # also datetimes: YAML reads the ISO form back as a date
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def with_configured_parameters(ctx: typer.Context, value: list[str] | tuple[str, ...] | None) -> list[str]:
    """The callback of --set: the configuration's parameters, then those given (the later of one name wins)."""
    config = ctx.find_root().obj
    configured = config.parameter_args() if isinstance(config, Config) else []
    return [*configured, *(value or [])]


# -- finding and reading the file ---------------------------------------------------------------

def load_config(explicit: Path | None, disabled: bool, how: str = "--config", start: Path | None = None) -> Config:
    """The configuration in use: none with --no-config, the file given, else the one found from `start` up."""
    if disabled:
        return Config(how="--no-config")
    if explicit is not None:
        return read_config(explicit, how)
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:  # the working directory was removed under us: there is nothing to walk up from
        return Config(how="the working directory cannot be read")
    found, searched = find_config(here)
    if found is None:
        return Config(how=f"none found from {searched[0]} up to {searched[-1]}")
    return read_config(found, f"found from {here}")


def find_config(start: Path) -> tuple[Path | None, list[Path]]:
    """The first assess.toml or pyproject.toml with [tool.assess] from start up; the directories looked in."""
    searched: list[Path] = []
    for directory in (start, *start.parents):
        searched.append(directory)
        if (directory / CONFIG_FILE).is_file():
            return directory / CONFIG_FILE, searched
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _MENTIONS_TABLE.search(_read(pyproject, quiet=True)):
            return pyproject, searched
        if (directory / ".git").exists():  # a directory (or, in a worktree, a file): the repository's root
            break
    return None, searched


def read_config(path: Path, how: str) -> Config:
    shown = display_path(path)
    if not path.exists():
        raise UsageError([Diagnostic(shown, 0, 0, "error", "config-not-found", "no configuration file here",
                                     hint=f"give an existing {CONFIG_FILE} or {PYPROJECT} to --config "
                                          f"(or {CONFIG_ENV}), or --no-config")])
    text = _read(path)
    data = _parse(text, shown)
    base = PYPROJECT_TABLE if path.name == PYPROJECT else ()
    table = _table(data, base, text, shown)
    positions = TomlPositions(text)
    checked, problems = _check(table, base, positions, shown, path.parent)
    if problems:
        raise UsageError(problems)
    lines = {key: positions.where((*base, key))[0] for key in checked}
    return Config(file=path, how=how, values=checked, lines=lines)


def _read(path: Path, quiet: bool = False) -> str:
    """The file's text (universal newlines); not a regular file (a FIFO, a directory), unreadable or not UTF-8:
    a usage error, or "" when `quiet` (while looking for a configuration: such a pyproject.toml is not ours)."""
    from engine.source.encodings import undecodable_position
    from engine.source.load import read_file

    shown = display_path(path)
    try:
        text = read_file(path, shown, error_class=UsageError).decode("utf-8-sig")
    except UsageError:
        if quiet:
            return ""
        raise
    except UnicodeDecodeError as exc:
        if quiet:
            return ""
        raise UsageError([Diagnostic(shown, *undecodable_position(exc), "error", "encoding",
                                     "the configuration is not UTF-8 text",
                                     hint="save the file as UTF-8")]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse(text: str, shown: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, col = _decode_error(exc, text)
        raise UsageError([Diagnostic(shown, line, col, "error", "config-syntax", message)]) from None


def _decode_error(exc: ValueError, document: str) -> tuple[str, int, int]:
    """tomllib's message and position: attributes since Python 3.14, before that in the message."""
    said = str(exc)
    at = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)", said)
    message = getattr(exc, "msg", None) or (said[:at.start()] + said[at.end():] if at else said)
    if hasattr(exc, "lineno"):
        return f"invalid TOML: {message}", exc.lineno, getattr(exc, "colno", 0)
    if at is None:
        return f"invalid TOML: {message}", 0, 0
    if at.group(1) is None:  # at the end: after the last character
        last = document.split("\n")
        return f"invalid TOML: {message} at the end of the file", len(last), len(last[-1]) + 1
    return f"invalid TOML: {message}", int(at.group(1)), int(at.group(2))


def _table(data: dict[str, Any], base: tuple[str, ...], text: str, shown: str) -> dict[str, Any]:
    """The settings' table: the whole assess.toml, or [tool.assess] of a pyproject.toml."""
    table: Any = data
    for part in base:
        table = table.get(part) if isinstance(table, dict) else None
    if table is None:
        raise UsageError([Diagnostic(shown, 0, 0, "error", "config-no-table", "this pyproject.toml has no "
                                     "[tool.assess] table", hint="add one, or give an assess.toml")])
    if not isinstance(table, dict):
        line, col = TomlPositions(text).where(base)
        raise UsageError([Diagnostic(shown, line, col, "error", "config-value", "tool.assess must be a table")])
    return table


def _check(table: dict[str, Any], base: tuple[str, ...], positions: TomlPositions, shown: str,
           directory: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The table's values as the options take them, and a diagnostic for every key or value that is wrong."""
    checked: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    name = f" in [{'.'.join(base)}]" if base else ""
    for key, value in table.items():
        line, col = positions.where((*base, key))
        setting = SETTINGS.get(key)
        if setting is None:
            problems.append(Diagnostic(shown, line, col, "error", "config-unknown-key",
                                       f"unknown key '{key}'{name}",
                                       hint=did_you_mean(key, SETTINGS) or "keys: " + ", ".join(SETTINGS)))
            continue
        try:
            checked[key] = setting.check(value)
            if key == "packs":
                checked[key] = [resolve_pack(entry, directory) for entry in checked[key]]
        except _Bad as bad:
            problems.append(Diagnostic(shown, line, col, "error", "config-value", f"{key} {bad.message}",
                                       hint=bad.hint))
    return checked, problems


def resolve_pack(entry: str, directory: Path) -> str:
    """A pack of the configuration: a directory relative to the configuration file, or a shipped pack's id."""
    from engine.pack.discovery import pack_identity, shipped_packs
    from engine.pack.overlay import resolve_base

    candidate = directory / entry
    if candidate.is_dir():
        return str(candidate)
    shipped = resolve_base(entry, directory)
    if shipped is not None:
        return str(shipped)
    ids = [pack_identity(p)[0] or p.name for p in shipped_packs()]
    raise _Bad(f"names '{entry}': no such directory beside the configuration file, nor a shipped pack",
               did_you_mean(entry, ids) or f"a directory relative to {display_path(directory) or '.'}, or a "
                                           f"shipped pack: {', '.join(ids)}")


# -- positions ----------------------------------------------------------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_MULTILINE_QUOTES = ('"""', "'''")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in re.findall(_KEY_PART, dotted))


class TomlPositions:
    """Where keys are written in a TOML text: (line, column) by full key path, from a scan line by line."""

    def __init__(self, text: str):
        self.found: dict[tuple[str, ...], tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        open_quotes: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if open_quotes is not None:  # inside a multi-line string: nothing here is a key
                open_quotes = None if open_quotes in line else open_quotes
                continue
            header = _HEADER.match(line)
            key = None if header else _KEY_LINE.match(line)
            if header:
                table = _key_parts(header.group(1))
                self.found.setdefault(table, (number, header.start(1) + 1))
            elif key:
                parts = _key_parts(key.group(1))
                for end in range(1, len(parts) + 1):  # `a.b = 1` also writes table a
                    self.found.setdefault(table + parts[:end], (number, key.start(1) + 1))
                open_quotes = _opens_multiline(line[key.end():])

    def where(self, path: tuple[str, ...]) -> tuple[int, int]:
        """The key's position; else that of the nearest table or key holding it; else (0, 0)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.found:
                return self.found[path[:end]]
        return 0, 0


def _opens_multiline(value: str) -> str | None:
    for quotes in _MULTILINE_QUOTES:
        if value.count(quotes) % 2 == 1:
            return quotes
    return None


# -- showing it ---------------------------------------------------------------------------------

def config_text(config: Config) -> str:
    """The file in use and every setting: its value, where it comes from (file:line, or the default), its options."""
    shown = display_path(config.file) if config.file is not None else "none"
    rows = [("setting", "value", "from", "default of")]
    for key, setting in SETTINGS.items():
        if key in config.values:
            rows.append((key, _shown(key, config.values[key]), config.where(key, short=True),
                         ", ".join(setting.options)))
        else:
            rows.append((key, setting.default, "built-in", ", ".join(setting.options)))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [f"configuration: {shown} ({config.how})", ""]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths + [0], strict=True)).rstrip()
              for row in rows]
    lines += ["", "An option given on the command line wins over its setting; --no-config reads no file."]
    return "\n".join(lines) + "\n"


def _shown(key: str, value: Any) -> str:
    if key == "packs":
        return ", ".join(display_path(Path(entry)) for entry in value)
    if key == "parameters":
        return ", ".join(f"{name}={_yaml_value(item)}" for name, item in value.items()) or "none"
    if key == "format":
        return ", ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
