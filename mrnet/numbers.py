"""Number attributes parsed strictly, as Spark SQL columns: one number or nothing, never a guess.

A text value is a number when, after trimming (Unicode spaces count as spaces), it is exactly:
an optional sign, digits with optional thousands separators in groups of three (or the Indian
lakh grouping, ``9,99,999``), an optional
decimal part, and at most one currency mark of the attribute's ``currency`` (before or after,
e.g. ``£12.50``, ``GBP 1,234``, ``12,50 €`` with ``ingest.decimal: ","``). Anything else — a
second number (``4.5 out of 5``), another currency, a decimal comma where the conf says dots,
an exponent, ``NaN``, ``inf``, a bracketed negative — does not parse and is quarantined as
``bad_number:<attribute>``. A parsed value outside the attribute's ``min`` / ``max``, or with a
fraction when it is ``integer``, is ``bad_range:<attribute>``. A source column that already
has a numeric type is taken as it is (NaN and infinity still do not pass).
"""
from __future__ import annotations

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

from mrnet.configuration.schema import CURRENCIES


def number_pattern(currency: str | None, decimal: str) -> str:
    """The Java regex a number text must match whole: group 1 the integer digits (with
    separators), group 2 the decimal digits."""
    thousands = {"." : ",", ",": "[.\u00a0 ']"}[decimal]
    marks = "|".join(re.escape(m) for m in CURRENCIES[currency]) if currency else ""
    mark = f"(?:{marks})" if marks else "(?!)"
    grouped = rf"[0-9]{{1,3}}(?:{thousands}[0-9]{{3}})+"
    indian = rf"[0-9]{{1,2}}(?:{thousands}[0-9]{{2}})+{thousands}[0-9]{{3}}"   # 9,99,999 (lakh groups)
    number = rf"({grouped}|{indian}|[0-9]+)(?:{re.escape(decimal)}([0-9]+))?"
    return rf"^(?:{mark}\s*)?[+-]?\s*(?:{mark}\s*)?{number}(?:\s*{mark})?$"


def parse_number(text: Column, currency: str | None, decimal: str) -> Column:
    """The number in ``text`` (a string column) as a double; null when it is blank or does not
    parse (tell the two apart with :func:`is_blank`)."""
    spaced = F.trim(F.regexp_replace(text, r"[\s\p{Z}]+", " "))
    pattern = number_pattern(currency, decimal)
    digits = F.regexp_replace(F.regexp_extract(spaced, pattern, 1), "[^0-9]", "")
    fraction = F.regexp_extract(spaced, pattern, 2)
    value = F.concat(digits, F.when(fraction != "", F.concat(F.lit("."), fraction)).otherwise(F.lit("")))
    sign = F.when(F.regexp_replace(spaced, r"[^-]", "") == "-", F.lit(-1.0)).otherwise(F.lit(1.0))
    parsed = value.try_cast("double") * sign
    return F.when(spaced.rlike(pattern), F.when(F.isnan(parsed) | (F.abs(parsed) == float("inf")), None)
                  .otherwise(parsed))


def finite(value: Column) -> Column:
    """A numeric column with NaN and infinities as null."""
    as_double = value.cast("double")
    return F.when(F.isnan(as_double) | (F.abs(as_double) == float("inf")), None).otherwise(as_double)


def is_blank(text: Column) -> Column:
    return text.isNull() | (F.regexp_replace(text, r"[\s\p{Z}\p{Cf}]+", "") == "")


def out_of_range(value: Column, minimum: float | None, maximum: float | None, integer: bool) -> Column:
    """True where a parsed value breaks the attribute's range or integrality; null-safe."""
    bad = F.lit(False)
    if minimum is not None:
        bad = bad | (value < F.lit(float(minimum)))
    if maximum is not None:
        bad = bad | (value > F.lit(float(maximum)))
    if integer:
        bad = bad | (value != F.floor(value))
    return value.isNotNull() & bad
