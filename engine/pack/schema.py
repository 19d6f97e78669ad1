"""Pydantic models of the files of a rule pack (format versions 1 and 2).

These models check structure only: keys, types, required fields, the
closed vocabularies (kinds, severities, input types). Meaning — names that
resolve, expressions that type-check, dimensions that exist — is checked in
`pack.build`. Unknown keys are rejected everywhere (`extra="forbid"`).

A rule is one of several kinds, told apart by `kind:` (`AnyRule`): each kind
is a model that lists the keys it allows, beside those every `Rule` has, and
says which of them must go together (`shape_problems`, reported by the
builder at the keys concerned). A new kind of rule is a new model in `AnyRule`.

Keys that only format 2 packs may use are listed in their model's `format_2_keys` (a whole kind of rule:
its `kind`); `pack.formats` reports them, at the key, in a format 1 pack.

Every field carries a `description`: the pack-key reference
(docs/reference.md) and the JSON Schemas editors use (`assess schema pack`)
are generated from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PACK_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
NAME_PATTERN = r"^[A-Za-z\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*(\.[A-Za-z\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*)*$"
NAME_RE = re.compile(NAME_PATTERN)
RESERVED_ROOTS = {"params", "period", "rule", "profile", "it"}

Number = Decimal
_SHARE_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[%％]\s*$")


class Kind:
    """A name for a value kind in the generated reference (`expression`, `share`); pydantic ignores it."""

    def __init__(self, name: str):
        self.name = name


def _share(value: Any) -> Any:
    """A share written as 0.6 or as 60%."""
    if isinstance(value, str):
        match = _SHARE_TEXT.match(value)
        if match:
            return Decimal(match.group(1)) / 100
    return value


Share = Annotated[Decimal, BeforeValidator(_share),
                  WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                                            {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[%％]\s*$"}]}),
                  Kind("share")]
# YAML reads `true` or `3` as a boolean or a number; the models turn them back into expression text.
Expression = Annotated[str, WithJsonSchema({"type": ["string", "number", "boolean"]}), Kind("expression")]


def _one_or_many(schema: dict[str, Any]) -> None:
    """JSON Schema of a list that may also be written as its single element."""
    branches = schema.get("anyOf") or [dict(schema)]
    array = next(branch for branch in branches if branch.get("type") == "array")
    single = array["items"]
    if "anyOf" in schema:
        branches.insert(0, single)
    else:
        keep: dict[str, Any] = {key: schema[key] for key in ("title", "description", "default") if key in schema}
        schema.clear()
        schema.update(keep)
        schema["anyOf"] = [single, {"type": "array", "items": single}]


def _text_or_plain(schema: dict[str, Any]) -> None:
    """JSON Schema of Text: a plain string, or {zh, en}."""
    mapping = dict(schema)
    description = mapping.pop("description", None)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "minLength": 1}, mapping]
    if description:
        schema["description"] = description


def _cite_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, arbitrary_types_allowed=True, defer_build=True)

    # The keys of this model that need `format: 2` (a format 1 pack loads with the meaning it always had).
    format_2_keys: ClassVar[frozenset[str]] = frozenset()

    def format_2_values(self) -> frozenset[str]:
        """Keys that need format 2 in the form their value is written (a model says which)."""
        return frozenset()


class Text(Model):
    """A text in Chinese and English; a plain string is used for both."""

    model_config = ConfigDict(json_schema_extra=_text_or_plain)

    zh: str = Field(min_length=1, description="Chinese text.")
    en: str | None = Field(default=None, description="English text (the Chinese is used when absent).")

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


class Source(Model):
    """A document the rules cite (依据)."""

    id: str = Field(pattern=ID_PATTERN, description="Identifier that citations use (`cite: {source: ID}`).")
    title: Text = Field(description="Title of the document.")
    file: str | None = Field(default=None, description="File name of the document's text. Looked up in the pack, "
                                "its `sources/` folder and the folders of ASSESS_SOURCE_PATH; when found, "
                                "`assess pack check` verifies every quote against it.")
    date: str | None = Field(default=None, description="Date or year of the document.")
    url: str | None = Field(default=None, description="Where the document is published.")
    publisher: Text | None = Field(default=None, description="Who issued it (e.g. 中共XX区委组织部).")
    note: Text | None = Field(default=None, description="Remarks on the document (condition of the text, era).")

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        return str(value) if value is not None and not isinstance(value, str) else value


class PackMeta(Model):
    """The `pack:` section of pack.yaml: what the pack is."""

    id: str = Field(pattern=PACK_ID_PATTERN, description="Lower-case identifier, used in reports, in "
                    "`--set PACK:NAME=…` and by overlays that extend this pack.")
    version: str = Field(min_length=1, description="The pack's own version.")
    title: Text = Field(description="Title of the pack (the score sheet's name).")
    subject: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$", description="What kind of profile it assesses "
                         "(`community`, `co-building-unit`); a profile's `profile.subject` selects the shipped "
                         "packs that apply.")
    edition: Text = Field(description="The edition or year of the standard the pack encodes (text, or zh/en).")
    format: Literal[1, 2] = Field(default=1, description="Version of the pack format: 1 (the default), or 2 for "
                                  "the keys marked *(format 2)*.")
    extends: str | None = Field(default=None, description="Makes this pack an overlay of another: a path "
                                   "(relative to this pack) or the id of a shipped pack. The overlay keeps "
                                   "everything of its base and adds or changes what its own files say.")
    description: Text | None = Field(default=None, description="What the pack assesses, for readers of reports "
                                        "and score sheets.")
    defaults_note: Text | None = Field(default=None, description="Printed on every report: say which values are "
                                          "engine defaults rather than taken from the sources.")
    sources: list[Source] = Field(default_factory=list, description="The documents the rules cite. An overlay adds "
                                  "its sources to its base's.")

    @field_validator("version", "edition", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:  # `edition: 2024` means the text "2024"
        return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


InputTypeName = Literal["integer", "number", "percent", "ratio", "boolean", "string", "date", "enum", "list", "object"]


class InputDecl(Model):
    """A value a profile may give: a scalar, a list of scalars or a list of objects."""

    type: InputTypeName = Field(description="integer, number, percent (98 or 98% → 0.98), ratio (0..1), boolean, "
                                "string, date (YYYY-MM-DD), enum (with `values`), list (with `items`); object only "
                                "as the items of a list.")
    title: Text | None = Field(default=None, description="What the value is, as the profile's author reads it.")
    description: Text | None = Field(default=None, description="Longer explanation (how to count, what qualifies).")
    unit: Text | None = Field(default=None, description="Unit of a number (名, 户, 万元); a profile writes the "
                                 "number alone.")
    min: Number | None = Field(default=None, description="Smallest allowed value (numbers; percents in percent).")
    max: Number | None = Field(default=None, description="Largest allowed value (numbers; percents in percent).")
    values: list[str] | None = Field(default=None, description="The allowed values of an enum.")
    items: InputDecl | None = Field(default=None, description="The type of the elements of a list.")
    fields: dict[str, InputDecl] | None = Field(default=None, description="The fields of an object (the items "
                                                     "of a list of objects); dotted names are nested mappings.")
    label: str | None = Field(default=None, description="The field that names an element of a list of objects "
                                 "in reports (e.g. `name`).")
    required: bool = Field(default=False, description="A field every element of a list of objects must give.")
    max_items: int | None = Field(default=None, ge=1, le=100_000, description="Most elements a list may have "
                                     "(default 10,000).")
    example: Any = Field(default=None, description="An example value, shown in profile templates.")

    @model_validator(mode="after")
    def _shape(self) -> InputDecl:
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


RELATION_FORMS: dict[str, tuple[str, str]] = {
    "part": ("part", "whole"),  # part ≤ whole
    "range": ("start", "end"),  # start ≤ end
    "sum": ("parts", "total"),  # parts add up to total
}


class Relation(Model):
    """A relation every real profile keeps: `{part, whole}`, `{start, end}` or `{parts, total}`."""

    part: str | None = Field(default=None, description="An input that never exceeds `whole` (其中: of them, "
                             "e.g. `mediation.resolved` of `mediation.cases`).")
    whole: str | None = Field(default=None, description="The input `part` is a part of.")
    start: str | None = Field(default=None, description="An input that is never after `end` (dates or numbers "
                              "of one kind: a range written in order).")
    end: str | None = Field(default=None, description="The input that ends the range `start` begins.")
    parts: list[str] | None = Field(default=None, min_length=2, description="Inputs that add up to `total`.")
    total: str | None = Field(default=None, description="The input `parts` add up to.")

    @model_validator(mode="after")
    def _one_form(self) -> Relation:
        given = [form for form, keys in RELATION_FORMS.items() if any(getattr(self, k) is not None for k in keys)]
        complete = len(given) == 1 and all(getattr(self, k) is not None for k in RELATION_FORMS[given[0]])
        if not complete:
            raise ValueError("a relation is {part, whole} (a part never exceeds its whole), {start, end} (a range "
                             "in order) or {parts, total} (parts that add up to a total)")
        return self

    @property
    def form(self) -> str:
        """`part`, `range` or `sum` (the model's check makes exactly one form complete)."""
        return next(form for form, (first, _) in RELATION_FORMS.items() if getattr(self, first) is not None)

    def paths(self) -> list[tuple[str, str]]:
        """(key, input path) of every input the relation names, in the order of its form."""
        first, second = RELATION_FORMS[self.form]
        left = getattr(self, first)
        named = [(first, path) for path in left] if isinstance(left, list) else [(first, left)]
        return named + [(second, getattr(self, second))]


class Citation(Model):
    """Where a rule or parameter comes from: a source and its exact words."""

    source: str = Field(description="The id of a source declared under `pack.sources`.")
    quote: str = Field(min_length=1, description="The exact words of the source the rule rests on; ` … ` separates "
                       "fragments that follow each other. Checked against the source file when it is available.")
    note: Text | None = Field(default=None, description="How the quote is read (an interpretation, a "
                                 "mis-conversion in the text).")


Citations = Annotated[list[Citation], BeforeValidator(_cite_list)]


class ParamAlternative(Model):
    """Another documented value for a parameter (e.g. where sources conflict)."""

    value: Any = Field(description="The other value.")
    title: Text = Field(description="What it means.")
    cite: Citations | None = Field(default=None, json_schema_extra=_one_or_many,
                                      description="Where that value is documented (one citation or a list).")


class ParamBand(Model):
    """*(format 2)* One band of a parameter that depends on a number of the profile (a size band)."""

    at_least: Number | None = Field(default=None, description="The band starts at this number (inclusive).")
    above: Number | None = Field(default=None, description="The band starts above this number.")
    below: Number | None = Field(default=None, description="The band ends below this number.")
    at_most: Number | None = Field(default=None, description="The band ends at this number (inclusive).")
    value: Any = Field(description="The parameter's value in this band; null: the sources give none (the rules "
                       "that read it are not assessed for a profile in this band).")
    label: Text | None = Field(default=None, description="How reports name the band (default: its bounds, "
                               "`1000—3000`).")

    @model_validator(mode="after")
    def _bounds(self) -> ParamBand:
        if self.at_least is not None and self.above is not None:
            raise ValueError("a band starts 'at_least' or 'above', not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("a band ends 'below' or 'at_most', not both")
        return self

    @property
    def low(self) -> Decimal | None:
        return self.at_least if self.at_least is not None else self.above

    @property
    def high(self) -> Decimal | None:
        return self.below if self.below is not None else self.at_most


class ParamDecl(Model):
    """A value a district sets: a threshold, a list of required items, a deduction rate."""

    type: Literal["integer", "number", "percent", "ratio", "boolean", "string", "date", "enum", "list"] = Field(
        description="The value's type, as for inputs.")
    default: Any = Field(default=None, description="The value used unless a run (`--set`) or an overlay sets "
                         "another. null: the source gives none, and every rule that reads it is *not assessed*.")
    title: Text = Field(description="What the parameter is.")
    description: Text | None = Field(default=None, description="Why it has this default; what else it could be.")
    unit: Text | None = Field(default=None, description="Unit of a number.")
    min: Number | None = Field(default=None, description="Smallest allowed value.")
    max: Number | None = Field(default=None, description="Largest allowed value.")
    values: list[str] | None = Field(default=None, description="The allowed values of an enum.")
    items: InputDecl | None = Field(default=None, description="The type of the elements of a list.")
    cite: Citations | None = Field(default=None, json_schema_extra=_one_or_many,
                                      description="Where the default comes from (one citation or a list).")
    alternatives: list[ParamAlternative] | None = Field(default=None, description="Other documented values.")
    by: str | None = Field(default=None, description="*(format 2)* The input of the profile the value depends on "
                           "(`community.type`, `households`): the value is the row of `rows` or the band of `bands` "
                           "that the profile's value falls in, `default` when none does.")
    rows: dict[str, Any] | None = Field(default=None, description="*(format 2)* With `by` naming an enum or text "
                                        "input: the value for each of its values (`{城市型: 90, 农村型: 80}`); "
                                        "null where the sources give none.")
    bands: list[ParamBand] | None = Field(default=None, min_length=1, description="*(format 2)* With `by` naming "
                                          "a number: the value for each band, from the lowest (`{below: 1000, "
                                          "value: 2}`).")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"by", "rows", "bands"})

    @model_validator(mode="after")
    def _table(self) -> ParamDecl:
        tables = [key for key in ("rows", "bands") if getattr(self, key) is not None]
        if self.by is not None and len(tables) != 1:
            raise ValueError("a parameter that depends on the profile (`by`) has `rows` or `bands`")
        if self.by is None and tables:
            raise ValueError(f"'{tables[0]}' needs 'by': the input of the profile the value depends on")
        return self

    @property
    def is_table(self) -> bool:
        """Whether the value depends on the profile (format 2 `by`)."""
        return self.by is not None


