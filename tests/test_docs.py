"""The documentation's links hold: every relative link of README.md, docs/**/*.md and examples/README.md
names a file that exists, and a link to a heading (`page.md#anchor`, `#anchor`) names a heading of that
page, so the docs index cannot point at missing pages or sections."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt  # rich's Markdown parser: links and headings as GitHub reads them

from engine.authoring.catalog.render import slug

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "examples" / "README.md", *(ROOT / "docs").rglob("*.md")])
MARKDOWN = MarkdownIt("commonmark").enable("table")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, ...


@cache
def tokens(path: Path) -> list:
    return MARKDOWN.parse(path.read_text(encoding="utf-8"))


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link and image of a page (code blocks and code spans hold none)."""
    found = []
    for token in tokens(path):
        for child in token.children or []:
            target = child.attrGet("href") if child.type == "link_open" else child.attrGet("src")
            if child.type in ("link_open", "image") and isinstance(target, str):
                found.append(((token.map or [0])[0] + 1, target))
    return found


@cache
def anchors(path: Path) -> frozenset[str]:
    """The anchors of a page's headings, as GitHub makes them (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    found = set()
    items = tokens(path)
    for opening, inline in zip(items, items[1:], strict=False):
        if opening.type != "heading_open":
            continue
        text = "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))
        base = slug(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def problem(page: Path, target: str) -> str | None:
    """What is wrong with a relative link of a page, or None."""
    address, _, anchor = target.partition("#")
    destination = (page.parent / unquote(address)).resolve() if address else page
    if not destination.exists():
        return "no such file"
    if anchor and destination.suffix == ".md" and unquote(anchor) not in anchors(destination):
        return f"no heading '#{anchor}' in {address or 'this page'}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves(page):
    broken = []
    for number, target in links(page):
        if _EXTERNAL.match(target):
            continue
        found = problem(page, target)
        if found:
            broken.append(f"{page.relative_to(ROOT)}:{number}: {target}: {found}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_index_links_every_page_of_the_docs():
    index = ROOT / "docs" / "README.md"
    linked = {(index.parent / target.partition("#")[0]).resolve() for _, target in links(index)
              if not _EXTERNAL.match(target)}
    pages = {p.resolve() for p in (ROOT / "docs").rglob("*.md") if p != index}
    unlinked = sorted(str(p.relative_to(ROOT)) for p in pages - linked)
    assert not unlinked, f"pages the index does not link: {unlinked}"


def test_the_link_checker_sees_a_broken_link_and_a_missing_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n## Some `code` here\n\n[ok](#some-code-here) [bad](#nope) [gone](missing.md)\n"
                    "```\n[in code](nowhere.md)\n```\n", encoding="utf-8")
    found = {target: problem(page, target) for _, target in links(page)}
    assert found == {"#some-code-here": None, "#nope": "no heading '#nope' in this page", "missing.md": "no such file"}


# -- docs/reference/report.schema.json ---------------------------------------------------------------

def test_a_real_report_is_valid_against_the_published_schema(monkeypatch):
    import json

    import jsonschema
    from typer.testing import CliRunner

    from engine.cli import app

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["--no-config", "profiles/middling-community.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    schema = json.loads((ROOT / "docs" / "reference" / "report.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    report = json.loads(result.stdout)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(schema).iter_errors(report)]
    assert not errors, "\n".join(errors)
    broken = dict(report, results=[dict(report["results"][0], total="high")])
    assert not validator(schema).is_valid(broken)  # the schema does constrain the report
