"""Assess profiles: one pipeline per pack, compiled once, run for many profiles.

    engine = Engine.from_dirs(["rules/community"])        # load, check, compile
    report = engine.assess_file("profiles/fuxing.yaml")     # validate, match, score, report
    scores = engine.evaluate(engine.load_profile(path))     # the same scores without the report's texts

An Engine is not thread-safe (durable_rules sessions are per process and
hold the GIL); use one Engine per worker process for parallel batches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.api.rollup import Loc, UnitSource, expand_units
from engine.backends import make_backend, resolve_backend
from engine.errors import Diagnostic, InputError, UsageError, display_path
from engine.evaluation.band_quotas import apply_band_quotas
from engine.evaluation.context import Context
from engine.evaluation.findings import Finding, Oracle, RuleEvaluator
from engine.evaluation.recommendations import next_grade, recommendations
from engine.evaluation.scoring import Scorecard, history_of, score
from engine.expr.values import engine_arithmetic
from engine.pack.blocks import UnitList
from engine.pack.build import load_pack
from engine.pack.model import Pack, RuleSpec
from engine.pack.raw import RawPack
from engine.pack.schema import Grade
from engine.profile.validate import Profile, ProfileSchema
from engine.report import model as M
from engine.report.build import PackStatics, pack_result
from engine.review.apply import ProfileReview, Review
from engine.source.load import load_yaml
from engine.source.spans import SourceMap
from engine.version import __version__


@dataclass
class PackEvaluation:
    """One pack's evaluation of a profile: findings and scores, before any report text is written."""

    pack: Pack
    context: Context
    findings: list[Finding]
    card: Scorecard
    statics: PackStatics  # what the report says of the pack whatever the profile

    @property
    def total(self) -> Decimal:
        return self.card.shown_total

    @property
    def grade(self) -> Grade:
        return self.card.grade

    def report(self) -> M.PackResult:
        """The full result: recommendations, the path to the next grade, tables, texts."""
        recs = recommendations(self.pack, self.findings, self.card, self.context)
        path = next_grade(self.pack, self.findings, self.card)
        return pack_result(self.statics, self.context, self.findings, self.card, recs, path)


class PackAssessor:
    """One pack with its backend: assesses a validated profile."""

    def __init__(self, pack: Pack, backend: str):
        self.pack = pack
        self.backend = make_backend(backend, pack)
        self.statics = PackStatics.of(pack)  # built once here, used by the report of every profile
        self.strata = max((rule.stratum for rule in pack.rules), default=0) + 1
        self.by_stratum: dict[int, list[RuleSpec]] = {}
        for rule in pack.rules:
            self.by_stratum.setdefault(rule.stratum, []).append(rule)

    def findings(self, profile: Profile, as_of: dt.date | None = None) -> tuple[Context, list[Finding]]:
        context = Context(self.pack, profile, as_of)
        results: dict[str, Finding] = {}

        def on_round(stratum: int, oracle: Oracle) -> None:
            evaluator = RuleEvaluator(context, oracle)
            for rule in self.by_stratum.get(stratum, []):
                finding = evaluator.evaluate(rule)
                results[rule.id] = finding
                context.outcomes[rule.id] = finding.outcome

        self.backend.run(context, self.strata, on_round)
        return context, [results[rule.id] for rule in self.pack.rules]

    def evaluate(self, profile: Profile, review: ProfileReview | None = None) -> PackEvaluation:
        context, findings = self.findings(profile, review.as_of if review is not None else None)
        if review is not None:  # waivers and reviewer adjustments, before scoring
            findings = review.apply(self.pack, findings)
        apply_band_quotas(self.pack, context, findings)  # the pack's quotas on per-person bands (format 2)
        card = score(self.pack, findings, history_of(profile, self.pack.id))
        return PackEvaluation(self.pack, context, findings, card, self.statics)

    def assess(self, profile: Profile, review: ProfileReview | None = None) -> M.PackResult:
        return self.evaluate(profile, review).report()