class DerivedDecl(Model):
    """A named value computed from the profile before rules are matched."""

    expr: Expression = Field(description="The expression; under a list of objects (`staff.composite`) it is "
                             "computed for each element and reads the element's fields by name.")
    title: Text | None = Field(default=None, description="What the value is (shown in reports and tables).")
    description: Text | None = Field(default=None, description="Longer explanation.")
    format: Literal["number", "integer", "percent"] | None = Field(default=None, description="How reports show it.")
    unit: Text | None = Field(default=None, description="Unit of the value.")

    _expr_text = field_validator("expr", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Include(Model):
    """A block owned by another authority: the rules of another pack's dimension, scored in this dimension."""

    pack: str = Field(min_length=1, description="The pack whose dimension this is: a path relative to this pack "
                      "(`../party-sheet`) or a shipped pack's id.")
    dimension: str | None = Field(default=None, pattern=ID_PATTERN, description="The id of its dimension whose "
                                  "rules this dimension scores, scaled to this dimension's weight; without it, "
                                  "each of its dimensions, scaled to its share of the weight (`P.D1`, `P.D2`).")


class Dimension(Model):
    """A dimension of the score sheet (一级指标) and its weight."""

    id: str = Field(pattern=ID_PATTERN, description="Identifier that rules name in `dimension:`.")
    title: Text = Field(description="Title of the dimension.")
    weight: Number = Field(gt=0, description="Its share of the total (分值). A dimension's score is "
                           "weight × earned / available points of its rules.")
    description: Text | None = Field(default=None, description="What the dimension covers.")
    include: Include | None = Field(default=None, description="*(format 2)* Another pack's dimension scored "
                                    "here, scaled to `weight`: its items, deductions and checks (ids prefixed "
                                    "with its pack id), its parameters, inputs and derived values, and its "
                                    "vetoes.")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"include"})
    # An included dimension's deductions and items' own bonus are in its own pack's points: this dimension's
    # weight over the included one's turns them into points of this pack (1 for a dimension of its own).
    _points_scale: Decimal = PrivateAttr(default=Decimal(1))

    @property
    def points_scale(self) -> Decimal:
        """Points of this pack per point of the rules scored here (an included dimension's weight ratio)."""
        return self._points_scale


