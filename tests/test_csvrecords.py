"""The CSV record splitter: every line of the source is a record, part of one, blank, or a
malformed record with its reason (plain Python, no Spark). Each case states its outcome."""
from __future__ import annotations

import csv
import io

import pytest

from mrnet.csvrecords import split_records
from mrnet.schemas import REASONS

HEADER = b"\xef\xbb\xbfproduct_id,title,price\r\n"
# (bytes of one or more lines, expected records: (fields or None, error or None) each)
CASES = [
    ("plain", b'1,Plain,2\n', [(["1", "Plain", "2"], None)]),
    ("quoted", b'2,"Quoted, with comma",3\n', [(["2", "Quoted, with comma", "3"], None)]),
    ("crlf", b'3,Windows line,4\r\n', [(["3", "Windows line", "4"], None)]),
    ("blank line", b'\n', []),
    ("crlf blank line", b'\r\n', []),
    ("spaces only line", b'   \n', []),
    ("newline in a quoted field", b'4,"two\nlines",5\n', [(["4", "two\nlines", "5"], None)]),
    ("crlf inside a quoted field", b'5,"two\r\nlines",6\r\n', [(["5", "two\nlines", "6"], None)]),
    ("doubled quotes", b'6,"say ""hi""",7\n', [(["6", 'say "hi"', "7"], None)]),
    ("a quote inside an unquoted field", b'7,5" screen,8\n', [(["7", '5" screen', "8"], None)]),
    ("unterminated quote costs one record",
     b'8,"never closed,9\n9,next,10\n10,"closes here",11\n',
     [(None, "malformed_record"), (["9", "next", "10"], None), (["10", "closes here", "11"], None)]),
    ("unterminated quote at the end of the file", b'11,"open to the end,12\n', [(None, "malformed_record")]),
    ("text after a closing quote", b'12,"a"b,1\n', [(None, "malformed_record")]),
    ("too many fields", b'13,a,b,c\n', [(None, "wrong_field_count")]),
    ("too few fields", b'14,a\n', [(None, "wrong_field_count")]),
    ("an unquoted thousands comma shifts the columns", b'15,Toy,\xc2\xa31,234.56\n', [(None, "wrong_field_count")]),
    ("a repeated header", b'product_id,title,price\n', [(None, "repeated_header")]),
    ("invalid utf-8 (cp1252 pound)", b'16,Price \xa35,1\n', [(None, "invalid_utf8")]),
    ("overlong utf-8", b'17,slash \xc0\xaf,1\n', [(None, "invalid_utf8")]),
    ("a surrogate encoded in utf-8", b'18,\xed\xa0\x80,1\n', [(None, "invalid_utf8")]),
    ("unicode is fine", b'19,\xe2\x82\xac17,99 Caf\xc3\xa9,1\n', [(None, "wrong_field_count")]),
    ("quoted unicode", b'20,"\xe2\x82\xac17,99 Caf\xc3\xa9",1\n', [(["20", "\u20ac17,99 Caf\u00e9", "1"], None)]),
    ("a quoted field that closes into the wrong field count",
     b'21,"opens\nx,y",z,extra\n22,after,1\n', [(None, "malformed_record"), (None, "wrong_field_count"),
                                                 (["22", "after", "1"], None)]),
    ("an empty quoted field", b'23,"",1\n', [(["23", "", "1"], None)]),
]


def _outcomes(data: bytes):
    header, records = split_records(HEADER + data)
    assert header == ["product_id", "title", "price"]
    return [(r.fields, r.error) for r in records]


@pytest.mark.parametrize("name, data, expected", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_line(name, data, expected):
    assert _outcomes(data) == expected


def test_all_cases_in_one_file_keep_their_line_numbers():
    data = b"".join(case[1] for case in CASES)
    header, records = split_records(HEADER + data)
    records = list(records)
    assert [(r.fields, r.error) for r in records] == [o for case in CASES for o in case[2]]
    lines = (HEADER + data).split(b"\n")
    for record in records:   # each record's text starts with the text of its first line
        first = lines[record.line - 1].rstrip(b"\r").decode("utf-8", "backslashreplace")
        assert record.text.startswith(first.split("\n")[0]), record
    assert {r.error for r in records if r.error} <= set(REASONS)


def test_records_equal_the_csv_module_on_a_clean_file():
    rows = [[str(i), f'title "{i}", with\nnewline' if i % 7 == 0 else f"title {i}", f"{i}.5"] for i in range(500)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["product_id", "title", "price"], *rows])
    header, records = split_records(buffer.getvalue().encode())
    assert [r.fields for r in records] == rows


def test_a_file_without_a_header_is_an_error():
    with pytest.raises(ValueError, match="no header"):
        split_records(b"\n \n")
