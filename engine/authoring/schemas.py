"""JSON Schemas for editors: pack files, case files, and profiles of a set of packs.

Generated from the same pydantic models that validate them (pack files:
`engine.pack.schema.PackFile`; profiles: `ProfileSchema(packs).model`, built
from the packs' input declarations), so a schema cannot disagree with the
engine about structure. The profile schema is then given the declarations'
titles, units and descriptions, which the generated models do not carry.
Editors find a schema through a `# yaml-language-server: $schema=…` modeline
on a file's first line.
"""

from __future__ import annotations

import json
from typing import Any

from engine.pack.model import Pack
from engine.pack.schema import CaseFile, InputDecl, PackFile

DRAFT = "https://json-schema.org/draft/2020-12/schema"
PROFILE_META = {
    "id": {"zh": "档案标识（字母、数字、_.-）", "en": "Identifier of the profile (letters, digits, _ . -)"},
    "name": {"zh": "被考核单位名称", "en": "Name of the community or unit assessed"},
    "subject": {"zh": "考核对象类型（选择适用的规则包，如 community）",
                "en": "What is assessed (selects the shipped packs, e.g. community)"},
    "year": {"zh": "考核年度（考核期为该年1月1日至12月31日）",
             "en": "Assessment year (the period is that calendar year)"},
    "period": {"zh": "考核期（不按自然年时填写 start 和 end）", "en": "Assessment period, when not a calendar year"},
    "packs": {"zh": "使用的规则包（id 或目录名）", "en": "The packs to use (ids or directory names)"},
    "description": {"zh": "说明", "en": "Remarks"},
    "data_source": {"zh": "数据来源", "en": "Where the data come from"},
}


def modeline(schema_ref: str) -> str:
    return f"# yaml-language-server: $schema={schema_ref}"


def _finish(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def pack_schema() -> dict[str, Any]:
    return _finish(PackFile.model_json_schema(), "community-assess rule pack file (pack.yaml, inputs, rules)")


def cases_schema() -> dict[str, Any]:
    return _finish(CaseFile.model_json_schema(), "community-assess test cases of a rule pack (tests/*.yaml)")


def profile_schema(packs: list[Pack], lang: str = "zh") -> dict[str, Any]:
    from engine.profile.validate import ProfileSchema

    validator = ProfileSchema(packs)
    schema = validator.model.model_json_schema()
    defs = schema.get("$defs", {})
    for path, spec in validator.inputs.items():
        node = _property(schema, defs, path.split("."))
        if node is not None:
            _describe(node, spec.decl, lang)
            if spec.decl.type == "list" and spec.decl.items is not None and spec.decl.items.type == "object":
                item = _resolve(_array_items(node, defs), defs)
                for name, field_decl in (spec.decl.items.fields or {}).items():
                    field_node = _property(item, defs, name.split(".")) if item is not None else None
                    if field_node is not None:
                        _describe(field_node, field_decl, lang)
    meta = defs.get("ProfileMeta", {}).get("properties", {})
    for key, texts in PROFILE_META.items():
        if key in meta:
            meta[key]["description"] = texts[lang]
    names = ", ".join(f"{p.id} {p.version}" for p in packs)
    return _finish(schema, f"community-assess profile for {names}")


def _resolve(node: dict[str, Any] | None, defs: dict[str, Any]) -> dict[str, Any] | None:
    """Follow a $ref or the non-null branch of an Optional."""
    while isinstance(node, dict):
        if "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1])
            continue
        if "anyOf" in node:
            branches = [b for b in node["anyOf"] if b.get("type") != "null"]
            if len(branches) == 1:
                node = branches[0]
                continue
        return node
    return None


def _array_items(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any] | None:
    resolved = _resolve(node, defs)
    items: dict[str, Any] | None = resolved.get("items") if resolved is not None else None
    return items


def _property(schema: dict[str, Any], defs: dict[str, Any], parts: list[str]) -> dict[str, Any] | None:
    node: dict[str, Any] | None = schema
    for part in parts:
        node = _resolve(node, defs)
        if node is None:
            return None
        node = node.get("properties", {}).get(part)
    return node


def _describe(node: dict[str, Any], decl: InputDecl, lang: str) -> None:
    from engine.pack.fieldtypes import describe

    title = decl.title.get(lang) if decl.title is not None else None
    unit = decl.unit.get(lang) if decl.unit is not None else None
    if title:
        node["title"] = title + (f"（{unit}）" if unit and lang == "zh" else (f" ({unit})" if unit else ""))
    words = [decl.description.get(lang)] if decl.description is not None else []
    words.append(describe(decl))
    node["description"] = "; ".join(w.strip() for w in words if w)


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
