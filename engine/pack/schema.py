"""Pydantic models of the files of a rule pack (format version 1).

These models check structure only: keys, types, required fields, the
closed vocabularies (kinds, severities, input types). Meaning — names that
resolve, expressions that type-check, dimensions that exist — is checked in
`pack.build`. Unknown keys are rejected everywhere (`extra="forbid"`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from typing_extensions import Annotated

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
NAME_PATTERN = r"^[A-Za-z\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*(\.[A-Za-z\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*)*$"
NAME_RE = re.compile(NAME_PATTERN)
RESERVED_ROOTS = {"params", "period", "rule", "profile", "it"}

Number = Decimal
_SHARE_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[%％]\s*$")


def _share(value: Any) -> Any:
    """A share written as 0.6 or as 60%."""
    if isinstance(value, str):
        match = _SHARE_TEXT.match(value)
        if match:
            return Decimal(match.group(1)) / 100
    return value


Share = Annotated[Decimal, BeforeValidator(_share)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, arbitrary_types_allowed=True)


class Text(Model):
    """A text in Chinese and English; a plain string is used for both."""

    zh: str = Field(min_length=1)
    en: Optional[str] = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"zh": value, "en": value}
        return value

    def get(self, lang: str) -> str:
        if lang == "en":
            return self.en or self.zh
        return self.zh


def _expression_text(value: Any) -> Any:
    """YAML may read `true` or `3` as a boolean or number; expressions are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


Expression = str


