"""Bytes of a YAML file → text, never mojibake.

UTF-8 (with or without BOM) is the norm. Chinese office software often saves
GBK/GB18030, so such files are decoded when a coding declaration says so, or
when the GB18030 reading is clearly Chinese text (then with a warning). Any
other undecodable file is an `encoding` error pointing at the first bad byte.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections import Counter
from typing import TypeAlias

from engine.errors import ERROR, WARNING, Diagnostic

_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.IGNORECASE)
_GB_FAMILY = {"gbk", "gb2312", "gb18030", "cp936", "euc_cn", "ms936"}
_SAVE_AS_UTF8 = "save the file as UTF-8 (另存为 → 编码: UTF-8)"

# Characters YAML forbids in a stream (YAML 1.1 §5.1, as libyaml checks them).
NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# A GB18030 reading of text that was not GB18030 (Latin-1, binary, UTF-8
# fragments) is full of control characters, private-use code points and rare
# ideographs; Chinese office text is not.
_IMPLAUSIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff\U000f0000-\U0010ffff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_COMMON_SYMBOLS = re.compile(
    "[\u00b0\u00b7\u00d7\u00f7\u2010-\u203f\u2100-\u24ff\u25a0-\u26ff\u3000-\u303f\uff00-\uffef]"
)
_PLAUSIBLE_SHARE = 0.8


def line_starts(text: str) -> list[int]:
    """Index of the first character of every line, with YAML's line breaks."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def position(starts: list[int], index: int) -> tuple[int, int]:
    """1-based (line, col) of character `index`, given `line_starts(text)`."""
    line = bisect.bisect_right(starts, index) - 1
    return line + 1, index - starts[line] + 1


# (the text, or None when it cannot be read; the encoding read or tried; what to tell about it)
Decoded: TypeAlias = tuple[str | None, str, list[Diagnostic]]


