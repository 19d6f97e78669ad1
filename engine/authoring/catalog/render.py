"""The catalog as Markdown: the generated part of docs/reference/diagnostics.md."""

from __future__ import annotations

from pathlib import PurePosixPath

from engine.authoring.catalog import Area, Catalog, Entry, load_catalog, workspace_files

FENCES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".txt": "text"}


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as '-'."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def _fenced(text: str, language: str) -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{language}", *text.rstrip("\n").split("\n"), fence]


def _file(name: str, text: str) -> list[str]:
    return _fenced(text, FENCES.get(PurePosixPath(name).suffix, "text"))


def workspace() -> list[str]:
    lines = ["## The example workspace", "",
             "Every example starts from this directory: a small pack (`pack/`) with its test cases, and a "
             "profile it assesses. An example changes or adds the files it shows (each example in a directory "
             "of its own) and runs the command shown, in that directory. The test suite runs every example "
             "and checks that the engine prints exactly what is shown (`tests/test_diagnostics_catalog.py`).",
             ""]
    for name, text in workspace_files().items():
        lines += [f"`{name}`:", "", *_file(name, text), ""]
    return lines


def index(catalog: Catalog) -> list[str]:
    lines = ["## Every code", "", "| code | severity | where | what |", "|---|---|---|---|"]
    for code in sorted(catalog.entries):
        entry = catalog.entries[code]
        summary = entry.data.summary.replace("|", "\\|")
        lines.append(f"| [{code}](#{slug(code)}) | {entry.data.severity} | "
                     f"[{entry.area.title}](#{slug(entry.area.title)}) | {summary} |")
    return lines + [""]


def _example(entry: Entry) -> list[str]:
    example = entry.example
    if example is None:
        return [f"No example is run: {entry.data.reason}", ""]
    lines = []
    for name, text in example.files.items():
        if text is None:
            lines += [f"Without `{name}`.", ""]
            continue
        codec = example.saved_as.get(name)
        lines += [f"`{name}`" + (f", saved as {codec} (not UTF-8)" if codec else "") + ":", "", *_file(name, text), ""]
    return lines + [*_fenced(f"$ {entry.command}\n{entry.prints}", "console"), ""]


def _reasons(entry: Entry) -> list[str]:
    if not entry.data.reasons:
        return []
    lines = ["The reason in the message is one of these checks of the compiled rules:", "",
             "| check | what it refuses |", "|---|---|"]
    lines += [f"| `{code}` | {text} |" for code, text in sorted(entry.data.reasons.items())]
    return lines + [""]


def entry_section(entry: Entry) -> list[str]:
    return [f"### {entry.code}", "", f"**{entry.data.severity}** · {entry.data.summary}", "",
            *_example(entry), f"**Fix.** {entry.data.fix}", "", *_reasons(entry)]


def area_section(area: Area, catalog: Catalog) -> list[str]:
    lines = [f"## {area.title}", "", area.intro, ""]
    for entry in catalog.in_area(area):
        lines += entry_section(entry)
    return lines


def diagnostics_reference() -> str:
    catalog = load_catalog()
    lines = [*index(catalog), *workspace()]
    for area in catalog.areas:
        lines += area_section(area, catalog)
    return "\n".join(lines).rstrip("\n") + "\n"
