"""Generate reference sections of the documentation, and the shipped packs' score sheets, from the code.

`python -m engine.authoring.docs` rewrites the generated parts of docs/**/*.md (between
`<!-- generated:NAME -->` and `<!-- end:NAME -->`), the generated files (the Report's JSON Schema,
docs/reference/report.schema.json) and each shipped pack's SCORESHEET.md / SCORESHEET.en.md; the test
suite fails when any is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from engine.expr.functions import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RULES = ROOT / "rules"
MARK = re.compile(r"(<!-- generated:(?P<name>[a-z-]+) -->\n).*?(<!-- end:(?P=name) -->)", re.S)


def functions_table() -> str:
    lines = ["| function | result |", "|---|---|"]
    for name in sorted(REGISTRY):
        function = REGISTRY[name]
        lines.append(f"| `{name}{function.signature}` | {function.summary} |")
    return "\n".join(lines) + "\n"


def _pack_keys() -> str:
    from engine.authoring.reference import pack_keys

    return pack_keys()


def _case_keys() -> str:
    from engine.authoring.reference import case_keys

    return case_keys()


def _profile_keys() -> str:
    from engine.authoring.reference import profile_keys

    return profile_keys()


def _function_reference() -> str:
    from engine.authoring.reference import function_reference

    return function_reference()


def _diagnostics() -> str:
    from engine.authoring.catalog.render import diagnostics_reference

    return diagnostics_reference()


def _api() -> str:
    from engine.authoring.api_reference import api_reference

    return api_reference()


def _report_model() -> str:
    from engine.authoring.report_reference import report_reference

    return report_reference()


SECTIONS = {"functions": functions_table, "pack-keys": _pack_keys, "case-keys": _case_keys,
            "profile-keys": _profile_keys, "function-reference": _function_reference, "diagnostics": _diagnostics,
            "api": _api, "report-model": _report_model}


def generated_files() -> dict[Path, str]:
    """Files the generator writes whole: path -> content."""
    from engine.authoring.report_reference import report_schema_text

    return {DOCS / "reference" / "report.schema.json": report_schema_text()}


def regenerate(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return f"{match.group(1)}{SECTIONS[match.group('name')]()}{match.group(3)}"

    return MARK.sub(replace, text)


def score_sheets() -> dict[Path, str]:
    """The generated score sheet of every shipped pack, by file (zh and en)."""
    from engine.authoring.scoresheet import SHEET_FILES, render_scoresheet
    from engine.pack.build import load_pack

    sheets = {}
    for pack_dir in sorted(p for p in RULES.iterdir() if (p / "pack.yaml").is_file()):
        pack = load_pack(pack_dir)
        for lang, name in SHEET_FILES.items():
            sheets[pack_dir / name] = render_scoresheet(pack, lang, f"rules/{pack_dir.name}")
    return sheets


def stale() -> dict[Path, str]:
    """Generated files whose content differs from what the code generates now: path → new content."""
    found = {}
    for path in sorted(DOCS.rglob("*.md")):
        old = path.read_text(encoding="utf-8")
        new = regenerate(old)
        if new != old:
            found[path] = new
    for path, new in {**generated_files(), **score_sheets()}.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != new:
            found[path] = new
    return found


def main() -> int:
    for path, new in stale().items():
        path.write_text(new, encoding="utf-8")
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