BoundedShare = Annotated[Share, Field(ge=0, le=1)]


class PreviousGrades(Model):
    """A grade held before: this grade or a higher one in each of the last `periods` periods (years)."""

    grade: str = Field(pattern=ID_PATTERN, description="The grade (id) needed in each of those periods; a higher "
                       "one counts too.")
    periods: int = Field(ge=1, le=20, description="How many periods before this one (years: the profile's "
                         "`history` says each year's grade).")


class GradeRequires(Model):
    """Conditions a grade needs beyond its bounds."""

    no_veto: bool = Field(default=False, description="No veto may apply.")
    min_dimension_share: Share | dict[str, BoundedShare] | None = Field(
        default=None, description="Every dimension must reach this share of its weight (0.6 or 60%); or, "
        "*(format 2)*, the named dimensions each their own share (`{D1: 80%, D3: 60%}`).")
    met: list[str] | None = Field(default=None, min_length=1, description="*(format 2)* Rules that must be met "
                                  "(ids): checks worth no points, or items. A rule missing data is not met.")
    previous: PreviousGrades | None = Field(default=None, description="*(format 2)* A grade held in each of the "
                                            "last N periods, from the profile's `history` (missing history: the "
                                            "grade cannot be decided and is withheld).")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"met", "previous"})

    @field_validator("min_dimension_share")
    @classmethod
    def _share_bounds(cls, value: Any) -> Any:
        if isinstance(value, Decimal) and not 0 <= value <= 1:
            raise ValueError("a share is between 0 and 1 (0.6 or 60%)")
        return value

    def format_2_values(self) -> frozenset[str]:
        """Keys whose value, in the form written, needs format 2: a share per named dimension."""
        return frozenset({"min_dimension_share"}) if isinstance(self.min_dimension_share, dict) else frozenset()

    def dimension_shares(self, dimension_ids: list[str]) -> dict[str, Decimal]:
        """The share each dimension must reach, by id: every one (one share for all) or those named."""
        share = self.min_dimension_share
        if share is None:
            return {}
        if isinstance(share, dict):
            return dict(share)
        return {dimension_id: share for dimension_id in dimension_ids}


class Grade(Model):
    """A grade (等次) with explicit bounds on the total."""

    id: str = Field(pattern=ID_PATTERN, description="Identifier (`excellent`), used in test cases.")
    title: Text = Field(description="Name of the grade (优秀).")
    at_least: Number | None = Field(default=None, description="Inclusive lower bound (以上, 含).")
    above: Number | None = Field(default=None, description="Exclusive lower bound (超过).")
    below: Number | None = Field(default=None, description="Exclusive upper bound (不满); must equal the next "
                                    "higher grade's `at_least`.")
    at_most: Number | None = Field(default=None, description="Inclusive upper bound; must equal the next higher "
                                      "grade's `above`.")
    requires: GradeRequires = Field(default_factory=GradeRequires, description="Conditions beyond the total.")
    description: Text | None = Field(default=None, description="The grade as the score sheet words it.")
    top: bool = Field(default=False, description="Informational; the first grade is the top grade.")

    @model_validator(mode="after")
    def _bounds(self) -> Grade:
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either 'at_least' (inclusive) or 'above' (exclusive), not both")
        if self.below is not None and self.at_most is not None:
            raise ValueError("give either 'below' (exclusive) or 'at_most' (inclusive), not both")
        return self


_QUOTA_LIMIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]\s*$")


_QUOTA_PARAM = re.compile(r"^\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _quota_limit(value: Any) -> Any:
    """'20%' (a share of the base), a whole number of elements written with the digits 0-9, or a parameter
    (`params.NAME`: a percent or an integer a district sets, null when the source gives none)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _QUOTA_PARAM.match(value):
        return value.strip()
    match = _QUOTA_LIMIT.match(value) if isinstance(value, str) else None
    if match is None or Decimal(match.group(1)) > 100:
        raise ValueError("a quota is a percentage from 0% to 100% ('20%'), a whole number of elements (2) or a "
                         "parameter (params.NAME)")
    return match.group(1) + "%"


def quota_parameter(limit: str | int) -> str | None:
    """The parameter a quota's limit names (`params.excellent_share` → 'excellent_share'), if it names one."""
    match = _QUOTA_PARAM.match(limit) if isinstance(limit, str) else None
    return match.group(1) if match else None


QuotaLimit = Annotated[str | int, BeforeValidator(_quota_limit),
                       WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0},
                                                 {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[%％]\s*$"},
                                                 {"type": "string",
                                                  "pattern": r"^\s*params\.[A-Za-z_][A-Za-z0-9_]*\s*$"}]}),
                       Kind("limit")]


class BandQuota(Model):
    """A quota on a band of a per-element table (优秀 at most 20 % of the staff), never on points."""

    # Applied after the rule has classified each element (engine/evaluation/band_quotas.py): the elements it
    # moves go down into another band, and the table says why; bands and their consequences change, points not.

    rule: str = Field(description="The for_each rule whose `bands` it applies to; the bands are read best first, "
                      "as the rule lists them.")
    band: str = Field(description="The band (its id).")
    at_most: QuotaLimit | None = Field(default=None, description="At most this share of the base ('20%'), "
                                          "number of elements, or parameter (`params.NAME`, a percent or an "
                                          "integer; null: the quota is not applied) in the band; those beyond, "
                                          "lowest ranked first, move down to the next band. A tie at the "
                                          "boundary moves whole.")
    at_least: QuotaLimit | None = Field(default=None, description="At least this share, number or parameter "
                                           "in the band or a band after it; when fewer, the lowest ranked of the "
                                           "bands above move into it. A tie at the boundary moves whole.")
    order_by: str = Field(description="A number of each element that ranks them, the higher first: a field of "
                          "the list's elements or a per-element derived value (`composite`). An element without "
                          "it ranks last.")
    base: str = Field(default="all", description="What the share is of: `all` (the elements the rule assesses), "
                      "`passed` (those that meet its `require`) or a band id (those in that band or a better "
                      "one) — counted before any quota moves an element.")
    round: Literal["floor", "ceil", "half_up"] = Field(default="floor", description="How a share becomes a "
                                                       "number of elements: down (floor, the default), up (ceil) "
                                                       "or half up (四舍五入).")
    per: str | None = Field(default=None, description="A field of each element (a grid, a department): the "
                            "quota is counted and applied in each group of elements with the same value. An "
                            "element without a value is in no group, and the quota leaves it as it is.")

    @model_validator(mode="after")
    def _one_limit(self) -> BandQuota:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("a quota gives either 'at_most' or 'at_least'")
        limit = self.at_most if self.at_most is not None else self.at_least
        if "round" in self.model_fields_set and isinstance(limit, int):
            raise ValueError("'round' applies to a percentage, and the limit is a number of elements")
        return self