def _usage(what: str, message: str, hint: str | None = None) -> UsageError:
    """A library caller's mistake, reported like a command line's: the project's own exception, never a
    TypeError from deep inside."""
    return UsageError([Diagnostic(what, 0, 0, "error", "usage", message, hint)])


def _pack_dirs(dirs: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str | Path]:
    """The pack directories given: one path, or an iterable of paths (a string is one path, not its letters)."""
    if isinstance(dirs, (str, os.PathLike)):
        return [os.fspath(dirs)]
    try:
        given = list(dirs)
    except TypeError:
        raise _usage("dirs", f"Engine.from_dirs() takes pack directories, got {type(dirs).__name__}",
                     "Engine.from_dirs(['rules/community'])") from None
    bad = [d for d in given if not isinstance(d, (str, os.PathLike))]
    if bad:
        raise _usage("dirs", f"a pack directory is a path, got {bad[0]!r}", "Engine.from_dirs(['rules/community'])")
    return [os.fspath(d) for d in given]


def _a_profile(profile: object, method: str) -> Profile:
    if not isinstance(profile, Profile):
        raise _usage("profile", f"Engine.{method}() takes a validated Profile, got {type(profile).__name__}",
                     "engine.load_profile(path) or engine.schema.validate_data(data, name) gives one")
    return profile


def _a_path(path: object, method: str) -> str | Path:
    if not isinstance(path, (str, os.PathLike)):
        raise _usage("path", f"Engine.{method}() takes the path of a profile file, got {type(path).__name__}")
    return Path(path)


class Engine:
    @engine_arithmetic
    def __init__(self, packs: list[Pack], *, backend: str = "auto"):
        if not packs:
            raise UsageError([Diagnostic("", 0, 0, "error", "no-packs", "no rule packs selected")])
        if not all(isinstance(pack, Pack) for pack in packs):
            raise _usage("packs", "Engine() takes loaded packs (load_pack(path)); for directories use "
                                  "Engine.from_dirs([...])")
        self.packs = packs
        self.backend = resolve_backend(backend)
        self.schema = ProfileSchema(packs)
        self.assessors = [PackAssessor(pack, self.backend) for pack in packs]
        self.units = {name: unit for pack in packs for name, unit in pack.units.items()}  # roll-up (format 2)
        self._unit_engines: dict[Path, Engine] = {}

    @classmethod
    @engine_arithmetic
    def from_dirs(cls, dirs: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *,
                  params: dict[str, Any] | None = None, backend: str = "auto") -> Engine:
        """Load, check and compile the packs of some directories (one path, or several)."""
        paths = _pack_dirs(dirs)
        if params is not None and not isinstance(params, dict):
            raise _usage("params", f"params is a mapping of parameter names to values, got {type(params).__name__}")
        overrides = split_overrides(params or {}, paths)
        packs = [load_pack(path, overrides.get(index)) for index, path in enumerate(paths)]
        return cls(packs, backend=backend)

    @engine_arithmetic
    def load_profile(self, path: str | Path) -> Profile:
        path = _a_path(path, "load_profile")
        shown = display_path(Path(path))
        document = load_yaml(path, display_name=shown, error_class=InputError)
        data, warnings = expand_units(document.data, shown, document.source, Path(path).parent, self.units,
                                      self._assess_unit)
        if data is not document.data:  # its units replaced by their results
            document = dataclasses.replace(document, data=data, warnings=document.warnings + warnings)
        return self.schema.validate(document, shown)

    @engine_arithmetic
    def validate_data(self, data: Any, file: str, source: SourceMap | None = None, *, base: Loc = (),
                      folder: Path | None = None) -> Profile:
        """Profile data from elsewhere than a file of its own (a test case's profile, a unit written in place),
        located by `source` and `base`; the files of its units are read from `folder` (the file's)."""
        folder = folder if folder is not None else Path(file).parent
        data, warnings = expand_units(data, file, source, folder, self.units, self._assess_unit, base)
        return self.schema.validate_data(data, file, source, base=base, warnings=warnings)

    def _assess_unit(self, unit: UnitList, where: UnitSource) -> tuple[str, Scorecard]:
        """A unit's profile assessed by its own pack: its label and scores."""
        engine = self._unit_engines.get(unit.root)
        if engine is None:
            engine = self._unit_engines[unit.root] = Engine([load_pack(unit.root)], backend=self.backend)
        if where.path is not None:
            profile = engine.load_profile(where.path)
        else:
            profile = engine.validate_data(where.data, where.file, where.source, base=where.base,
                                           folder=where.folder)
        return profile.label, engine.evaluate(profile)[0].card

    @engine_arithmetic
    def evaluate(self, profile: Profile, *, review: Review | None = None) -> list[PackEvaluation]:
        """Findings and scores per pack, without the report: for callers that need totals and grades only."""
        profile = _a_profile(profile, "evaluate")
        reviewed = review.for_profile(profile) if review is not None else None
        return [assessor.evaluate(profile, reviewed) for assessor in self.assessors]

    @engine_arithmetic
    def assess(self, profile: Profile, *, review: Review | None = None) -> M.Report:
        """The report of a validated profile; `review` applies waivers and reviewer adjustments."""
        profile = _a_profile(profile, "assess")
        period = profile.period
        reviewed = review.for_profile(profile) if review is not None else None
        return M.Report(
            engine=M.EngineInfo(version=__version__, backend=self.backend),
            profile=M.ProfileInfo(file=profile.file, id=profile.meta.id, name=profile.meta.name,
                                  subject=profile.meta.subject,
                                  period_start=period[0].isoformat() if period else None,
                                  period_end=period[1].isoformat() if period else None),
            results=[assessor.assess(profile, reviewed) for assessor in self.assessors],
            # after the results: applying the review may have added warnings (an adjustment ignored)
            warnings=[M.DiagnosticOut(**d.to_dict())
                      for d in profile.warnings + (reviewed.warnings if reviewed else [])],
        )

    @engine_arithmetic
    def assess_file(self, path: str | Path, *, review: Review | None = None) -> M.Report:
        return self.assess(self.load_profile(_a_path(path, "assess_file")), review=review)


