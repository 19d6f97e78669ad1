"""Where in the profile each finding's inputs are: positions for SARIF and editors.

A rule reads inputs by name (`venue.homes`, `staff[].scores.community`,
`period.start`); the profile's source map turns each into a line and column.
An absent value is located at its nearest existing parent key, so a viewer
points at the place where the value should be written.
"""

from __future__ import annotations

from engine.evaluation.findings import Finding
from engine.expr import ast
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.report import model as M
from engine.source.spans import SourceMap, Span

DataPath = tuple[str | int, ...]  # keys and list indexes from the document's root

PERIOD_KEYS: tuple[DataPath, ...] = (("profile", "period"), ("profile", "year"))


def input_reads(pack: Pack, names: list[str]) -> list[str]:
    """The inputs behind a rule's reads: derived values are replaced by the inputs they compute from."""
    derived = {d.name: d for d in pack.derived}
    found: set[str] = set()
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        spec = derived.get(name)
        if spec is None:
            found.add(name)
            continue
        for node in ast.walk(spec.expr.tree):
            if isinstance(node, ast.Path) and node.ref is not None and node.ref.kind in ("input", "derived"):
                pending.append(node.ref.name)
    return sorted(found)


def data_path(name: str, subject: int | None = None) -> DataPath:
    """The data path of an input: `a.b` → ('a', 'b'); `a[].b.c` → ('a', i, 'b', 'c') for element i, else ('a',)."""
    head, sep, rest = name.partition("[].")
    path: DataPath = tuple(head.split("."))
    if sep and subject is not None:
        path += (subject,) + tuple(rest.split("."))
    return path


class ProfileLocator:
    """Positions of inputs in one profile's source. Several findings read the same inputs: each is located once."""

    def __init__(self, source: SourceMap, file: str):
        self.source = source
        self.file = file
        self.found: dict[tuple[str, int | None], M.ProfileLocation] = {}

    @classmethod
    def of(cls, profile: Profile) -> ProfileLocator | None:
        """The locator of a profile read from a file; None for one given as data, without positions."""
        source = profile.source
        return cls(source, profile.file) if source is not None else None

    def locate(self, name: str, subject: int | None) -> M.ProfileLocation:
        key = (name, subject)
        if key not in self.found:
            self.found[key] = _locate(self.source, self.file, name, subject)
        return self.found[key]


def profile_locations(inputs: list[str], finding: Finding, locator: ProfileLocator | None) \
        -> list[M.ProfileLocation]:
    """Missing inputs first (the profile-level ones, then each element's), then the values read,
    present before absent."""
    if locator is None:
        return []
    per_element = [(name, subject.index) for subject in finding.subjects for name in sorted(subject.missing)]
    covered = {name for name, _ in per_element}
    missing = [(name, None) for name in sorted(finding.missing) if name not in covered] + per_element
    named = {name for name, _ in missing}
    first = [locator.locate(name, subject) for name, subject in dict.fromkeys(missing)]
    reads = [locator.locate(name, None) for name in inputs if name not in named]
    return first + [loc for loc in reads if loc.present] + [loc for loc in reads if not loc.present]


def _locate(source: SourceMap, file: str, name: str, subject: int | None) -> M.ProfileLocation:
    candidates = PERIOD_KEYS if name.startswith("period.") else (data_path(name, subject),)
    for path in candidates:
        span = source.value(path)
        if span is not None:  # an element's field named without its element: the list, not the value
            return _location(name, subject, file, span, "[]." not in name or subject is not None)
    prefix, nearest = source.nearest(candidates[-1])
    key = source.key(prefix) if prefix else None
    # at the key of the nearest parent; in a list element or the document itself, at its first character
    at = key if key is not None else Span(nearest.line, nearest.col, nearest.line, nearest.col)
    return _location(name, subject, file, at, False)


def _location(name: str, subject: int | None, file: str, span: Span, present: bool) -> M.ProfileLocation:
    return M.ProfileLocation.model_construct(input=name, subject=subject, file=file, line=span.line, col=span.col,
                                             end_line=span.end_line, end_col=span.end_col, present=present)