class Source(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    file: Optional[str] = None
    date: Optional[str] = None
    url: Optional[str] = None
    publisher: Optional[Text] = None
    note: Optional[Text] = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        return str(value) if value is not None and not isinstance(value, str) else value


class PackMeta(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    version: str = Field(min_length=1)
    title: Text
    subject: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    edition: str = Field(min_length=1)
    format: Literal[1] = 1
    description: Optional[Text] = None
    defaults_note: Optional[Text] = None
    sources: list[Source] = Field(default_factory=list)

    @field_validator("version", "edition", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


InputTypeName = Literal["integer", "number", "percent", "ratio", "boolean", "string", "date", "enum", "list", "object"]


class InputDecl(Model):
    """A value a profile may give: a scalar, a list of scalars or a list of objects."""

    type: InputTypeName
    title: Optional[Text] = None
    description: Optional[Text] = None
    unit: Optional[Text] = None
    min: Optional[Number] = None
    max: Optional[Number] = None
    values: Optional[list[str]] = None
    items: Optional["InputDecl"] = None
    fields: Optional[dict[str, "InputDecl"]] = None
    label: Optional[str] = None
    required: bool = False
    max_items: Optional[int] = Field(default=None, ge=1, le=100_000)
    example: Any = None

    @model_validator(mode="after")
    def _shape(self) -> "InputDecl":
        kind = self.type
        if kind == "enum" and not self.values:
            raise ValueError("an enum input needs 'values'")
        if kind != "enum" and self.values is not None:
            raise ValueError("'values' belongs to enum inputs")
        if kind == "list" and self.items is None:
            raise ValueError("a list input needs 'items' (the type of its elements)")
        if kind != "list" and (self.items is not None or self.label is not None or self.max_items is not None):
            raise ValueError("'items', 'label' and 'max_items' belong to list inputs")
        if kind == "object" and not self.fields:
            raise ValueError("an object needs 'fields'")
        if kind != "object" and self.fields is not None:
            raise ValueError("'fields' belongs to objects (the items of a list)")
        if (self.min is not None or self.max is not None) and kind not in ("integer", "number", "percent", "ratio"):
            raise ValueError("'min'/'max' apply to numbers")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        if self.items is not None and self.items.type == "list":
            raise ValueError("lists of lists are not supported; use a list of objects")
        return self


class ParamDecl(Model):
    type: Literal["integer", "number", "percent", "ratio", "boolean", "string", "date", "enum", "list"]
    default: Any = None
    title: Text
    description: Optional[Text] = None
    unit: Optional[Text] = None
    min: Optional[Number] = None
    max: Optional[Number] = None
    values: Optional[list[str]] = None
    items: Optional[InputDecl] = None
    cite: Optional[list["Citation"]] = None
    alternatives: Optional[list["ParamAlternative"]] = None

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class ParamAlternative(Model):
    """Another documented value for a parameter (e.g. where sources conflict)."""

    value: Any
    title: Text
    cite: Optional[list["Citation"]] = None

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class DerivedDecl(Model):
    expr: Expression
    title: Optional[Text] = None
    description: Optional[Text] = None
    format: Optional[Literal["number", "integer", "percent"]] = None
    unit: Optional[Text] = None

    _expr_text = field_validator("expr", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Dimension(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    weight: Number = Field(gt=0)
    description: Optional[Text] = None


class GradeRequires(Model):
    no_veto: bool = False
    min_dimension_share: Optional[Share] = Field(default=None, ge=0, le=1)


class Grade(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    at_least: Optional[Number] = None
    above: Optional[Number] = None
    below: Optional[Number] = None
    at_most: Optional[Number] = None
    requires: GradeRequires = Field(default_factory=GradeRequires)
    description: Optional[Text] = None
    top: bool = False  # informational; the first grade is the top grade

    @model_validator(mode="after")
    def _bounds(self) -> "Grade":
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either 'at_least' (inclusive) or 'above' (exclusive), not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("give either 'below' (exclusive) or 'at_most' (inclusive), not both")
        return self


class Scoring(Model):
    not_applicable: Literal["exclude", "zero", "full"] = "exclude"
    bonus_cap: Optional[Number] = Field(default=None, ge=0)
    penalty_cap: Optional[Number] = Field(default=None, ge=0)
    grades: list[Grade] = Field(min_length=1)
    rounding: int = Field(default=2, ge=0, le=4)


class Citation(Model):
    source: str
    quote: str = Field(min_length=1)
    note: Optional[Text] = None


class Tier(Model):
    when: Expression
    points: Optional[Number] = Field(default=None, ge=0)
    credit: Optional[Share] = Field(default=None, ge=0, le=1)
    label: Optional[Text] = None

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))

    @model_validator(mode="after")
    def _one_amount(self) -> "Tier":
        if (self.points is None) == (self.credit is None):
            raise ValueError("a tier gives either 'points' or 'credit' (a share of the rule's points)")
        return self


class PerOccurrence(Model):
    """Points per occurrence, with a cap; `per` and `cap` may be numbers or expressions (e.g. a parameter)."""

    count: Optional[Expression] = None
    per: Union[Number, Expression]
    cap: Optional[Union[Number, Expression]] = None

    _count_text = field_validator("count", mode="before")(classmethod(lambda cls, v: _expression_text(v)))

    @field_validator("per", "cap")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if isinstance(value, Decimal) and value <= 0:
            raise ValueError("must be greater than 0")
        return value


class Band(Model):
    id: str = Field(pattern=ID_PATTERN)
    label: Text
    when: Expression
    consequences: Optional[Text] = None

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Note(Model):
    when: Expression
    text: Text

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Rule(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    kind: Literal["item", "bonus", "penalty", "veto"] = "item"
    dimension: Optional[str] = None
    points: Optional[Number] = Field(default=None, gt=0)
    description: Optional[Text] = None
    method: Optional[Text] = None
    applies_when: Optional[Expression] = None
    for_each: Optional[str] = None
    where: Optional[Expression] = None
    require: Optional[Expression] = None
    partial: Optional[Expression] = None
    tiers: Optional[list[Tier]] = Field(default=None, min_length=1)
    deduct: Optional[PerOccurrence] = None
    award: Optional[PerOccurrence] = None
    trigger: Optional[Expression] = None
    severity: Optional[Literal["fail", "no_award"]] = None
    roll_up: Optional[Literal["all", "share", "any"]] = None
    min_share: Optional[Share] = Field(default=None, gt=0, le=1)
    bands: Optional[list[Band]] = Field(default=None, min_length=1)
    notes: Optional[list[Note]] = None
    evidence: Optional[list[Text]] = None
    recommend: Optional[Text] = None
    cite: list[Citation] = Field(default_factory=list)

    @field_validator("applies_when", "where", "require", "partial", "trigger", mode="before")
    @classmethod
    def _expr_text(cls, value: Any) -> Any:
        return _expression_text(value)

    @field_validator("cite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class PackFile(Model):
    """Any YAML file of a pack. pack.yaml holds the manifest sections."""

    pack: Optional[PackMeta] = None
    parameters: Optional[dict[str, ParamDecl]] = None
    dimensions: Optional[list[Dimension]] = None
    scoring: Optional[Scoring] = None
    inputs: Optional[dict[str, InputDecl]] = None
    derived: Optional[dict[str, DerivedDecl]] = None
    dimension: Optional[str] = None  # default dimension for the rules of this file
    rules: Optional[list[Rule]] = None


class CaseExpectation(Model):
    outcome: Optional[Literal["met", "partly_met", "not_met", "not_applicable", "missing_data", "not_assessed"]] = None
    points: Optional[Number] = None
    vetoed: Optional[bool] = None
    subjects: Optional[dict[str, str]] = None  # element label -> outcome


class Case(Model):
    name: str = Field(min_length=1)
    description: Optional[str] = None
    profile: Optional[dict[str, Any]] = None
    profile_file: Optional[str] = None
    params: dict[str, Any] = Field(default_factory=dict)
    expect: dict[str, Union[CaseExpectation, str]] = Field(default_factory=dict)
    total: Optional[Number] = None
    grade: Optional[str] = None
    vetoes: Optional[list[str]] = None

    @model_validator(mode="after")
    def _one_profile(self) -> "Case":
        if (self.profile is None) == (self.profile_file is None):
            raise ValueError("a case gives either 'profile' (inline) or 'profile_file'")
        return self


class CaseFile(Model):
    cases: list[Case] = Field(min_length=1)


ParamDecl.model_rebuild()
InputDecl.model_rebuild()
ParamAlternative.model_rebuild()
