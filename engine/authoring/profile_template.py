"""`assess profile init`: a profile template for a set of packs.

Every input the packs declare, nested as a profile writes it, left empty
(null: *missing data* until filled in), with its title, unit, what values are
allowed and its bounds as a comment above it; lists of objects get a
commented example element with every field. The template is valid as it
stands (assessing it reports every rule as missing data), so an author can
fill it in piece by piece and assess it at any time.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.authoring.lint import unread_inputs
from engine.pack.fieldtypes import describe
from engine.pack.model import InputSpec, Pack
from engine.pack.paths import nest
from engine.pack.schema import InputDecl

HEAD = {
    "zh": ["{packs} 的考核档案模板（assess profile init 生成）。",
           "每项填写实际情况；不掌握的项留空——相应条目在报告中列为“缺少数据”，并提示应补充什么。",
           "数值只写数字，不写单位（单位见注释）；百分比写 98 或 98%；日期写 2024-03-01。"],
    "en": ["Profile template for {packs} (written by assess profile init).",
           "Fill in what applies; leave unknown values empty — their rules are reported as missing data, with what "
           "to supply.", "Write numbers without units (the unit is in the comment); percentages as 98 or 98%; dates "
                         "as 2024-03-01."],
}
META = {
    "zh": {"id": "档案标识（字母、数字、_.-）", "name": "被考核单位名称", "subject": "考核对象类型",
           "year": "考核年度（如 2024；或写 period: {start: …, end: …}）"},
    "en": {"id": "identifier (letters, digits, _ . -)", "name": "name of the community or unit",
           "subject": "what is assessed", "year": "assessment year (e.g. 2024; or period: {start: …, end: …})"},
}
ELEMENT = {"zh": "每项一个，例如：", "en": "one entry each, for example:"}
# an input no rule of the packs reads: the profile may give it, but it changes no score
INFORMATIONAL = {"zh": "（仅供参考，不计分）", "en": " (for information only: no rule reads it)"}


def describe_zh(decl: InputDecl) -> str:
    """What a value must look like, in Chinese."""
    kind = decl.type
    if kind == "list":
        return f"列表，每项为{describe_zh(decl.items)}"  # type: ignore[arg-type]
    if kind == "object":
        return "含 " + "、".join(decl.fields or {}) + " 的映射"
    if kind == "enum":
        return "可选值：" + "、".join(decl.values or [])
    base = {"integer": "整数", "number": "数字", "percent": "百分比（98 或 98%）",
            "ratio": "0 至 1 的小数（或百分比 98%）", "boolean": "true 或 false", "string": "文字",
            "date": "日期（YYYY-MM-DD）"}[kind]
    suffix = "%" if kind == "percent" else ""
    bounds = []
    if decl.min is not None:
        bounds.append(f"≥ {_num(decl.min)}{suffix}")
    if decl.max is not None:
        bounds.append(f"≤ {_num(decl.max)}{suffix}")
    return base + ("，" + "，".join(bounds) if bounds else "")


def _num(value: Decimal) -> str:
    from engine.expr.values import format_number

    return format_number(value)


def comment(decl: InputDecl, lang: str, required: bool = False, informational: bool = False) -> str:
    title = decl.title.get(lang) if decl.title is not None else None
    unit = decl.unit.get(lang) if decl.unit is not None else None
    words = describe_zh(decl) if lang == "zh" else describe(decl)
    parts = []
    if title:
        parts.append(title + (f"（{unit}）" if unit and lang == "zh" else (f" ({unit})" if unit else ""))
                     + (INFORMATIONAL[lang] if informational else ""))
    elif informational:
        parts.append(INFORMATIONAL[lang].strip(" （）()"))
    if required:
        parts.append("必填" if lang == "zh" else "required")
    parts.append(words)
    if decl.description is not None:
        parts.append(" ".join(decl.description.get(lang).split()))
    if decl.example is not None:
        parts.append(("例：" if lang == "zh" else "e.g. ") + _flow(decl.example))
    return " ".join(("；" if lang == "zh" else "; ").join(parts).split())


_PLAIN_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _key(name: str) -> str:
    """A mapping key as YAML reads it back (YAML 1.1 would read `on:` or `no:` as booleans)."""
    return f"'{name}'" if name.lower() in _PLAIN_WORDS else name


def _flow(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


# A tree of the inputs by their dotted paths: a mapping of names to subtrees and, at the leaves, declarations.
InputTree = dict[str, Any]


def _tree(inputs: dict[str, InputSpec]) -> InputTree:
    return nest((path, spec.decl) for path, spec in inputs.items())


def _field_tree(fields: dict[str, InputDecl]) -> InputTree:
    return nest(fields.items())


def _emit(tree: InputTree, lang: str, indent: int, lines: list[str], informational: set[str],
          prefix: str = "") -> None:
    """The inputs of `tree` (under the dotted `prefix`); those in `informational` are marked as such."""
    pad = "  " * indent
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{_key(key)}:")
            _emit(value, lang, indent + 1, lines, informational, f"{prefix}{key}.")
            continue
        decl: InputDecl = value
        lines.append(f"{pad}# {comment(decl, lang, informational=prefix + key in informational)}")
        if decl.type == "list" and decl.items is not None and decl.items.type == "object":
            lines.append(f"{pad}# {ELEMENT[lang]}")
            example: list[str] = []
            _emit_element(_field_tree(decl.items.fields or {}), lang, example)
            lines += [f"{pad}#   {line}" for line in example]
        lines.append(f"{pad}{_key(key)}:")


def _emit_element(tree: InputTree, lang: str, lines: list[str], indent: int = 0) -> None:
    for index, (key, value) in enumerate(tree.items()):
        lead = "- " if indent == 0 and index == 0 else "  "
        pad = lead + "  " * indent
        if isinstance(value, dict):
            lines.append(f"{pad}{_key(key)}:")
            _emit_element(value, lang, lines, indent + 1)
            continue
        lines.append(f"{pad}{_key(key)}:   # {comment(value, lang, value.required)}")


def profile_template(packs: list[Pack], lang: str = "zh", schema_ref: str | None = None) -> str:
    from engine.authoring.schemas import modeline
    from engine.profile.validate import ProfileSchema

    inputs = ProfileSchema(packs).inputs  # the union, checked for conflicts
    names = ", ".join(f"{p.id} {p.version}" for p in packs)
    lines = [modeline(schema_ref)] if schema_ref else []
    lines += [f"# {line.format(packs=names)}" for line in HEAD[lang]]
    subjects = sorted({p.meta.subject for p in packs})
    meta = META[lang]
    lines += ["profile:", f"  id:          # {meta['id']}", f"  name:        # {meta['name']}",
              f"  subject: {subjects[0]}   # {meta['subject']}" if len(subjects) == 1 else
              f"  subject:     # {meta['subject']}: {', '.join(subjects)}",
              f"  year:        # {meta['year']}", ""]
    _emit(_tree(inputs), lang, 0, lines, informational_inputs(packs))
    return "\n".join(lines) + "\n"


def informational_inputs(packs: list[Pack]) -> set[str]:
    """The inputs no rule of any of the packs reads (`input-unread` of `assess pack check`)."""
    read_somewhere = {path for pack in packs for path in pack.inputs if path not in unread_inputs(pack)}
    return {path for pack in packs for path in pack.inputs if path not in read_somewhere}
