"""Plain-text tables that stay aligned with Chinese (double-width) characters."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Terminal columns: East Asian wide and fullwidth characters take two."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def truncate(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, size: int, align: str = "left") -> str:
    gap = max(0, size - width(text))
    return (" " * gap + text) if align == "right" else (text + " " * gap)


def render_table(headers: list[str], rows: list[list[str]], aligns: list[str] | None = None,
                 max_widths: list[int | None] | None = None) -> str:
    aligns = aligns or ["left"] * len(headers)
    max_widths = max_widths or [None] * len(headers)
    cells = [[truncate(c, m) if m else c for c, m in zip(row, max_widths, strict=True)] for row in rows]
    sizes = [width(h) for h in headers]
    for row in cells:
        for index, cell in enumerate(row):
            sizes[index] = max(sizes[index], width(cell))
    line = "  ".join("─" * size for size in sizes)
    out = ["  ".join(pad(h, s, a) for h, s, a in zip(headers, sizes, aligns, strict=True)).rstrip(), line]
    for row in cells:
        out.append("  ".join(pad(c, s, a) for c, s, a in zip(row, sizes, aligns, strict=True)).rstrip())
    return "\n".join(out)
