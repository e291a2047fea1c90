"""CSV records counted from the source, by a splitter a parser cannot fool (plain Python).

A record starts at a line. When the line ends inside a quoted field, the following lines are
joined only while that yields one well-formed record with the header's field count; otherwise
the starting line alone is a malformed record and reading goes on at the next line, so one
unterminated quote costs one record, never the records after it. Blank lines are not records.
Every other line is accounted for: a record, or a malformed one with its reason
(``malformed_record``, ``wrong_field_count``, ``invalid_utf8``, ``repeated_header``), its text and
its line number in the file.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterator

MAX_JOINED_LINES = 1000   # a quoted field may span at most this many lines


@dataclass(frozen=True)
class Record:
    line: int                  # 1-based line of the file where the record starts
    text: str                  # the record as read (invalid bytes backslash-escaped)
    fields: list[str] | None   # None when malformed
    error: str | None = None   # the quarantine reason of a malformed record


def split_records(data: bytes, sep: str = ",", quote: str = '"',
                  max_joined: int = MAX_JOINED_LINES) -> tuple[list[str], Iterator[Record]]:
    """(the header's field names, the records after it) of one CSV file's bytes."""
    lines = [raw[:-1] if raw.endswith(b"\r") else raw for raw in data.split(b"\n")]
    texts = [_decode(raw) for raw in lines]
    start = next((i for i, t in enumerate(texts) if t is not None and t.strip()), None)
    if start is None:
        raise ValueError("the file has no header line")
    header = _parse(texts[start], sep, quote)
    if header is None:
        raise ValueError(f"line {start + 1}: the header does not parse as CSV")
    names = [h.strip() for h in header]
    names[0] = names[0].lstrip("\ufeff")
    return names, _records(lines, texts, start + 1, names, sep, quote, max_joined)


def _records(lines, texts, first: int, header: list[str], sep: str, quote: str,
             max_joined: int) -> Iterator[Record]:
    i = first
    while i < len(texts):
        text = texts[i]
        if text is None:
            yield Record(i + 1, lines[i].decode("utf-8", "backslashreplace"), None, "invalid_utf8")
            i += 1
            continue
        if not text.strip():
            i += 1
            continue
        end = _record_end(texts, i, len(header), sep, quote, max_joined)
        if end is None:
            yield Record(i + 1, text, None, "malformed_record")
            i += 1
            continue
        joined = "\n".join(texts[i:end + 1])
        fields = _parse(joined, sep, quote)
        if fields is None:
            yield Record(i + 1, joined, None, "malformed_record")
        elif len(fields) != len(header):
            yield Record(i + 1, joined, None, "wrong_field_count")
        elif [f.strip() for f in fields] == header:
            yield Record(i + 1, joined, None, "repeated_header")
        else:
            yield Record(i + 1, joined, fields)
        i = end + 1


def _record_end(texts, i: int, n_fields: int, sep: str, quote: str, max_joined: int) -> int | None:
    """The last line of the record starting at line ``i``: ``i`` itself when it does not end
    inside quotes; else the first later line that closes the quote into exactly one record of
    ``n_fields`` fields; None when no such line exists (the start line is malformed)."""
    if not _ends_in_quotes(texts[i], sep, quote):
        return i
    for j in range(i + 1, min(len(texts), i + 1 + max_joined)):
        if texts[j] is None:
            return None
        joined = "\n".join(texts[i:j + 1])
        if not _ends_in_quotes(joined, sep, quote):
            fields = _parse(joined, sep, quote)
            return j if fields is not None and len(fields) == n_fields else None
    return None


def _ends_in_quotes(text: str, sep: str, quote: str) -> bool:
    """Whether ``text`` ends inside a quoted field (a quote opens a field only at its start;
    a doubled quote inside a quoted field is a literal quote)."""
    in_quotes, field_start, k = False, True, 0
    while k < len(text):
        c = text[k]
        if in_quotes:
            if c == quote:
                if k + 1 < len(text) and text[k + 1] == quote:
                    k += 2
                    continue
                in_quotes = False
        elif c == quote and field_start:
            in_quotes = True
        field_start = not in_quotes and c in (sep, "\n")
        k += 1
    return in_quotes


def _parse(text: str, sep: str, quote: str) -> list[str] | None:
    """The fields of exactly one CSV record, or None (bad quoting, or not one record)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=quote,
                               doublequote=True, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
