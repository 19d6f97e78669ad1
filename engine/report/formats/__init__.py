"""One module per output format of a report (text, json, xlsx, html, sarif, junit, markdown)."""
