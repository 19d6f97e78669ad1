"""The library API reference (docs/reference/api.md), generated from `engine.__all__`.

The names are grouped as `engine/__init__.py` groups them (the `# comment` above each group of
`_EXPORTS`); for each: its kind, the module that defines it, its signature (a pydantic model's
fields; a class's public methods) and the first paragraph of its docstring.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import engine

INIT = Path(engine.__file__)
_GROUP = re.compile(r"^\s*#\s*(?P<title>.+?)\s*$")
_EXPORT = re.compile(r'^\s*"(?P<name>\w+)":\s*"(?P<module>[\w.]+)",')
_QUALIFIED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])")  # module prefixes: engine.report.model., M., dt.
WIDTH = 100  # a signature longer than this is written one parameter a line


def export_groups() -> list[tuple[str, list[str]]]:
    """(group title, names) in the order of `_EXPORTS` in engine/__init__.py; `__version__` first."""
    groups: list[tuple[str, list[str]]] = [("version", ["__version__"])]
    inside = False
    for line in INIT.read_text(encoding="utf-8").splitlines():
        if line.startswith("_EXPORTS"):
            inside = True
        elif inside and line.startswith("}"):
            break
        elif inside and (group := _GROUP.match(line)):
            groups.append((group["title"], []))
        elif inside and (export := _EXPORT.match(line)):
            groups[-1][1].append(export["name"])
    return groups


def summary(obj: Any) -> str:
    """The first paragraph of the object's own docstring (not one inherited, nor a dataclass's generated one)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or (inspect.isclass(obj) and doc.startswith(f"{obj.__name__}(")):
        return ""
    text = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(text.split())


def kind(obj: Any) -> str:
    if not inspect.isclass(obj):
        return "function" if callable(obj) else "constant"
    if issubclass(obj, BaseModel):
        return "class (pydantic model)"
    if issubclass(obj, BaseException):
        return "exception"
    return "class (dataclass)" if dataclasses.is_dataclass(obj) else "class"


def _annotation(annotation: Any) -> str:
    return short_names(annotation if isinstance(annotation, str) else inspect.formatannotation(annotation))


def _parameter(parameter: inspect.Parameter) -> str:
    text = str(parameter.replace(annotation=inspect.Parameter.empty, default=inspect.Parameter.empty))
    if parameter.annotation is not inspect.Parameter.empty:
        text += f": {_annotation(parameter.annotation)}"
    if parameter.default is not inspect.Parameter.empty:
        equals = " = " if parameter.annotation is not inspect.Parameter.empty else "="
        text += equals + ("<factory>" if repr(parameter.default) == "<factory>" else repr(parameter.default))
    return text


def signature(name: str, function: Callable[..., Any], *, skip_self: bool = False, wrap: bool = True) -> str:
    """`name(parameters) -> result`, the annotations as written in the source; a long one is wrapped.
    A class's is its constructor's, without a result."""
    found = inspect.signature(function)
    if inspect.isclass(function):
        found = found.replace(return_annotation=inspect.Signature.empty)
    parameters = list(found.parameters.values())[1 if skip_self else 0:]
    parts = []
    for index, parameter in enumerate(parameters):
        previous = parameters[index - 1].kind if index else None
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and previous not in (
                inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL):
            parts.append("*")
        parts.append(_parameter(parameter))
    result = "" if found.return_annotation is inspect.Signature.empty else \
        f" -> {_annotation(found.return_annotation)}"
    text = f"{name}({', '.join(parts)}){result}"
    if wrap and len(text) > WIDTH:
        text = f"{name}(\n" + "".join(f"    {part},\n" for part in parts) + f"){result}"
    return text


def _fields(model: type[BaseModel]) -> list[str]:
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = "required" if field.is_required() else (
            "" if field.default_factory is not None else f"`{field.default!r}`")
        annotation = short_names(inspect.formatannotation(field.annotation)).replace("|", "\\|")
        lines.append(f"| `{name}` | `{annotation}` | {default} | {field.description or ''} |")
    return lines


def short_names(annotation: str) -> str:
    """`list[engine.report.model.PackResult]` as `list[PackResult]`."""
    return _QUALIFIED.sub("", annotation)


def _methods(cls: type) -> list[str]:
    """The public methods and properties the class itself defines."""
    lines = []
    for name, member in cls.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            lines.append(f"- `{name}` (property){_dash(summary(member.fget))}")
            continue
        function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if inspect.isfunction(function):
            shown = signature(name, function, skip_self=not isinstance(member, staticmethod), wrap=False)
            lines.append(f"- `{shown}`{_dash(summary(function))}")
    return lines


def _dash(text: str) -> str:
    return f" — {text}" if text else ""


def _code(text: str) -> list[str]:
    return ["```python", text, "```"]


def _details(name: str, obj: Any) -> list[str]:
    if not inspect.isclass(obj):
        return _code(signature(name, obj)) if callable(obj) else _code(f"{name} = {obj!r}")
    if issubclass(obj, BaseModel):
        see = ["", "Every model of the report is described in [The Report](report.md)."] \
            if obj.__module__ == "engine.report.model" else []
        return _fields(obj) + see
    lines = _code(f"class {signature(name, obj)}")
    methods = _methods(obj)
    return lines + (["", "Methods:", "", *methods] if methods else [])


def entry(name: str) -> list[str]:
    obj = getattr(engine, name)
    module = getattr(obj, "__module__", None) if (inspect.isclass(obj) or callable(obj)) else None
    module = module or ("engine.version" if name == "__version__" else engine._EXPORTS[name])
    lines = [f"### {name}", "", f"*{kind(obj)}* in `{module}`", ""]
    text = summary(obj) if inspect.isclass(obj) or callable(obj) else ""
    if text:
        lines += [text, ""]
    return lines + _details(name, obj) + [""]


def api_reference() -> str:
    lines: list[str] = []
    for title, names in export_groups():
        lines += [f"## {title[:1].upper()}{title[1:]}", ""]
        for name in names:
            lines += entry(name)
    return "\n".join(lines).rstrip("\n") + "\n"
