"""Fidelity: every quote a shipped pack cites is found, word for word, in the cited source."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.pack.build import load_pack
from engine.pack.quotes import SOURCE_PATH_ENV, locate_source, quote_found

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SHIPPED = sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").is_file())


def citations(pack):
    for rule in pack.rules:
        for cite in rule.cite:
            yield f"rule {rule.id}", cite
    for name, spec in pack.params.items():
        for cite in spec.decl.cite or []:
            yield f"parameter {name}", cite
        for alternative in spec.decl.alternatives or []:
            for cite in alternative.cite or []:
                yield f"parameter {name} (alternative)", cite


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (../shared/seeds) are not beside this checkout")
@pytest.mark.parametrize("pack_dir", SHIPPED, ids=lambda p: p.name)
def test_every_quote_is_in_its_source(pack_dir, monkeypatch):
    monkeypatch.setenv(SOURCE_PATH_ENV, str(SEEDS))
    pack = load_pack(pack_dir)
    problems = []
    count = 0
    for where, cite in citations(pack):
        source = pack.sources[cite.source]
        path = locate_source(source.file or "", pack.root)
        if path is None:
            problems.append(f"{where}: source file {source.file!r} not found")
            continue
        count += 1
        if not quote_found(cite.quote, path.read_text(encoding="utf-8")):
            problems.append(f"{where}: quote not found in {source.file}: {cite.quote}")
    assert not problems, "\n".join(problems)
    assert count > 0


def test_the_check_rejects_a_quote_that_is_not_there():
    text = "公司要求全體黨員都必須到所在社區黨組織進行登記"
    assert quote_found("全體黨員都必須 … 進行登記", text)
    assert not quote_found("全体党员都必须", text)  # simplified characters are not the seed's words
    assert not quote_found("進行登記 … 全體黨員", text)  # fragments must be in order
