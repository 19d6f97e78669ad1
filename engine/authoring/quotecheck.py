"""Quotes checked against their sources: every citation's words must be in the cited document's text
(when the file can be found beside a layer of the pack or on ASSESS_SOURCE_PATH). A source file that
leads anywhere else (`/etc/passwd`, `../../x`, a symbolic link out of the pack) is an error and is never
read: a pack must not let `pack check` tell whether some words are in any file of the machine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from engine.errors import ERROR, INFO, WARNING, Diagnostic, PackError, display_path
from engine.pack.loader import MANIFEST
from engine.pack.model import Pack
from engine.pack.origins import Origin, diagnostic_at
from engine.pack.quotes import SOURCE_PATH_ENV, find_source, quote_found
from engine.pack.schema import Citation
from engine.source.load import load_yaml

Cited = tuple[Citation, Origin]  # a citation and the position of its quote


def citations(pack: Pack) -> Iterator[Cited]:
    """(citation, origin of its quote) for every citation of rules and parameters."""
    for rule in pack.rules:
        yield from _cited(rule.cite, rule.origin.child("cite"))
    for spec in pack.params.values():
        yield from _cited(spec.decl.cite or [], spec.origin.child("cite"))
        for index, alternative in enumerate(spec.decl.alternatives or []):
            yield from _cited(alternative.cite or [], spec.origin.child("alternatives", index, "cite"))


def _cited(cites: Iterable[Citation], origin: Origin) -> Iterator[Cited]:
    single = origin.source is not None and bool(origin.source.keys_at(origin.path))
    for index, cite in enumerate(cites):
        yield cite, (origin.child("quote") if single else origin.child(index, "quote"))


def source_text(pack: Pack, source_id: str) -> tuple[str | None, str | None]:
    """(text, file) of a source document when it can be found beside any layer of the pack."""
    source = pack.sources.get(source_id)
    if source is None or not source.file:
        return None, None
    for root in _roots(pack):
        path, _ = find_source(source.file, root)
        if path is not None:
            try:
                return path.read_text(encoding="utf-8-sig"), str(path)
            except (OSError, UnicodeDecodeError):
                return None, None
    return None, None


def _roots(pack: Pack) -> list[Path]:
    """The pack's folders, the overlay's first."""
    return [Path(root) for root in reversed([layer.root for layer in pack.layers] or [pack.root])]


def quote_problems(pack: Pack) -> list[Diagnostic]:
    outside = _outside_sources(pack)
    found = list(outside.values())
    texts: dict[str, str | None] = {}
    unavailable: dict[str, Origin] = {}
    for cite, origin in citations(pack):
        if cite.source not in pack.sources or cite.source in outside:
            continue  # an error already
        if cite.source not in texts:
            texts[cite.source] = source_text(pack, cite.source)[0]
        text = texts[cite.source]
        if text is None:
            unavailable.setdefault(cite.source, origin)
            continue
        if not quote_found(cite.quote, text):
            found.append(diagnostic_at(origin, WARNING, "quote-not-found",
                                       f"the quote is not in {pack.sources[cite.source].file} (source "
                                       f"'{cite.source}')",
                                       hint="copy the words exactly; ' … ' joins fragments that follow each other"))
    for source_id, origin in unavailable.items():
        source = pack.sources[source_id]
        if not source.file:
            continue
        found.append(diagnostic_at(origin, INFO, "quote-unchecked",
                                   f"quotes citing '{source_id}' are not checked: {source.file} is not found",
                                   hint=f"put it in the pack's sources/ folder or a folder on {SOURCE_PATH_ENV}"))
    return found


def _outside_sources(pack: Pack) -> dict[str, Diagnostic]:
    """An error, at its `file:`, for each source whose file leads out of the pack and ASSESS_SOURCE_PATH:
    such a file is never read (its quotes are not checked, so nothing is told about its text)."""
    found = {}
    for source_id, source in pack.sources.items():
        if not source.file:
            continue
        reasons = [find_source(source.file, root) for root in _roots(pack)]
        if any(path is not None for path, _ in reasons):
            continue
        why = next((reason for _, reason in reasons if reason is not None), None)
        if why is not None:
            found[source_id] = diagnostic_at(
                _source_origin(pack, source_id), ERROR, "source-outside",
                f"source '{source_id}': {source.file} {why}; sources are read only from the pack and the "
                f"folders of {SOURCE_PATH_ENV}", "file",
                hint=f"put the document in the pack's sources/ folder, or its folder on {SOURCE_PATH_ENV}, and "
                     "give its file name")
    return found


def _source_origin(pack: Pack, source_id: str) -> Origin | None:
    """Where a source is declared: `pack.sources[i]` of the manifest of the layer that declares it."""
    for root in _roots(pack):
        manifest = root / MANIFEST
        try:
            document = load_yaml(manifest, display_name=display_path(manifest), error_class=PackError)
        except PackError:
            continue
        meta = document.data.get("pack") if isinstance(document.data, dict) else None
        sources = meta.get("sources") if isinstance(meta, dict) else None
        for index, entry in enumerate(sources if isinstance(sources, list) else []):
            if isinstance(entry, dict) and entry.get("id") == source_id:
                return Origin(display_path(manifest), document.source, ("pack", "sources", index))
    return None
