"""Waivers: a reviewer's approved exemption of a rule for some profiles, until a date.

    waivers:
      - rule: D3.venue_area            # a rule id of the selected packs
        profile: fuxing-*              # a profile id, or a pattern (* ? [..]) over profile ids
        pack: community                # optional: only this pack's rule
        justification: 2024 年旧城改造，活动场所临时过渡（区委组织部批复〔2024〕12号）
        approver: 西山区委组织部 张三
        expires: 2025-06-30            # the last day the waiver holds

A waived rule's finding becomes `waived`, carrying the justification; it is
scored as the pack scores a not-applicable rule (see engine/review.py for
why), a waived deduction deducts nothing and a waived veto does not apply.
A waiver whose date has passed is ignored with a warning; one that names a
rule no selected pack has is an error at its position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import WARNING, Diagnostic, InputError
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.review.files import Located, load_all, matches, profile_keys, rule_problems


class WaiverEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(min_length=1)
    profile: str = Field(min_length=1)
    pack: str | None = None
    justification: str
    approver: str
    expires: dt.date

    @field_validator("justification", "approver")
    @classmethod
    def _said(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty: a waiver states why and who approved it")
        return value


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waivers: list[WaiverEntry]


@dataclass(frozen=True)
class Waiver:
    entry: WaiverEntry
    at: str  # file:line:col of the entry
    judged_on: dt.date | None = None  # the date it was found in force on

    @property
    def rule(self) -> str:
        return self.entry.rule


class WaiverSet:
    """The waivers of one or more files; which hold for a profile on a given day."""

    def __init__(self, located: list[Located[WaiverEntry]]):
        self.located = located

    @classmethod
    def load(cls, paths: Sequence[str | Path]) -> WaiverSet:
        return cls(load_all(paths, "waivers", WaiverFile))

    def check(self, packs: Sequence[Pack]) -> None:
        problems = rule_problems(self.located, packs, "waiver")
        if problems:
            raise InputError(problems)

    def for_profile(self, profile: Profile, judged_on: dt.date | None) -> tuple[list[Waiver], list[Diagnostic]]:
        """The waivers in force for the profile on `judged_on`, and a warning for each matching one that is not:
        expired by then, or undecidable because no date is known (no period and no --as-of)."""
        keys = profile_keys(profile)
        active: list[Waiver] = []
        warnings: list[Diagnostic] = []
        for item in self.located:
            entry = item.entry
            if not matches(entry.profile, keys):
                continue
            problem = _not_in_force(entry.rule, entry.expires, judged_on)
            if problem is not None:
                message, hint = problem
                warnings.append(Diagnostic(item.at.file, item.at.line, item.at.col, WARNING, "waiver-expired",
                                           message, hint=hint))
                continue
            active.append(Waiver(entry, str(item.at), judged_on))
        return active, warnings

    def expired(self, as_of: dt.date) -> list[Diagnostic]:
        """A warning per waiver expired on `as_of`, whatever profile it names (for a batch, said once)."""
        return [Diagnostic(i.at.file, i.at.line, i.at.col, WARNING, "waiver-expired",
                           f"the waiver of rule '{i.entry.rule}' for '{i.entry.profile}' expired on "
                           f"{i.entry.expires.isoformat()}, before {as_of.isoformat()} (--as-of); it is ignored")
                for i in self.located if i.entry.expires < as_of]


def _not_in_force(rule: str, expires: dt.date, judged_on: dt.date | None) -> tuple[str, str] | None:
    """Why a waiver does not hold on the date the assessment is judged on (message, hint), or None."""
    if judged_on is None:
        return (f"the waiver of rule '{rule}' cannot be judged: the profile gives no assessment period; "
                f"it is ignored", "give profile.year (or profile.period), or the date to judge on: --as-of DATE")
    if expires < judged_on:
        return (f"the waiver of rule '{rule}' expired on {expires.isoformat()}, before {judged_on.isoformat()}, "
                f"the date the assessment is judged on (the end of its period, or --as-of); it is ignored",
                "renew it (a new expiry date and approval) or remove it; --as-of DATE judges on another date")
    return None
