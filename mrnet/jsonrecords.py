"""JSON-lines records counted from the source (plain Python).

Every non-blank line is a record. A line that is not valid UTF-8 is ``invalid_utf8``; one that
is not exactly one JSON object (cut off, an array, a bare value, ``NaN``, a trailing comma) is
``malformed_record``; one whose strings hold a lone surrogate escape (``"\\ud800"``, text no
UTF-8 can carry) is ``invalid_utf8`` too. Each keeps its text and 1-based line number.
"""
from __future__ import annotations

import json
from typing import Iterator

from mrnet.csvrecords import Record


def split_lines(data: bytes) -> Iterator[Record]:
    """The records of one JSON-lines file's bytes (``fields`` is unused: Spark parses the line)."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield Record(number, raw.decode("utf-8", "backslashreplace"), None, "invalid_utf8")
            continue
        if text.strip():
            yield Record(number, text, None, _line_error(text))


def _line_error(text: str) -> str | None:
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        return "malformed_record"
    if not isinstance(value, dict):
        return "malformed_record"
    return "invalid_utf8" if _has_surrogate(value) else None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_surrogate, value))
    return False