class GradeQuota(Model):
    """A quota on a grade over the profiles a batch ranks (优秀社区不超过参评社区的20%), applied by `assess DIR`."""

    grade: str = Field(description="The grade (its id), not the lowest: the profiles beyond the quota, lowest "
                       "ranked first, move down to the next grade. A tie at the boundary moves whole.")
    at_most: QuotaLimit = Field(description="At most this share of the base ('20%'), number of profiles, or "
                                "parameter (`params.NAME`, a percent or an integer; null: the quota is not applied).")
    base: str = Field(default="all", description="What the share is of: `all` (every profile of the table), "
                      "`graded` (those given a grade), `passed` (those above the lowest grade) or a grade id "
                      "(those at that grade or better) — counted on the grades as assessed, before any quota.")
    round: Literal["floor", "ceil", "half_up"] = Field(default="floor", description="How a share becomes a "
                                                       "number of profiles: down (floor, the default), up (ceil) "
                                                       "or half up (四舍五入).")
    per: str | None = Field(default=None, description="An input the pack declares with one value "
                            "(`community.street`): the quota is counted and applied in each group of profiles "
                            "with the same value; a profile that leaves it empty is an error of the batch.")

    @model_validator(mode="after")
    def _rounding(self) -> GradeQuota:
        if "round" in self.model_fields_set and isinstance(self.at_most, int):
            raise ValueError("'round' applies to a percentage, and the limit is a number of profiles")
        return self


class Scoring(Model):
    """How points become a total and a grade."""

    not_applicable: Literal["exclude", "zero", "full"] = Field(default="exclude", description="How rules that do "
                                                               "not apply count: leave the denominator (exclude), "
                                                               "stay with 0 points (zero) or earn full points (full).")
    bonus_cap: Number | None = Field(default=None, ge=0, description="Cap of all bonus points (加分项); none "
                                        "when absent.")
    penalty_cap: Number | None = Field(default=None, ge=0, description="Cap of the deductions from the total.")
    grades: list[Grade] = Field(min_length=1, description="The grades, from the highest to the lowest.")
    rounding: int = Field(default=2, ge=0, le=4, description="Decimals of the total as shown and graded.")
    total: Number | None = Field(default=None, gt=0, description="The total the score sheet states (满分, "
                                    "default 100); `assess pack check` warns when the dimension weights add up "
                                    "to something else.")
    min_coverage: Share | None = Field(default=None, ge=0, le=1, description="Withhold the grade (暂不评定) "
                                          "when less than this share of the points could be assessed, e.g. 50%: "
                                          "a grade on mostly missing data says little. None: always grade.")
    grade_basis: Literal["total", "base"] = Field(default="total", description="*(format 2)* The score the "
                                                  "grades' bounds are compared with: the total, bonus points "
                                                  "included (total), or the score without any bonus (base).")

    quotas: list[BandQuota] | None = Field(default=None, description="*(format 2)* Quotas on the bands of "
                                              "per-person tables (the pack's own forced distribution), applied "
                                              "in the order listed. Quotas over the profiles of a batch are the "
                                              "run's: `assess DIR --quota`.")

    grade_quotas: list[GradeQuota] | None = Field(default=None, description="*(format 2)* Quotas on the "
                                                  "grades of the profiles a batch ranks (`assess DIR`), each in "
                                                  "the table of this pack; a run's `--quota` on the same grade "
                                                  "replaces them.")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"grade_basis", "quotas", "grade_quotas"})


NotApplicable = Literal["exclude", "zero", "full"]


class Tier(Model):
    """One level of a tiered rule: the first tier whose condition holds gives the points."""

    when: Expression = Field(description="The condition of the tier.")
    points: Number | None = Field(default=None, ge=0, description="Points of the tier.")
    credit: Share | None = Field(default=None, ge=0, le=1, description="Or: a share of the rule's points "
                                    "(50%).")
    label: Text | None = Field(default=None, description="How reports and score sheets name the tier (达到98%).")

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))

    @model_validator(mode="after")
    def _one_amount(self) -> Tier:
        if (self.points is None) == (self.credit is None):
            raise ValueError("a tier gives either 'points' or 'credit' (a share of the rule's points)")
        return self


class PerOccurrence(Model):
    """Points per occurrence, with a cap; `per` and `cap` may be numbers or expressions (e.g. a parameter)."""

    count: Expression | None = Field(default=None, description="The number of occurrences (an expression). "
                                        "Without it, a for_each rule counts its failing (deduct) or meeting "
                                        "(award) elements.")
    per: Number | Expression = Field(description="Points per occurrence.")
    cap: Number | Expression | None = Field(default=None, description="Most points in all; a deduction "
                                                     "defaults to the rule's points (扣完为止).")
    unit: Text | None = Field(default=None, description="What one occurrence is called in reports, e.g. "
                                 "{zh: 项, en: honour} or {zh: 起, en: case}; default 次/time.")

    _count_text = field_validator("count", mode="before")(classmethod(lambda cls, v: _expression_text(v)))

    @field_validator("per", "cap")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if isinstance(value, Decimal) and value <= 0:
            raise ValueError("must be greater than 0")
        return value


class Band(Model):
    """A classification of each element of a for_each rule (优秀/合格/不合格)."""

    id: str = Field(pattern=ID_PATTERN, description="Identifier, used in test cases as `band:ID`.")
    label: Text = Field(description="Name of the band.")
    when: Expression = Field(description="Condition on the element; the first band that holds applies.")
    consequences: Text | None = Field(default=None, description="What the band means for the element "
                                         "(评优优先, 不予留用); may hold {placeholders}.")

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Note(Model):
    """A remark shown with a finding when its condition holds."""

    when: Expression = Field(description="When the note applies.")
    text: Text = Field(description="The note; may hold {placeholders}.")

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


def _positive_amount(value: Any) -> Any:
    if isinstance(value, Decimal) and value <= 0:
        raise ValueError("must be greater than 0")
    return value


class Clause(Model):
    """One clause of an item's `deductions` or of its own `bonus`, with its own wording: a condition and the
    points it takes or adds (`when` with `points`), or a count of occurrences (`count` with `per`, `cap`)."""

    text: Text = Field(description="What the clause is about, as the score sheet words it (未建立台账; 获市级表彰).")
    when: Expression | None = Field(default=None, description="The condition under which the clause applies "
                                    "(with `points`).")
    points: Number | Expression | None = Field(default=None, description="Points the clause takes (a deduction) or "
                                                 "adds (a bonus) when `when` holds; a number or an expression.")
    count: Expression | None = Field(default=None, description="Or: the number of occurrences (with `per`).")
    per: Number | Expression | None = Field(default=None, description="Points per occurrence.")
    cap: Number | Expression | None = Field(default=None, description="Most points of the clause (with `count`).")
    unit: Text | None = Field(default=None, description="What one occurrence is called (项, 次, 起); default 次.")

    _texts = field_validator("when", "count", mode="before")(classmethod(lambda cls, v: _expression_text(v)))
    _amounts = field_validator("points", "per", "cap")(classmethod(lambda cls, v: _positive_amount(v)))

    @model_validator(mode="after")
    def _one_form(self) -> Clause:
        if (self.when is None) == (self.count is None):
            raise ValueError("a clause gives either 'when' (with 'points') or 'count' (with 'per')")
        if self.when is not None and (self.points is None or self.per is not None or self.cap is not None):
            raise ValueError("a clause with 'when' gives the 'points' it takes or adds (not 'per' or 'cap')")
        if self.count is not None and (self.per is None or self.points is not None):
            raise ValueError("a clause with 'count' gives 'per' (and may give 'cap'), not 'points'")
        return self

    @property
    def is_count(self) -> bool:
        return self.count is not None


