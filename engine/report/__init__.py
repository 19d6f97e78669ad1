"""Report model and renderers (one module per output format)."""

FORMATS = ("text", "json")


def render(report, fmt: str, lang: str) -> str:
    if fmt == "json":
        from .json_out import render_json

        return render_json(report)
    from .text import render_text

    return render_text(report, lang)
