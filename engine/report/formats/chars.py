"""The one rule for characters a report file cannot carry.

A profile can hold any character a YAML escape can write ("\\uFFFE", "\\x01",
"\\x85"), and a pack any its author typed. XML 1.0 — the sheets of an xlsx
workbook, JUnit — allows only tab, line feed, carriage return, U+0020–U+D7FF,
U+E000–U+FFFD and U+10000–U+10FFFF; HTML also counts the C1 controls
(U+007F–U+009F) and the noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF) as
errors, and a form feed is no XML. Every XML, HTML and SARIF writer passes its
texts through `shown`: each such character becomes U+FFFD (�), the
replacement character. The file stays valid in Excel, WPS, CI viewers and
browsers, and a reader still sees that a character was there (dropping it
would silently join the text around it, and make two names one).
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_PLANE_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                               for plane in range(1, 17))
NOT_SHOWN = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\U00010000-\U0010ffff]"  # outside XML 1.0 and HTML
    f"|[{_PLANE_NONCHARACTERS}]"  # U+1FFFE … U+10FFFF: XML allows them, HTML does not
)


def shown(text: str) -> str:
    """`text` with every character no XML or HTML file may hold replaced by U+FFFD."""
    return NOT_SHOWN.sub(REPLACEMENT, text)


def shown_all(value: Any) -> Any:
    """`shown` applied to every text in JSON-like data (dicts, lists, strings; keys included)."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {shown_all(key): shown_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown_all(item) for item in value]
    return value