class Level(Model):
    """One level of a check judged by a letter (A/B/C): the first level whose condition holds is the check's."""

    id: str = Field(pattern=ID_PATTERN, description="Identifier (A), used in reports.")
    label: Text | None = Field(default=None, description="How reports name it (优秀, A); default: its id.")
    when: Expression = Field(description="The condition of the level.")
    outcome: Literal["met", "partly_met", "not_met"] | None = Field(default=None, description="What the level "
                                                                        "counts as (for met() and grades); "
                                                                        "default: the first level met, the last "
                                                                        "not met, those between partly met.")

    _when_text = field_validator("when", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


BOUND_KEYS = ("at_least", "above", "at_most", "below")


class Measure(Model):
    """A value reported against its target (指标: a target value and no score)."""

    value: Expression = Field(description="The value (a number), e.g. `training_rate`.")
    at_least: Number | Expression | None = Field(default=None, description="The target: at least this (≥; write "
                                                    "percentages as 90%).")
    above: Number | Expression | None = Field(default=None, description="The target: more than this (>).")
    at_most: Number | Expression | None = Field(default=None, description="The target: at most this (≤).")
    below: Number | Expression | None = Field(default=None, description="The target: less than this (<).")
    format: Literal["number", "integer", "percent"] | None = Field(default=None, description="How reports show "
                                                                    "the value and the target.")
    unit: Text | None = Field(default=None, description="Unit of the value (名, 户).")

    _value_text = field_validator("value", mode="before")(classmethod(lambda cls, v: _expression_text(v)))

    @model_validator(mode="after")
    def _bounds(self) -> Measure:
        if all(getattr(self, key) is None for key in BOUND_KEYS):
            raise ValueError("a measure needs its target: at_least, above, at_most or below")
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either 'at_least' or 'above', not both")
        if self.at_most is not None and self.below is not None:
            raise ValueError("give either 'at_most' or 'below', not both")
        return self

    def bounds(self) -> list[tuple[str, Decimal | str]]:
        """(key, number or expression text) of each bound given, lower bounds first."""
        return [(key, getattr(self, key)) for key in BOUND_KEYS if getattr(self, key) is not None]


class ShapeProblem(NamedTuple):
    """Keys of a rule that do not go together, found when the pack is built (each is a located error)."""

    message: str
    at: tuple[str, ...] = ()  # the key (and sub-key) pointed at; () for the rule itself
    key: bool = False  # point at the key rather than at its value
    hint: str | None = None


# Keys several kinds of rule share, each written once.
Points = Annotated[Number | None, Field(gt=0, description="Points at stake (分值).")]
Require = Annotated[Expression | None, Field(description="Pass/fail condition (per element with for_each).")]
Tiers = Annotated[list[Tier] | None, Field(min_length=1, description="Levels; the first that holds gives its "
                                           "points.")]
Trigger = Annotated[Expression | None, Field(description="The condition that triggers it (per element with "
                                             "for_each).")]
RollUp = Annotated[Literal["all", "share", "any"] | None, Field(description="With for_each: all elements must "
                                                                "pass (default), points by the share that passes, "
                                                                "or any one suffices.")]
MinShare = Annotated[Share | None, Field(gt=0, le=1, description="With roll_up all/share: met when at least this "
                                         "share passes.")]
Amount = Number | Expression
FOR_EACH_KEYS = ("where", "roll_up", "min_share", "bands")  # keys that only mean something with for_each


class Rule(Model):
    """One item of the score sheet: what is checked, how it scores, where it comes from; its kind adds keys."""

    # Why a key of another kind does not belong to this one, when there is more to say than that it does not.
    key_notes: ClassVar[Mapping[str, str]] = {}

    id: str = Field(pattern=ID_PATTERN, description="Identifier (R2.1), unique in the pack.")
    title: Text = Field(description="The item as the score sheet names it (项目).")
    kind: str = Field(default="item", description="item (the default): points in a dimension; bonus: points in "
                      "the bonus pool; penalty: deduction; veto: grade override; check *(format 2)*: judged, no "
                      "points. Each kind has keys of its own.")
    description: Text | None = Field(default=None, description="The standard in full (标准及要求), for score "
                                        "sheets.")
    method: Text | None = Field(default=None, description="How it is scored, in words (评分办法); generated "
                                   "from the rule's shape when absent.")
    applies_when: Expression | None = Field(default=None, description="When false the rule is not applicable.")
    for_each: str | None = Field(default=None, description="A list of objects whose elements are checked one by "
                                    "one (each staff member).")
    where: Expression | None = Field(default=None, description="With for_each: the elements that qualify.")
    bands: list[Band] | None = Field(default=None, min_length=1, description="With for_each: a classification "
                                        "of each element.")
    notes: list[Note] | None = Field(default=None, description="Remarks shown when their condition holds.")
    evidence: list[Text] | None = Field(default=None, description="Supporting material to look at (佐证材料).")
    recommend: Text | None = Field(default=None, description="Recommendation when the rule is not met; "
                                      "{expression} placeholders show actual values.")
    cite: Citations = Field(default_factory=list, json_schema_extra=_one_or_many,
                            description="The source and exact words the rule rests on (依据); one or a list.")

    @field_validator("applies_when", "where", "require", "partial", "trigger", mode="before", check_fields=False)
    @classmethod
    def _expr_text(cls, value: Any) -> Any:
        return _expression_text(value)

    @classmethod
    def kind_name(cls) -> str:
        """The `kind:` of this kind of rule."""
        return str(get_args(cls.model_fields["kind"].annotation)[0])

    @classmethod
    def unknown_key_note(cls, key: str) -> tuple[str, str | None] | None:
        """What to say of `key` on this kind of rule when another kind has it: (message, hint); else None."""
        owners = [kind.kind_name() for kind in RULE_KINDS if key in kind.model_fields]
        if not owners:
            return None
        name = cls.kind_name()
        message = cls.key_notes.get(key, f"{'an' if name[0] in 'aeiou' else 'a'} {name} rule has no '{key}'")
        return message, f"'{key}' is a key of {_joined(owners)} rules"

    def shape_problems(self) -> list[ShapeProblem]:
        """Keys that are each allowed but do not go together; a kind adds its own checks to these."""
        return [ShapeProblem(f"'{key}' belongs to for_each rules", (key,), key=True)
                for key in FOR_EACH_KEYS if self.for_each is None and getattr(self, key, None) is not None]

    def _given(self, *keys: str) -> list[str]:
        return [key for key in keys if getattr(self, key) is not None]

    def _roll_up_problems(self) -> list[ShapeProblem]:
        roll_up, min_share = getattr(self, "roll_up", None), getattr(self, "min_share", None)
        if min_share is not None and roll_up not in (None, "all", "share"):
            return [ShapeProblem("'min_share' applies to roll_up all or share", ("min_share",))]
        return []


class ItemRule(Rule):
    """An item of a dimension (the default kind): points earned by `require`, `partial`, `tiers` or `deduct`."""

    kind: Literal["item"] = Field(default="item", description="item: points in a dimension.")
    dimension: str | None = Field(default=None, description="The dimension it scores in; defaults to the file's "
                                     "`dimension:`.")
    points: Points = None
    require: Require = None
    partial: Expression | None = Field(default=None, description="A share 0..1 of the points (partial credit).")
    tiers: Tiers = None
    deduct: PerOccurrence | None = Field(default=None, description="Deduction per occurrence from the points, "
                                            "capped, never below zero (扣分).")
    roll_up: RollUp = None
    min_share: MinShare = None
    not_applicable: NotApplicable | None = Field(default=None, description="*(format 2)* How the item counts when "
                                                 "it does not apply (or is waived): leaves its dimension's "
                                                 "denominator (exclude), 0 points (zero) or full points (full); "
                                                 "default: `scoring.not_applicable`.")
    deductions: list[Clause] | None = Field(default=None, min_length=1, description="*(format 2)* Deduction "
                                            "clauses, each with its own condition or count, points and wording "
                                            "(未建立台账的扣2分，台账未及时更新的扣1分): the item starts at its "
                                            "points and never goes below zero (扣完为止).")
    bonus: list[Clause] | None = Field(default=None, min_length=1, description="*(format 2)* The item's own bonus "
                                       "clauses: points above its standard, added to the total (not to the "
                                       "pack's bonus pool).")
    bonus_cap: Amount | None = Field(default=None, description="*(format 2)* Most bonus points of the item, all "
                                     "its bonus clauses together.")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"not_applicable", "deductions", "bonus", "bonus_cap"})
    _bonus_cap = field_validator("bonus_cap")(classmethod(lambda cls, v: _positive_amount(v)))

    def shape_problems(self) -> list[ShapeProblem]:
        problems = self._for_each_problems() if self.for_each is not None else self._one_way_problems()
        if self.bonus_cap is not None and self.bonus is None:
            problems.append(ShapeProblem("'bonus_cap' caps the item's own 'bonus' clauses", ("bonus_cap",),
                                         key=True))
        if self.dimension is None:
            problems.append(ShapeProblem("an item rule needs a 'dimension'", key=True,
                                         hint="or set 'dimension:' at the top of its file"))
        if self.points is None:
            problems.append(ShapeProblem("an item rule needs 'points'", key=True))
        if self.deduct is not None and self.deduct.count is None and self.for_each is None:
            problems.append(ShapeProblem("'deduct' needs 'count' (the number of occurrences)", ("deduct",)))
        return problems + super().shape_problems() + self._roll_up_problems()

    def _one_way_problems(self) -> list[ShapeProblem]:
        ways = self._given("require", "partial", "tiers", "deduct", "deductions")
        if len(ways) == 1:
            return []
        found = f" (found {', '.join(ways)})" if ways else ""
        named = "require, partial, tiers, deduct or deductions" if self.deductions is not None else \
            "require, partial, tiers or deduct"
        return [ShapeProblem(f"an item rule scores in exactly one way: {named}" + found, key=True)]

    def _for_each_problems(self) -> list[ShapeProblem]:
        problems = []
        if self.require is None:
            problems.append(ShapeProblem("a for_each item rule needs 'require' (checked for each element)",
                                         key=True, hint="add 'deduct: {per, cap}' to deduct per element that fails"))
        if self.partial is not None or self.tiers is not None:
            problems.append(ShapeProblem("for_each rules score with 'roll_up' (all, share, any) or 'deduct', not "
                                         "'partial'/'tiers'", key=True, hint="use 'bands' to classify each element"))
        if self.deduct is not None and self.deduct.count is not None:
            problems.append(ShapeProblem("in a for_each rule the deduction counts failing elements; remove 'count'",
                                         ("deduct", "count")))
        if self.deductions is not None:
            problems.append(ShapeProblem("deduction clauses are checked for the profile, not per element: a "
                                         "for_each item deducts with 'deduct: {per, cap}'", ("deductions",),
                                         key=True))
        return problems


