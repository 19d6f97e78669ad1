"""Quotes checked against their sources: every citation's words must be in the cited document's text
(when the file can be found beside a layer of the pack or on ASSESS_SOURCE_PATH)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from engine.errors import INFO, WARNING, Diagnostic
from engine.pack.model import Pack
from engine.pack.origins import Origin, diagnostic_at
from engine.pack.quotes import SOURCE_PATH_ENV, locate_source, quote_found
from engine.pack.schema import Citation

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
    roots = [layer.root for layer in pack.layers] or [pack.root]
    for root in reversed(roots):
        path = locate_source(source.file, Path(root))
        if path is not None:
            try:
                return path.read_text(encoding="utf-8-sig"), str(path)
            except (OSError, UnicodeDecodeError):
                return None, None
    return None, None


def quote_problems(pack: Pack) -> list[Diagnostic]:
    found = []
    texts: dict[str, str | None] = {}
    unavailable: dict[str, Origin] = {}
    for cite, origin in citations(pack):
        if cite.source not in pack.sources:
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
