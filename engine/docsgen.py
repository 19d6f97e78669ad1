"""Generate reference sections of the documentation from the code.

`python -m engine.docsgen` rewrites the generated parts of docs/*.md; the
test suite fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .expr.functions import REGISTRY

DOCS = Path(__file__).resolve().parent.parent / "docs"
MARK = re.compile(r"(<!-- generated:(?P<name>[a-z-]+) -->\n).*?(<!-- end:(?P=name) -->)", re.S)


def functions_table() -> str:
    lines = ["| function | result |", "|---|---|"]
    for name in sorted(REGISTRY):
        function = REGISTRY[name]
        lines.append(f"| `{name}{function.signature}` | {function.summary} |")
    return "\n".join(lines) + "\n"


SECTIONS = {"functions": functions_table}


def regenerate(text: str) -> str:
    def replace(match: re.Match) -> str:
        return match.group(1) + SECTIONS[match.group("name")]() + match.group(3)

    return MARK.sub(replace, text)


def main() -> int:
    changed = 0
    for path in sorted(DOCS.glob("*.md")):
        old = path.read_text(encoding="utf-8")
        new = regenerate(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed += 1
            print(f"updated {path}")
    return 0 if changed >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