class BonusRule(Rule):
    """A bonus (加分项): points in the pack's bonus pool, by `require` (with `points`), `tiers` or `award`."""

    key_notes: ClassVar[Mapping[str, str]] = {
        "dimension": "bonus points go to the pack's bonus pool, not a dimension"}

    kind: Literal["bonus"] = Field(description="bonus: points in the bonus pool.")
    points: Points = None
    require: Require = None
    tiers: Tiers = None
    award: PerOccurrence | None = Field(default=None, description="Bonus per occurrence, capped (加分).")
    roll_up: RollUp = None
    min_share: MinShare = None

    def shape_problems(self) -> list[ShapeProblem]:
        problems = []
        if len(self._given("require", "tiers", "award")) != 1:
            problems.append(ShapeProblem("a bonus rule awards in one way: require (with points), tiers or award",
                                         key=True))
        if self.require is not None and self.points is None:
            problems.append(ShapeProblem("a bonus rule with 'require' needs 'points'", key=True))
        if self.award is not None and self.award.count is None and self.for_each is None:
            problems.append(ShapeProblem("'award' needs 'count' (the number of occurrences)", ("award",)))
        return problems + super().shape_problems() + self._roll_up_problems()


class PenaltyRule(Rule):
    """A penalty (扣分项): a deduction per occurrence, from a dimension or from the total."""

    key_notes: ClassVar[Mapping[str, str]] = {"points": "a penalty rule deducts 'per' occurrence; it has no 'points'"}

    kind: Literal["penalty"] = Field(description="penalty: a deduction.")
    dimension: str | None = Field(default=None, description="The dimension the deduction comes off; defaults to "
                                     "the file's `dimension:`. Without one it comes off the total.")
    deduct: PerOccurrence | None = Field(default=None, description="Deduction per occurrence, capped (扣分).")
    trigger: Trigger = None

    def shape_problems(self) -> list[ShapeProblem]:
        problems = []
        if self.deduct is None:
            problems.append(ShapeProblem("a penalty rule needs 'deduct: {count, per, cap}'", key=True))
        elif self.deduct.count is None and not (self.for_each and self.trigger):
            problems.append(ShapeProblem("'deduct' needs 'count', or for_each with 'trigger'", ("deduct",)))
        return problems + super().shape_problems()


class VetoCap(Model):
    """A veto's effect that caps the grade: at most the grade named."""

    cap_at: str = Field(pattern=ID_PATTERN, description="The highest grade (id) the profile may get.")


class VetoPeriod(Model):
    """How long a veto is in force: until a date computed from the profile (per element with for_each)."""

    until: Expression = Field(description="The last day it is in force, a date expression "
                              "(`add_years(date, 2)`: two years after the incident; `term_ends`: the current "
                              "term). It applies when the end of the period is on or before that day.")

    text: Text | None = Field(default=None, description="The period as the score sheet words it (事故发生后两年内, "
                              "本届任期内), for the generated score sheet.")

    _until_text = field_validator("until", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


VetoEffect = Literal["fail", "no_award", "bar", "revoke", "demote"] | VetoCap


class VetoRule(Rule):
    """A veto (一票否决): when its trigger holds, the grade is overridden whatever the points."""

    kind: Literal["veto"] = Field(description="veto: a grade override.")
    trigger: Trigger = None
    severity: Literal["fail", "no_award"] | None = Field(default=None, description="fail forces the lowest grade; "
                                                            "no_award bars the top grade and awards.")
    effect: VetoEffect | None = Field(default=None, description="*(format 2)* What the veto does, instead of "
                                      "`severity`: fail, no_award, bar (不得申报/不得参评 this period: the lowest "
                                      "grade), revoke (the title the profile holds, `profile.holds`, is revoked, and "
                                      "the lowest grade is given), demote (one grade down), or `{cap_at: GRADE}` (at "
                                      "most that grade).")
    lasts: VetoPeriod | None = Field(default=None, description="*(format 2)* How long it is in force after what "
                                     "triggered it: `{until: DATE-EXPRESSION}`.")
    authority: Text | None = Field(default=None, description="*(format 2)* Whose finding triggers it "
                                   "(区应急管理局), shown in reports.")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"effect", "lasts", "authority"})

    def shape_problems(self) -> list[ShapeProblem]:
        problems = []
        if self.severity is not None and self.effect is not None:
            problems.append(ShapeProblem("a veto says what it does once: 'severity' or 'effect', not both",
                                         ("effect",), key=True))
        elif self.trigger is None or (self.severity is None and self.effect is None):
            problems.append(ShapeProblem("a veto rule needs 'trigger' and 'severity' (fail or no_award)", key=True))
        return problems + super().shape_problems()

    def effect_name(self) -> str | None:
        """What the veto does, one word: fail, no_award, bar, revoke, demote or cap_at."""
        if isinstance(self.effect, VetoCap):
            return "cap_at"
        return self.effect or self.severity


