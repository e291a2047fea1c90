"""A deliberately dirty catalog, as CSV and as JSON lines, with the expected outcome of every row.

Each case is one kind of defect (or of awkward but valid input): the fields of one row, or the
raw bytes of one source line, and what ingest must do with it: keep it (optionally with expected
values) or quarantine it with a reason. Ids are the case's kind, so a test can check every row.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

COLUMNS = ["product_id", "marketplace", "product_group", "title", "description", "price", "rating",
           "reviews"]
NOT_A_RECORD = "not_a_record"   # a blank line: neither kept nor quarantined


@dataclass(frozen=True)
class Case:
    kind: str
    expected: str                              # "kept", a quarantine reason, or NOT_A_RECORD
    fields: dict = field(default_factory=dict)  # overrides of a clean row (ignored when raw)
    raw_csv: bytes | None = None               # the CSV line(s) as bytes, instead of fields
    raw_json: bytes | None = None              # the JSON line as bytes, instead of fields
    values: dict = field(default_factory=dict)  # expected catalog values of a kept row

    def row(self) -> dict:
        clean = {"product_id": self.kind, "marketplace": "uk", "product_group": "toys",
                 "title": f"Wooden toy {self.kind}", "description": "A toy", "price": "£12.50",
                 "rating": "4.5", "reviews": "3"}
        return {**clean, **self.fields}


def _csv(kind: str, line: str) -> bytes:
    return line.replace("{id}", kind).encode("utf-8")


KEPT_CASES = [
    Case("clean", "kept", values={"price": 12.5, "rating": 4.5, "reviews": 3.0}),
    Case("comma_in_quoted_title", "kept", {"title": "Train, wooden"}, values={"title": "Train, wooden"}),
    Case("newline_in_quoted_title", "kept", {"title": "Multi\nline title"}, values={"title": "Multi line title"}),
    Case("doubled_quote_in_title", "kept", {"title": 'The "best" train'}, values={"title": 'The "best" train'}),
    Case("unicode_title", "kept", {"title": "Zug 🚂 汽車 élan"}, values={"title": "Zug 🚂 汽車 élan"}),
    Case("nbsp_inside_title", "kept", {"title": "Wooden\u00a0train\u3000set"}, values={"title": "Wooden train set"}),
    Case("zero_width_inside_title", "kept", {"title": "Wooden\u200btrain"}),
    Case("empty_description", "kept", {"description": ""}),
    Case("price_with_code", "kept", {"price": "GBP 1,234"}, values={"price": 1234.0}),
    Case("price_symbol_after", "kept", {"price": "12.50 £"}, values={"price": 12.5}),
    Case("price_blank", "kept", {"price": ""}, values={"price": None}),
    Case("price_lakh_grouping", "kept", {"price": "9,99,999"}, values={"price": 999999.0}),
    Case("rating_text_nulled", "kept", {"rating": "4.5 out of 5 stars"}, values={"rating": None}),
    Case("rating_out_of_range_nulled", "kept", {"rating": "75"}, values={"rating": None}),
    Case("rating_negative_nulled", "kept", {"rating": "-1"}, values={"rating": None}),
    Case("reviews_fraction_nulled", "kept", {"reviews": "12.5"}, values={"reviews": None}),
    Case("reviews_negative_nulled", "kept", {"reviews": "-1"}, values={"reviews": None}),
    Case("reviews_word_nulled", "kept", {"reviews": "lots"}, values={"reviews": None}),
    Case("markup_in_title", "kept", {"title": "<b>Bold</b> train"}),
    Case("padded_id", "kept", {"product_id": " padded_id "}),
]

QUARANTINED_CASES = [
    Case("empty_id", "empty_id", {"product_id": ""}),
    Case("nbsp_id", "empty_id", {"product_id": "\u00a0", "title": "nbsp id"}),
    Case("tab_id", "empty_id", {"product_id": "\t", "title": "tab id"}),
    Case("ideographic_space_id", "empty_id", {"product_id": "\u3000", "title": "ideographic id"}),
    Case("zero_width_id", "empty_id", {"product_id": "\u200b", "title": "zero width id"}),
    Case("blank_title", "empty_title", {"title": "   "}),
    Case("ideographic_space_title", "empty_title", {"title": "\u3000\u2003"}),
    Case("nbsp_title", "empty_title", {"title": "\u00a0"}),
    Case("zero_width_title", "empty_title", {"title": "\u200b\u200d"}),
    Case("markup_only_title", "empty_title", {"title": "<br>"}),
    Case("entity_only_title", "empty_title", {"title": "&nbsp;"}),
    Case("markup_and_entity_title", "empty_title", {"title": "<p> &#160; </p>"}),
    Case("unknown_group", "unknown_group", {"product_group": "spaceships"}),
    Case("traversal_group", "unknown_group", {"product_group": "../../../../victim"}),
    Case("unknown_marketplace", "unknown_marketplace", {"marketplace": "de"}),
    Case("control_char_title", "invalid_text", {"title": "Bell \x07 ringing"}),
    Case("title_too_long", "title_too_long", {"title": "long " * 30}),
    Case("duplicate_id", "duplicate_id", {"product_id": "clean", "title": "Wooden toy clean (again)"}),
    Case("price_word", "bad_number:price", {"price": "twelve"}),
    Case("price_euro", "bad_number:price", {"price": "€17,99"}),
    Case("price_dollar", "bad_number:price", {"price": "$5"}),
    Case("price_parenthesised", "bad_number:price", {"price": "(£5.00)"}),
    Case("price_overflow", "bad_number:price", {"price": "1e308"}),
    Case("price_infinity", "bad_number:price", {"price": "inf"}),
    Case("price_nan", "bad_number:price", {"price": "NaN"}),
    Case("price_two_numbers", "bad_number:price", {"price": "4.5 out of 5"}),
    Case("price_two_dots", "bad_number:price", {"price": "12.5.1"}),
    Case("price_decimal_comma", "bad_number:price", {"price": "£1,23"}),
    Case("price_nbsp_grouping", "bad_number:price", {"price": "£1\u00a0234"}),
    Case("price_negative", "bad_range:price", {"price": "-3"}),
    Case("price_too_large", "bad_range:price", {"price": "£2,000,000"}),
]

CSV_ONLY_CASES = [
    Case("crlf_line_end", "kept", raw_csv=_csv("crlf_line_end", '{id},uk,toys,Crlf toy,A toy,£2,4,1\r\n'),
         values={"title": "Crlf toy", "price": 2.0}),
    Case("unquoted_grouped_price", "wrong_field_count",
         raw_csv=_csv("unquoted_grouped_price", "{id},uk,toys,Toy,A toy,£1,234.56,4,1\n")),
    Case("too_few_fields", "wrong_field_count", raw_csv=_csv("too_few_fields", "{id},uk,toys,Toy\n")),
    Case("too_many_fields", "wrong_field_count", raw_csv=_csv("too_many_fields", "{id},uk,toys,T,d,1,2,3,4,5\n")),
    Case("unterminated_quote", "malformed_record",
         raw_csv=_csv("unterminated_quote", '{id},uk,toys,"Unterminated title,A toy,1,4,1\n')),
    Case("stray_quote_mid_field", "malformed_record",
         raw_csv=_csv("stray_quote_mid_field", '{id},uk,toys,"Quoted" tail,A toy,1,4,1\n')),
    Case("invalid_utf8_latin1", "invalid_utf8", raw_csv=b"invalid_utf8_latin1,uk,toys,Caf\xe9 cr\xe8me,,3,4,1\n"),
    Case("invalid_utf8_overlong", "invalid_utf8", raw_csv=b"invalid_utf8_overlong,uk,toys,Slash \xc0\xaf,,3,4,1\n"),
    Case("invalid_utf8_cp1252_pound", "invalid_utf8", raw_csv=b"invalid_utf8_cp1252_pound,uk,toys,Toy,,\xa35,4,1\n"),
    Case("invalid_utf8_surrogate", "invalid_utf8", raw_csv=b"invalid_utf8_surrogate,uk,toys,T \xed\xa0\x80,,3,4,1\n"),
    Case("invalid_utf8_truncated", "invalid_utf8", raw_csv=b"invalid_utf8_truncated,uk,toys,T \xe2\x82,,3,4,1\n"),
    Case("repeated_header", "repeated_header", raw_csv=(",".join(COLUMNS) + "\n").encode()),
    Case("blank_line", NOT_A_RECORD, raw_csv=b"\n"),
    Case("crlf_blank_line", NOT_A_RECORD, raw_csv=b"\r\n"),
]

JSON_ONLY_CASES = [
    Case("json_crlf_line_end", "kept", raw_json=b'{"product_id": "json_crlf_line_end", "marketplace": "uk", '
         b'"product_group": "toys", "title": "Crlf toy", "price": "\xc2\xa32"}\r', values={"title": "Crlf toy", "price": 2.0}),
    Case("json_number_price", "kept", raw_json=b'{"product_id": "json_number_price", "marketplace": "uk", '
         b'"product_group": "toys", "title": "Typed price", "price": 7.25}', values={"price": 7.25}),
    Case("json_escaped_unicode", "kept", raw_json=b'{"product_id": "json_escaped_unicode", "marketplace": "uk", '
         b'"product_group": "toys", "title": "Caf\\u00e9 cr\\u00e8me"}', values={"title": "Café crème"}),
    Case("json_missing_title", "empty_title",
         raw_json=b'{"product_id": "json_missing_title", "marketplace": "uk", "product_group": "toys"}'),
    Case("json_null_title", "empty_title", raw_json=b'{"product_id": "json_null_title", "marketplace": "uk", '
         b'"product_group": "toys", "title": null}'),
    Case("json_cut_off", "malformed_record", raw_json=b'{"product_id": "json_cut_off", "title": "cut'),
    Case("json_not_json", "malformed_record", raw_json=b"not json at all"),
    Case("json_array_line", "malformed_record", raw_json=b'["json_array_line", "uk", "toys"]'),
    Case("json_bare_string", "malformed_record", raw_json=b'"json_bare_string"'),
    Case("json_bare_number", "malformed_record", raw_json=b"42"),
    Case("json_trailing_comma", "malformed_record", raw_json=b'{"product_id": "json_trailing_comma",}'),
    Case("json_nan_literal", "malformed_record", raw_json=b'{"product_id": "json_nan_literal", "marketplace": '
         b'"uk", "product_group": "toys", "title": "Nan", "price": NaN}'),
    Case("json_invalid_utf8", "invalid_utf8", raw_json=b'{"product_id": "json_invalid_utf8", "marketplace": "uk", '
         b'"product_group": "toys", "title": "Caf\xe9"}'),
    Case("json_overlong_utf8", "invalid_utf8", raw_json=b'{"product_id": "json_overlong_utf8", "marketplace": '
         b'"uk", "product_group": "toys", "title": "Slash \xc0\xaf"}'),
    Case("json_lone_surrogate", "invalid_utf8", raw_json=b'{"product_id": "json_lone_surrogate", "marketplace": '
         b'"uk", "product_group": "toys", "title": "Half \\ud800 pair"}'),
    Case("json_blank_line", NOT_A_RECORD, raw_json=b""),
    Case("json_crlf_blank_line", NOT_A_RECORD, raw_json=b"\r"),
]

SHARED_CASES = KEPT_CASES + QUARANTINED_CASES


def csv_cases() -> list[Case]:
    return SHARED_CASES + CSV_ONLY_CASES


def json_cases() -> list[Case]:
    return SHARED_CASES + JSON_ONLY_CASES


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\n\r') or value != value.strip(" "):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(path, cases: list[Case]) -> dict[str, int]:
    """The header (after a UTF-8 BOM, as spreadsheet exports have it), then one record per case;
    returns each case's first line in the file."""
    out = bytearray("\ufeff".encode() + (",".join(COLUMNS) + "\n").encode())
    lines, line = {}, 2
    for case in cases:
        record = case.raw_csv if case.raw_csv is not None else \
            (",".join(_csv_field(case.row()[c]) for c in COLUMNS) + "\n").encode("utf-8")
        lines[case.kind], line = line, line + record.count(b"\n")
        out += record
    path.write_bytes(bytes(out))
    return lines


def write_json_lines(path, cases: list[Case]) -> dict[str, int]:
    lines = [case.raw_json if case.raw_json is not None
             else json.dumps(case.row(), ensure_ascii=False).encode("utf-8") for case in cases]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return {case.kind: number for number, case in enumerate(cases, start=1)}


def expected_records(cases: list[Case]) -> int:
    return sum(case.expected != NOT_A_RECORD for case in cases)