def split_overrides(params: dict[str, Any], dirs: Sequence[str | Path]) -> dict[int, dict[str, Any]]:
    """`name` or `pack_id:name` → the overrides of each pack (by position)."""
    from engine.pack.overlay import read_pack_dir

    raws = [read_pack_dir(path) for path in dirs] if params else []
    out: dict[int, dict[str, Any]] = {}
    for key, value in params.items():
        pack_id, _, name = key.rpartition(":")
        targets = [i for i, raw in enumerate(raws)
                   if name in raw.parameters and (not pack_id or _pack_id(raw) == pack_id)]
        if not targets:
            known = sorted({f"{_pack_id(raw)}:{p}" for raw in raws for p in raw.parameters})
            from engine.errors import did_you_mean

            hint = did_you_mean(key, known + [k.split(":", 1)[1] for k in known])
            raise UsageError([Diagnostic("--set", 0, 0, "error", "unknown-parameter",
                                         f"no selected pack has a parameter '{key}'",
                                         hint or ("parameters: " + ", ".join(known) if known else None))])
        if len(targets) > 1 and not pack_id:
            raise UsageError([Diagnostic("--set", 0, 0, "error", "ambiguous-parameter",
                                         f"several packs have a parameter '{name}'",
                                         hint="write PACK:NAME=VALUE, e.g. " + f"{_pack_id(raws[targets[0]])}:{name}")])
        for index in targets:
            out.setdefault(index, {})[name] = value
    return out


def _pack_id(raw: RawPack) -> str:
    assert raw.meta is not None  # reading a pack directory names its layers by the meta it read
    return raw.meta.id