class CheckRule(Rule):
    """A check (format 2): judged and reported, worth no points — met or not (`require`), a letter (`levels`) or
    a value against its target (`measure`). Other rules read it with met(); grades may require it."""

    key_notes: ClassVar[Mapping[str, str]] = {
        "points": "a check is worth no points: it is judged and reported, and adds nothing to any total"}

    kind: Literal["check"] = Field(description="check: judged and reported, no points.")
    dimension: str | None = Field(default=None, description="The dimension it is listed with (it adds nothing to "
                                     "it); defaults to the file's `dimension:`.")
    require: Require = None
    levels: list[Level] | None = Field(default=None, min_length=1, description="A letter: the levels from the "
                                       "best, the first that holds is the check's (A/B/C).")
    measure: Measure | None = Field(default=None, description="A value against its target.")
    roll_up: RollUp = None
    min_share: MinShare = None

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"kind"})

    def shape_problems(self) -> list[ShapeProblem]:
        problems = []
        ways = self._given("require", "levels", "measure")
        if self.for_each is not None and ways != ["require"]:
            problems.append(ShapeProblem("a for_each check judges each element by 'require' (and may classify "
                                         "it by 'bands')", key=True))
        elif len(ways) != 1:
            problems.append(ShapeProblem("a check is judged in one way: require, levels or measure", key=True))
        return problems + super().shape_problems() + self._roll_up_problems()


def _item_by_default(value: Any) -> Any:
    """`kind:` may be left out: a rule is an item unless it says otherwise."""
    if isinstance(value, dict) and "kind" not in value:
        return {**value, "kind": "item"}
    return value


# A rule of any kind, told apart by `kind:`. A new kind of rule is a model above, added here.
AnyRule = Annotated[ItemRule | BonusRule | PenaltyRule | VetoRule | CheckRule, Field(discriminator="kind"),
                    BeforeValidator(_item_by_default), Kind("[Rule](#rule)")]
RULE_KINDS: tuple[type[Rule], ...] = get_args(get_args(AnyRule)[0])


def has_key(rule: Rule, key: str) -> bool:
    """Whether rules of this one's kind have `key` (each kind's model lists the keys it allows)."""
    return key in type(rule).model_fields


def _joined(words: list[str]) -> str:
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


# -- overlays ---------------------------------------------------------------------------------

class DimensionPatch(Model):
    """Changes to a dimension of the base pack."""

    title: Text | None = Field(default=None, description="New title.")
    weight: Number | None = Field(default=None, gt=0, description="New weight.")
    description: Text | None = Field(default=None, description="New description.")


class OccurrencePatch(Model):
    """Changes to a rule's `deduct` or `award`; keys not given stay as in the base."""

    count: Expression | None = Field(default=None, description="New count expression.")
    per: Number | Expression | None = Field(default=None, description="New points per occurrence.")
    cap: Number | Expression | None = Field(default=None, description="New cap.")

    _count_text = field_validator("count", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class RulePatch(Model):
    """Changes to a rule of the base pack. To change what a rule checks, disable it and add your own."""

    disabled: bool = Field(default=False, description="Remove the rule from this pack.")
    reason: Text | None = Field(default=None, description="Why the rule is changed or disabled (shown by "
                                   "`assess pack check`).")
    title: Text | None = Field(default=None, description="New title.")
    description: Text | None = Field(default=None, description="New standard text (标准及要求).")
    method: Text | None = Field(default=None, description="New scoring method text (评分办法).")
    dimension: str | None = Field(default=None, description="Move the rule to another dimension.")
    points: Number | None = Field(default=None, gt=0, description="New points.")
    tiers: list[Tier] | None = Field(default=None, min_length=1, description="New tiers (replace the base's).")
    deduct: OccurrencePatch | None = Field(default=None, description="Changes to the deduction.")
    award: OccurrencePatch | None = Field(default=None, description="Changes to the award.")
    min_share: Share | None = Field(default=None, gt=0, le=1, description="New minimum share (for_each).")
    severity: Literal["fail", "no_award"] | None = Field(default=None, description="New veto severity.")
    effect: VetoEffect | None = Field(default=None, description="*(format 2)* New veto effect (replaces its "
                                      "`severity` or `effect`).")
    lasts: VetoPeriod | None = Field(default=None, description="*(format 2)* New period a veto lasts.")
    authority: Text | None = Field(default=None, description="*(format 2)* New authority of a veto.")
    not_applicable: NotApplicable | None = Field(default=None, description="*(format 2)* New not-applicable "
                                                 "policy of an item.")
    bonus_cap: Amount | None = Field(default=None, description="*(format 2)* New cap of an item's own bonus.")
    recommend: Text | None = Field(default=None, description="New recommendation text.")
    notes: list[Note] | None = Field(default=None, description="*(format 2)* New notes of a rule assessed "
                                     "element by element (replace the base's; `[]` removes them).")
    evidence: list[Text] | None = Field(default=None, description="New supporting material (replaces).")
    cite: Citations | None = Field(default=None, json_schema_extra=_one_or_many,
                                      description="New citations (replace the base's).")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"not_applicable", "bonus_cap", "effect", "lasts",
                                                         "authority", "notes"})


class ScoringPatch(Model):
    """Changes to the base pack's scoring; keys not given stay as in the base."""

    not_applicable: Literal["exclude", "zero", "full"] | None = Field(default=None, description="New N/A policy.")
    bonus_cap: Number | None = Field(default=None, ge=0, description="New bonus cap (null: no cap).")
    penalty_cap: Number | None = Field(default=None, ge=0, description="New penalty cap (null: no cap).")
    rounding: int | None = Field(default=None, ge=0, le=4, description="New rounding.")
    total: Number | None = Field(default=None, gt=0, description="New stated total.")
    min_coverage: Share | None = Field(default=None, ge=0, le=1, description="New coverage threshold for "
                                          "grading.")
    grades: list[Grade] | None = Field(default=None, min_length=1, description="New grades (replace the "
                                          "base's list).")
    grade_basis: Literal["total", "base"] | None = Field(default=None, description="*(format 2)* New grade "
                                                         "basis.")
    quotas: list[BandQuota] | None = Field(default=None, description="*(format 2)* New band quotas (replace "
                                           "the base's list; null or []: none).")
    grade_quotas: list[GradeQuota] | None = Field(default=None, description="*(format 2)* New grade quotas "
                                                  "(replace the base's list; null or []: none).")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"grade_basis", "quotas", "grade_quotas"})


class ParamPatch(Model):
    """*(format 2)* Changes to a parameter of the base pack, written as a mapping; keys not given stay."""

    default: Any = Field(default=None, description="New default value (as `NAME: value` says it).")
    title: Text | None = Field(default=None, description="New title.")
    description: Text | None = Field(default=None, description="New description.")
    unit: Text | None = Field(default=None, description="New unit.")
    removed: bool = Field(default=False, description="Remove the parameter (an error while an expression still "
                          "reads it).")
    by: str | None = Field(default=None, description="New input the value depends on.")
    rows: dict[str, Any] | None = Field(default=None, description="New rows (replace the base's).")
    bands: list[ParamBand] | None = Field(default=None, min_length=1, description="New bands (replace the base's).")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"default", "title", "description", "unit", "removed", "by",
                                                         "rows", "bands"})


def _param_patch(value: Any) -> Any:
    """A parameter's new default (any value), or a mapping of changes: no parameter's value is a mapping."""
    return ParamPatch.model_validate(value) if isinstance(value, Mapping) else value


class FieldPatch(Model):
    """*(format 2)* Changes to a field of the elements of a base pack's list of objects."""

    title: Text | None = Field(default=None, description="New title (the column of per-element tables).")
    description: Text | None = Field(default=None, description="New description.")
    unit: Text | None = Field(default=None, description="New unit.")
    removed: bool = Field(default=False, description="Remove the field (an error while a rule or derived value "
                          "still reads it).")


class InputPatch(Model):
    """*(format 2)* Changes to an input of the base pack: its texts, and the fields of a list of objects."""

    title: Text | None = Field(default=None, description="New title.")
    description: Text | None = Field(default=None, description="New description.")
    unit: Text | None = Field(default=None, description="New unit.")
    add_fields: dict[str, InputDecl] | None = Field(default=None, description="Fields added to the elements of a "
                                                    "list of objects (names the base does not use).")
    fields: dict[str, FieldPatch] | None = Field(default=None, description="Changes to fields the base declares: "
                                                 "texts, or `removed: true`.")