def decode_source(data: bytes, file: str) -> Decoded:
    """Decode a YAML file's bytes; returns (text or None on error, encoding, diagnostics)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_bom(data, file, encoding)
    nul = data.find(b"\0")
    if nul >= 0:
        if _looks_like_utf16(data):
            return None, "utf-16", [Diagnostic(  # at its start, where the byte-order mark is missing
                file, 1, 1, ERROR, "encoding",
                "the file looks like UTF-16 without a byte-order mark", _SAVE_AS_UTF8)]
        line, col = _byte_position(data, nul)
        return None, "binary", [Diagnostic(
            file, line, col, ERROR, "encoding", "file contains a NUL byte: it is not a text file", _SAVE_AS_UTF8)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_non_utf8(data, file, exc)
    diagnostics = []
    declared = _declared_encoding(data)
    if declared and _is_gb_family(declared) and not text.isascii():
        diagnostics.append(Diagnostic(
            file, 1, 1, WARNING, "encoding",
            f"the file declares coding '{declared}' but is valid UTF-8; read as UTF-8",
            "remove the coding comment"))
    return text, "utf-8", diagnostics


def _decode_bom(data: bytes, file: str, encoding: str) -> Decoded:
    codec = "utf-8-sig" if encoding == "utf-8-sig" else encoding  # 'utf-16'/'utf-32' read the BOM
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        what = f"is marked as {encoding.upper()} by its byte-order mark but is not"
        return None, encoding, [_undecodable(data, file, exc, what)]
    nul = text.find("\0")
    if nul >= 0:
        line, col = position(line_starts(text), nul)
        return None, encoding, [Diagnostic(file, line, col, ERROR, "encoding",
                                           "file contains a NUL character: it is binary", _SAVE_AS_UTF8)]
    return text, encoding, []


def _decode_non_utf8(data: bytes, file: str, utf8_error: UnicodeDecodeError) -> Decoded:
    declared = _declared_encoding(data)
    if declared:
        codec = _usable_codec(declared)
        if codec is None:
            return None, declared, [Diagnostic(
                file, 1, 1, ERROR, "encoding",
                f"the file is not UTF-8 and declares an unknown or unsupported coding '{declared}'",
                _SAVE_AS_UTF8)]
        try:
            return data.decode(codec), codec, []
        except UnicodeDecodeError as exc:
            return None, codec, [_undecodable(data, file, exc, f"declares coding '{declared}' but is not")]
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_chinese(text):
        return text, "gb18030", [Diagnostic(
            file, 1, 1, WARNING, "encoding",
            "decoded as GB18030, not UTF-8; save the file as UTF-8", _SAVE_AS_UTF8)]
    return None, "unknown", [_undecodable(data, file, utf8_error, "is not")]


def _undecodable(data: bytes, file: str, exc: UnicodeDecodeError, what: str) -> Diagnostic:
    line, col = undecodable_position(exc)
    byte = exc.object[exc.start:exc.start + 1].hex().upper()
    bad = f"byte 0x{byte}" if byte else "the end of the file"
    codec = exc.encoding.upper()
    return Diagnostic(file, line, col, ERROR, "encoding",
                      f"the file {what} valid {codec}: cannot decode {bad} at line {line}, column {col}",
                      _SAVE_AS_UTF8)


def undecodable_position(exc: UnicodeDecodeError) -> tuple[int, int]:
    """1-based (line, col) of the first byte a codec could not decode: the column counts the characters of the
    decodable part of its line, and a byte-order mark counts for none (`exc.object` is what the codec read:
    the bytes after the mark for 'utf-8-sig', with it for 'utf-16' and 'utf-32')."""
    return _byte_position(bytes(exc.object), exc.start, exc.encoding)


def _byte_position(data: bytes, offset: int, codec: str = "utf-8") -> tuple[int, int]:
    """(line, col) of byte `offset`, counting characters of the valid prefix (a leading BOM counts for none)."""
    prefix = data[:offset].decode(codec, errors="replace").removeprefix("\ufeff")
    starts = line_starts(prefix)
    return position(starts, len(prefix))


def _looks_like_utf16(data: bytes) -> bool:
    # ASCII characters (':', spaces, line breaks, keys) leave a NUL in every other byte.
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if max(even, odd) < max(4, 0.2 * (len(data) // 2)) or min(even, odd) > 0.05 * max(even, odd):
        return False
    try:
        text = data.decode("utf-16-be" if even > odd else "utf-16-le")
    except UnicodeDecodeError:
        return False
    return not _IMPLAUSIBLE.search(text)


def _declared_encoding(data: bytes) -> str | None:
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING.match(line)
        if match:
            return match.group(1).decode("ascii").lower()
    return None


def _is_gb_family(name: str) -> bool:
    try:
        return codecs.lookup(name).name.replace("-", "_") in _GB_FAMILY
    except LookupError:
        return False


def _usable_codec(name: str) -> str | None:
    """Codec to read a declared coding with: GB family → gb18030; others only if ASCII-compatible."""
    if _is_gb_family(name):
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
        if "a#: -\n".encode(codec) != b"a#: -\n":  # UTF-16/32 and other non-ASCII-compatible codecs
            return None
    except (LookupError, UnicodeError):
        return None
    return codec


def _plausible_chinese(text: str) -> bool:
    if _IMPLAUSIBLE.search(text):
        return False
    counts = Counter(_NON_ASCII.findall(text))
    total = sum(counts.values())
    common = sum(n for ch, n in counts.items() if _is_common_chinese(ch))
    return total > 0 and common >= _PLAUSIBLE_SHARE * total


def _is_common_chinese(ch: str) -> bool:
    if "\u4e00" <= ch <= "\u9fff":  # ideographs: only the 6763 of GB2312 count as common
        try:
            ch.encode("gb2312")
            return True
        except UnicodeEncodeError:
            return False
    return _COMMON_SYMBOLS.match(ch) is not None
