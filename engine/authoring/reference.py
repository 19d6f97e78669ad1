"""Reference tables generated from the code: every pack key (from the pydantic models and their
`Field(description=…)`) and every expression function (from the function registry).

`python -m engine.authoring.docs` writes them into docs/reference/keys-and-functions.md; the test suite
fails when the page is stale, so the reference cannot drift from the models.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from engine.pack import schema as S
from engine.profile.validate import Period, ProfileMeta

SECTION_NAMES: dict[type[BaseModel], str] = {
    S.PackFile: "any pack file",
    S.PackMeta: "pack:",
    S.Source: "pack.sources[]",
    S.ParamDecl: "parameters.NAME",
    S.ParamAlternative: "parameters.NAME.alternatives[]",
    S.InputDecl: "inputs.PATH",
    S.DerivedDecl: "derived.NAME",
    S.Relation: "relations[]",
    S.Dimension: "dimensions[]",
    S.Scoring: "scoring:",
    S.Grade: "scoring.grades[]",
    S.GradeRequires: "scoring.grades[].requires",
    S.BandQuota: "scoring.quotas[] (format 2)",
    S.GradeQuota: "scoring.grade_quotas[] (format 2)",
    S.Rule: "rules[]",
    S.ItemRule: "rules[] with kind: item (the default)",
    S.BonusRule: "rules[] with kind: bonus",
    S.PenaltyRule: "rules[] with kind: penalty",
    S.VetoRule: "rules[] with kind: veto",
    S.CheckRule: "rules[] with kind: check (format 2)",
    S.Tier: "rules[].tiers[]",
    S.Clause: "rules[].deductions[], rules[].bonus[] (format 2)",
    S.Level: "rules[].levels[] (format 2)",
    S.Measure: "rules[].measure (format 2)",
    S.PerOccurrence: "rules[].deduct, rules[].award",
    S.Band: "rules[].bands[]",
    S.Note: "rules[].notes[]",
    S.Citation: "cite",
    S.Text: "texts",
    S.Overrides: "overrides:",
    S.DimensionPatch: "overrides.dimensions.ID",
    S.RulePatch: "overrides.rules.ID",
    S.OccurrencePatch: "overrides.rules.ID.deduct, .award",
    S.ScoringPatch: "overrides.scoring",
    S.CaseFile: "tests/*.yaml",
    S.Case: "cases[]",
    S.CaseExpectation: "cases[].expect.RULE",
    S.CaseAdjustment: "cases[].adjustments[]",
    ProfileMeta: "profile:",
    Period: "profile.period",
}


def anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def _kind(metadata: Iterable[object] | None) -> str | None:
    for item in metadata or ():
        if isinstance(item, S.Kind):
            return item.name
    return None


def type_words(annotation: Any, metadata: Iterable[object] = ()) -> str:
    """A field's type as the reference says it: 'list of [Rule](#rule)', 'one of `a`, `b`'."""
    kind = _kind(metadata)
    if kind is not None:
        return kind
    generic = _generic_words(annotation)
    return generic if generic is not None else _plain_words(annotation)


def _generic_words(annotation: Any) -> str | None:
    """Annotated, unions, lists, mappings and literals; None for anything else."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_words(args[0], args[1:])
    if origin is typing.Union or origin is types.UnionType:  # Optional[X] and X | None alike
        options = [a for a in args if a is not type(None)]
        return " or ".join(type_words(a) for a in options)
    if origin is list:
        inner = type_words(args[0])
        return "citation or list of citations" if inner == "citation" else f"list of {inner}"
    if origin is dict:
        return f"mapping of names to {type_words(args[1])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    return None


def _plain_words(annotation: Any) -> str:
    """A class: a model links to its table; text, numbers and the like by name."""
    if annotation is S.Text:
        return "[text](#text)"
    if annotation is S.Citation:
        return "citation"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{anchor(annotation)})"
    words: dict[Any, str] = {str: "text", int: "integer", bool: "true/false", Decimal: "number",
                             typing.Any: "any value"}
    return words.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return ""
    value = field.default
    if value is None or value is False:
        return ""
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _documented_bases(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The documented models a model extends (every rule's keys, for a kind of rule)."""
    return [base for base in model.__bases__ if issubclass(base, BaseModel) and base in SECTION_NAMES]


def model_table(model: type[BaseModel]) -> list[str]:
    """The keys of a model; those of a documented model it extends are shown with that one."""
    inherited = {name for base in _documented_bases(model) for name in base.model_fields}
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name in inherited:
            continue
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {type_words(field.annotation, field.metadata)} | {_default(field)} | "
                     f"{description} |")
    return lines


def reachable(root: type[BaseModel]) -> list[type[BaseModel]]:
    """The models reachable from root, in the order a reader meets them."""
    seen: list[type[BaseModel]] = []
    todo = [root]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        todo.extend(_documented_bases(model))
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return seen


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def models_reference(root: type[BaseModel]) -> str:
    lines: list[str] = []
    order = list(SECTION_NAMES)
    for model in sorted(reachable(root), key=lambda m: order.index(m) if m in order else len(order)):
        if model is S.Text:
            continue
        where = SECTION_NAMES.get(model, model.__name__)
        lines += [f"### {model.__name__}", "", f"`{where}` — {' '.join((model.__doc__ or '').split())}", ""]
        lines += [f"Every key of [{base.__name__}](#{anchor(base)}), and:\n" for base in _documented_bases(model)]
        lines += model_table(model)
        lines.append("")
    return "\n".join(lines)


def pack_keys() -> str:
    text = models_reference(S.PackFile)
    text += "\n### Text\n\n" + (S.Text.__doc__ or "").strip() + " Written `{zh: 中文, en: English}` or as one " \
        "plain string.\n\n" + "\n".join(model_table(S.Text)) + "\n"
    return text


def case_keys() -> str:
    return models_reference(S.CaseFile)


def profile_keys() -> str:
    return models_reference(ProfileMeta)


def function_reference() -> str:
    from engine.expr.functions import REGISTRY

    lines = []
    for name in sorted(REGISTRY):
        function = REGISTRY[name]
        lines += [f"### `{name}`", "", f"`{name}{function.signature}` — {function.summary}."]
        notes = []
        if function.iterates:
            notes.append("its second argument is evaluated for each element and reads the element's fields by "
                         "name (`it` for lists of plain values)")
        if function.guard:
            notes.append("an absent input inside it does not make the rule *missing data*")
        if notes:
            lines.append("")
            lines.append("Note: " + "; ".join(notes) + ".")
        lines.append("")
    return "\n".join(lines)