class DerivedPatch(Model):
    """*(format 2)* A new definition of a derived value of the base pack; keys not given stay."""

    expr: Expression | None = Field(default=None, description="New expression (of the same kind of value).")
    title: Text | None = Field(default=None, description="New title.")
    description: Text | None = Field(default=None, description="New description.")
    format: Literal["number", "integer", "percent"] | None = Field(default=None, description="New display format.")
    unit: Text | None = Field(default=None, description="New unit.")

    _expr_text = field_validator("expr", mode="before")(classmethod(lambda cls, v: _expression_text(v)))


class Overrides(Model):
    """What an overlay (a pack with `pack.extends`) changes in its base."""

    parameters: dict[str, Annotated[Any, BeforeValidator(_param_patch)]] = Field(
        default_factory=dict, description="New default values of parameters, by name (`ten_you_items: [有场所, …]`);"
        " *(format 2)* or a mapping of changes (`{default, title, description, unit}`, or `{removed: true}`).")
    inputs: dict[str, InputPatch] = Field(default_factory=dict, description="*(format 2)* Changes to inputs, by "
                                          "name: texts, fields added to a list of objects, fields changed.")
    derived: dict[str, DerivedPatch] = Field(default_factory=dict, description="*(format 2)* New definitions of "
                                             "derived values, by name (`staff.composite: {expr: …}`).")
    dimensions: dict[str, DimensionPatch] = Field(default_factory=dict, description="Changes to dimensions, by id.")
    rules: dict[str, RulePatch] = Field(default_factory=dict, description="Changes to rules, by id; "
                                        "`{disabled: true}` removes one.")
    scoring: ScoringPatch | None = Field(default=None, description="Changes to scoring and grades.")

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"inputs", "derived"})


class UnitsDecl(Model):
    """A list of units (co-building units, grid cells, residents' groups) each assessed by its own pack, whose
    results the rules of this pack read."""

    pack: str = Field(min_length=1, description="The pack that assesses each unit: a path relative to this "
                      "pack's file or a shipped pack's id.")
    title: Text | None = Field(default=None, description="What the units are (网格, 共建单位).")


class PackFile(Model):
    """Any YAML file of a pack. pack.yaml holds the manifest sections."""

    format_2_keys: ClassVar[frozenset[str]] = frozenset({"units"})

    pack: PackMeta | None = Field(default=None, description="pack.yaml only: what the pack is.")
    parameters: dict[str, ParamDecl] | None = Field(default=None, description="Values a district sets, by name; "
                                                       "rules read them as `params.NAME`.")
    dimensions: list[Dimension] | None = Field(default=None, description="pack.yaml only: the dimensions and "
                                                  "their weights (in an overlay: dimensions added).")
    scoring: Scoring | None = Field(default=None, description="pack.yaml only: how points become a total and "
                                       "a grade (an overlay changes it under `overrides.scoring`).")
    inputs: dict[str, InputDecl] | None = Field(default=None, description="What a profile may say, by dotted "
                                                   "path (`party_members.total`).")
    derived: dict[str, DerivedDecl] | None = Field(default=None, description="Named values computed from the "
                                                      "profile, by name.")
    relations: list[Relation] | None = Field(default=None, description="Relations between inputs that every "
                                                "profile must keep (a part never exceeds its whole, a range is in "
                                                "order, parts add up to a total); an overlay may add more.")
    dimension: str | None = Field(default=None, description="The default dimension of the item rules of this "
                                     "file.")
    rules: list[AnyRule] | None = Field(default=None, description="The rules (score sheet items).")
    units: dict[str, UnitsDecl] | None = Field(default=None, description="*(format 2)* Lists of units a profile "
                                               "gives (by name), each unit assessed by its own pack; rules read "
                                               "each unit's name, total, grade, vetoed, withheld and coverage "
                                               "(`count(grids, grade == 'excellent')`).")
    overrides: Overrides | None = Field(default=None, description="Overlays only: changes to the base pack.")


# -- test cases -------------------------------------------------------------------------------

Outcome = Literal["met", "partly_met", "not_met", "not_applicable", "missing_data", "not_assessed"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


def _outcome_or_mapping(schema: dict[str, Any]) -> None:
    """JSON Schema of an expectation: an outcome alone (`R1: met`), or the mapping."""
    mapping = dict(schema)
    description = mapping.pop("description", None)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "enum": list(OUTCOMES)}, mapping]
    if description:
        schema["description"] = description


class CaseExpectation(Model):
    """What one rule must produce in a case; an outcome alone (`R1: met`) is short for `{outcome: met}`."""

    model_config = ConfigDict(json_schema_extra=_outcome_or_mapping)

    outcome: Outcome | None = Field(default=None, description="The expected outcome.")
    points: Number | None = Field(default=None, description="Points earned (items, bonus) or deducted "
                                     "(penalties), compared at the precision written.")
    vetoed: bool | None = Field(default=None, description="Whether the veto applies.")
    subjects: dict[str, str] | None = Field(default=None, description="for_each rules: outcome per element "
                                               "label (`张三: met`, `李四: band:failed`).")

    @model_validator(mode="before")
    @classmethod
    def _from_outcome(cls, value: Any) -> Any:
        # one type, not a union: a wrong outcome is one error at the value, not one per member of a union
        return value if isinstance(value, (dict, CaseExpectation)) else {"outcome": value}


class CaseAdjustment(Model):
    """A reviewer's adjustment applied in a case, as in an adjustments file (without `profile`: the case's)."""

    rule: str = Field(min_length=1, description="An item or bonus rule of the pack.")
    points: Number = Field(ge=-1000, le=1000, description="Negative: 酌情扣分; positive: 酌情加分; never 0.")
    reason: str | None = Field(default=None, description="Why (shown in the report); default: the case's name.")
    reviewer: str | None = Field(default=None, description="Who; default: `pack test`.")

    @field_validator("points")
    @classmethod
    def _nonzero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("an adjustment of 0 points changes nothing")
        return value


class Case(Model):
    """A test case: a profile and what the pack must make of it."""

    name: str = Field(min_length=1, description="What the case shows (the test id).")
    description: str | None = Field(default=None, description="Longer explanation.")
    profile: dict[str, Any] | None = Field(default=None, description="The profile, written inline.")
    profile_file: str | None = Field(default=None, description="Or: a profile file, relative to the case file.")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameter values for this case (as "
                                   "`--set` gives them to a run).")
    adjustments: list[CaseAdjustment] = Field(default_factory=list, description="Reviewer adjustments applied "
                                              "before scoring (as `--adjustments` applies them to a run).")
    expect: dict[str, Annotated[CaseExpectation, Kind(
        "[CaseExpectation](#caseexpectation) or one of " + ", ".join(f"`{o}`" for o in OUTCOMES))]] = Field(
        default_factory=dict, description="Expected results by rule id: an outcome, or "
        "{outcome, points, vetoed, subjects}.")
    total: Number | None = Field(default=None, description="Expected total, compared at the precision written.")
    grade: str | None = Field(default=None, description="Expected grade id (while the grade is withheld: the grade "
                              "the data given would earn).")
    withheld: bool | None = Field(default=None, description="Whether the grade is withheld (暂不评定: a veto left "
                                  "undecided, a year missing from the history, coverage below `min_coverage`); "
                                  "false: the grade is given.")
    vetoes: list[str] | None = Field(default=None, description="Expected vetoes (rule ids); [] for none.")

    @model_validator(mode="after")
    def _one_profile(self) -> Case:
        if (self.profile is None) == (self.profile_file is None):
            raise ValueError("a case gives either 'profile' (inline) or 'profile_file'")
        return self


class CaseFile(Model):
    """A file of test cases under a pack's tests/."""

    cases: list[Case] = Field(min_length=1, description="The cases (at least one).")


# InputDecl: built on first use (defer_build)
# ParamDecl: built on first use (defer_build)
# ParamAlternative: built on first use (defer_build)
