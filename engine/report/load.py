"""Read a saved JSON report back into the Report model (for `assess render`).

Every problem is a diagnostic with the file, line and column of the JSON
value concerned: invalid JSON, a file that is not a report, a report of
another schema version, a field the model does not accept.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from pydantic import ValidationError

from engine.errors import Diagnostic, InputError
from engine.report.model import SCHEMA_VERSION, Report
from engine.source.load import read_file

REGENERATE = "re-create it with this engine: assess PROFILE --format json --output FILE"
_BLANK = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()

JsonPath = tuple[str | int, ...]  # keys and list indexes from the document's root


def load_report(path: str | Path, shown: str | None = None) -> Report:
    file = shown or str(path)
    try:
        data = read_file(path, file)  # a FIFO or a device is refused, never waited on
    except InputError as exc:  # the code word `io` and the wording of this command, as before
        message = exc.diagnostics[0].message.replace("file not found", "No such file or directory")
        raise InputError([Diagnostic(file, 0, 0, "error", "io", f"cannot read the report: {message}",
                                     hint=exc.diagnostics[0].hint)]) from None
    return parse_report(data, file)


def parse_report(data: bytes, file: str) -> Report:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start].decode("utf-8", "replace")
        line, col = _position(before, len(before))
        raise InputError([Diagnostic(file, line, col, "error", "encoding", "a JSON report is UTF-8 text",
                                     hint=REGENERATE)]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Diagnostic(file, exc.lineno, exc.colno, "error", "json", f"invalid JSON: {exc.msg}")]) \
            from None
    positions = JsonPositions(text)
    if not isinstance(document, dict) or "results" not in document:
        raise InputError([Diagnostic(file, *positions.at(()), "error", "not-a-report",
                                     "not an assessment report (no 'results')", hint=REGENERATE)])
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        where = positions.at(("schema_version",)) if "schema_version" in document else positions.at(())
        said = "has no schema_version" if version is None else f"has schema version {version!r}"
        raise InputError([Diagnostic(file, *where, "error", "report-schema-version",
                                     f"the report {said}; this engine reads schema version {SCHEMA_VERSION!r}",
                                     hint=REGENERATE)])
    try:
        return Report.model_validate(document)
    except ValidationError as exc:
        diagnostics = []
        for error in exc.errors(include_url=False):
            loc: JsonPath = tuple(error.get("loc", ()))
            shown = ".".join(str(p) for p in loc) or "(report)"
            diagnostics.append(Diagnostic(file, *positions.at(loc), "error", "report-invalid",
                                          f"{shown}: {error.get('msg', 'invalid')}"))
        raise InputError(diagnostics) from None


class JsonPositions:
    """(line, col) of every value of a JSON text, by path; an absent path gives its nearest parent."""

    def __init__(self, text: str):
        self.text = text
        self.offsets: dict[JsonPath, int] = {}
        with contextlib.suppress(ValueError, IndexError):  # positions are a help: never fail on them
            self._value(self._skip(0), ())

    def at(self, path: JsonPath) -> tuple[int, int]:
        path = tuple(path)
        for length in range(len(path), -1, -1):
            offset = self.offsets.get(path[:length])
            if offset is not None:
                return _position(self.text, offset)
        return 1, 1

    def _value(self, i: int, path: JsonPath) -> int:
        self.offsets[path] = i
        c = self.text[i]
        if c == "{":
            return self._object(i + 1, path)
        if c == "[":
            return self._array(i + 1, path)
        return _DECODER.raw_decode(self.text, i)[1]  # a string, number, true, false or null: where it ends

    def _object(self, i: int, path: JsonPath) -> int:
        i = self._skip(i)
        if self.text[i] == "}":
            return i + 1
        while True:
            key, i = _DECODER.raw_decode(self.text, i)
            i = self._skip(self._skip(i) + 1)  # past ':'
            i = self._skip(self._value(i, path + (key,)))
            if self.text[i] == "}":
                return i + 1
            i = self._skip(i + 1)  # past ','

    def _array(self, i: int, path: JsonPath) -> int:
        i = self._skip(i)
        if self.text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = self._skip(self._value(i, path + (index,)))
            index += 1
            if self.text[i] == "]":
                return i + 1
            i = self._skip(i + 1)

    def _skip(self, i: int) -> int:
        blank = _BLANK.match(self.text, i)  # always matches, if only the empty string
        return blank.end() if blank is not None else i


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
