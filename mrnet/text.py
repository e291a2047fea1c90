"""The one tokenizer of the project.

Every component that turns a product title into tokens (the corpus job, the
TF-IDF labels, training and the scoring UDF) calls :func:`tokenize` /
:func:`tokenize_many` from this module, unchanged, so that the vocabulary seen
at training time is exactly the vocabulary seen at scoring time.

API
---
``tokenize(text) -> list[str]``
    Tokens of one title. ``None`` / ``""`` / NaN give ``[]``.
``tokenize_many(texts) -> list[list[str]]``
    Same as ``[tokenize(t) for t in texts]`` (any iterable, a pandas Series
    included; missing values give ``[]``), with less per-call overhead; this is
    the path for Arrow / pandas batches.
``title_hash(title) -> str``
    16 hex chars (blake2b, 8-byte digest) of the title after NFC normalisation
    and whitespace collapsing (runs of whitespace *and* control characters
    become one space, ends stripped). Case and punctuation are kept, so it
    identifies the title text, not its token list. ``None`` / blank -> ``""``.

Tokenization rules, applied in this order
-----------------------------------------
1. HTML: tags (``<b>``, ``</b>``, ``<br/>``, ``<!-- ... -->``; a ``<`` must be
   followed by a letter, ``/`` or ``!`` to count as a tag, so ``size < 5``
   survives) are replaced by a space; entities are decoded with
   :func:`html.unescape` (twice, for double-escaped ``&amp;quot;``), then
   tags are stripped once more (those revealed by decoding or by the first
   pass, e.g. ``<<b>b>``).
2. Unicode: NFC normalisation (decomposed and precomposed input give the same
   tokens), then ``str.casefold`` (``ß`` -> ``ss``), then NFC again.  Accents
   are kept (``crème`` stays ``crème``).  Soft hyphen, zero-width
   (non-)joiners, word joiner and BOM are deleted; zero-width space is a
   space; ``×`` (multiplication sign) becomes ``x``.  ASCII titles skip all of
   this and are only lower-cased (same result, faster).
3. Apostrophes (``'`` ``’`` ``‘`` ``ʼ`` `````` ``´``):
   * first, French elisions are dropped with their apostrophe when they start
     a word and a word character follows: ``l' d' j' qu' n' s' c' m' t'`` and
     ``jusqu' lorsqu' puisqu' quoiqu'`` (``l'armoire`` -> ``armoire``,
     ``d’eau`` -> ``eau``, ``L'Oréal`` -> ``oréal``);
   * then the English possessive ``'s`` ending a word is dropped:
     ``women's`` -> ``women``;
   * any other apostrophe between two word characters is deleted
     (``don't`` -> ``dont``, ``O'Neill`` -> ``oneill``); the rest are
     punctuation.
4. Numbers: a comma between two digits is a decimal point (``1,5`` -> ``1.5``);
   a ``.`` between two digits stays inside the token (``1.5``, ``v1.2``).
   Thousands separators are not special (``1,000`` -> ``1.000``).
5. Units: a stand-alone number followed by a unit word, with only
   non-word characters (spaces, control characters, punctuation) in between,
   is joined into one token: ``500 ml`` / ``500-ml`` -> ``500ml``, ``4 K`` ->
   ``4k``, ``1,5 L`` -> ``1.5l``.  Units: ml l cl dl g kg mg cm mm m inch
   oz lb lbs ft w kw kwh wh v mah ah gb tb mb hz khz mhz ghz k.
   ``in`` joins only when already attached (``55in``): the spaced form is too
   ambiguous ("5 in 1", "13 in blue").  Number+letters written together stay
   one token whatever they are (``500ml``, ``4k``, ``3xl``, ``2x3``,
   ``a4``, ``usb3``).
6. Tokens are maximal runs of word characters (Unicode letters, digits and
   combining marks, so Indic scripts are not cut at their vowel signs; ``_``
   is punctuation), plus ``.`` between digits.  Everything else, hyphens
   included, separates tokens and is dropped: ``anti-viral`` -> ``anti``,
   ``viral``; ``55"`` -> ``55``; ``100%`` -> ``100``; ``C++`` -> ``c``;
   ``&`` -> nothing.  Control characters are separators like whitespace.
   Numbers are ordinary tokens; no stop words are removed.

The result is deterministic and idempotent:
``tokenize(" ".join(tokenize(x))) == tokenize(x)``.

Implementation
--------------
Everything is done with precompiled regular expressions and C-level ``str``
methods; there is no per-character (nor per-token) Python loop.  The cleaning
regexes turn a title into a string whose only whitespace separates tokens, and
``str.split()`` cuts it.  :func:`tokenize_many` joins a chunk of titles with
the record separator ``\x1e`` (a control character, hence whitespace for the
rules; occurrences inside titles are replaced by a space first), runs every
regex once over the joined string and splits it back, which removes most of
the per-title call overhead.  Every rule stops at ``\x1e`` exactly as it stops
at the ends of a string, so the batch path gives the same tokens as
:func:`tokenize` (the tests check it).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["tokenize", "tokenize_many", "title_hash", "UNITS"]


def _mark_class() -> str:
    """Character-class body listing the combining marks (M*) of the BMP."""
    cat = unicodedata.category
    parts: list[str] = []
    start = None
    # BMP only: a class reaching past U+FFFF cannot be compiled to a bitmap
    # by ``re`` and makes every regex below several times slower.
    for cp in range(0x0300, 0x10000):
        if cat(chr(cp))[0] == "M":
            if start is None:
                start = cp
        elif start is not None:
            parts.append(f"\\u{start:04x}-\\u{cp - 1:04x}")
            start = None
    return "".join(parts)


_SEP = "\x1e"  # joins the titles of a batch; never kept inside a title
_M = _mark_class()
_W = r"\w" + _M  # word characters ("_" is replaced by a space beforehand)

#: Unit words joined to a preceding stand-alone number ("500 ml" -> "500ml").
UNITS: tuple[str, ...] = (
    "ml", "l", "cl", "dl", "g", "kg", "mg", "cm", "mm", "m", "inch",
    "oz", "lb", "lbs", "ft", "w", "kw", "kwh", "wh", "v", "mah", "ah",
    "gb", "tb", "mb", "hz", "khz", "mhz", "ghz", "k",
)

_APOS = "'’‘ʼ`´"

# (old, new) literal replacements for non-ASCII text (str.replace is C-fast).
_REPLACE = (
    ("\u00ad", ""),  # soft hyphen
    ("\u200b", " "),  # zero-width space
    ("\u200c", ""),  # zero-width non-joiner
    ("\u200d", ""),  # zero-width joiner
    ("\u2060", ""),  # word joiner
    ("\ufeff", ""),  # BOM / zero-width no-break space
    ("\u00d7", "x"),  # multiplication sign: 2×3 -> 2x3
)

# Performance note: ``re`` scans fastest for a pattern that starts with a
# literal or a character class, so the context checks below are written as
# look-behinds placed *after* that first item instead of in front of it.
# No pattern may match across _SEP.
_TAG_RE = re.compile(f"<(?:!--[^{_SEP}]*?-->|[/!]?[A-Za-z][^<>{_SEP}]*>)")
_STRAY_MARK_RE = re.compile(f"[{_M}](?<![{_W}][{_M}])[{_M}]*")
_APOS_ANY_RE = re.compile(f"[{_APOS}]")
# l' d' j' n' s' c' m' t' qu' jusqu' lorsqu' puisqu' quoiqu' at a word start
_ELISION_RE = re.compile(
    f"[jlpqdnscmt](?<![{_W}].)"
    f"(?:(?<=j)usqu|(?<=l)orsqu|(?<=p)uisqu|(?<=q)uoiqu|(?<=q)u|(?<=[ldjnscmt]))"
    f"[{_APOS}](?=[{_W}])"
)
# after a word character: 's ending a word (women's -> women), or an
# apostrophe inside a word (don't -> dont)
_APOS_IN_WORD_RE = re.compile(f"[{_APOS}](?<=[{_W}].)(?:s(?![{_W}])|(?=[{_W}]))")
# 1,5 -> 1.5
_DECIMAL_COMMA_RE = re.compile(r",(?<=\d.)(?=\d)")
# stand-alone number, non-word separator, unit word -> number+unit
_UNIT_JOIN_RE = re.compile(
    f"(\\d(?<![{_W}]\\d)\\d*(?:\\.\\d+)*)[^{_W}{_SEP}]+"
    f"({'|'.join(sorted(UNITS, key=lambda u: (-len(u), u)))})(?![{_W}])"
)
# Everything that is not part of a token becomes a space: runs of non-word
# characters except a single "." between two digits (kept: 1.5, v1.2).
# (Whitespace is left alone: str.split() and re's \s agree on what it is, and
# _SEP is whitespace.)
_NON_TOKEN_RE = re.compile(f"[^{_W}.\\s]+|\\.(?!(?<=\\d\\.)\\d)")
_HASH_WS_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")

_nfc = unicodedata.normalize


def _clean(s: str) -> str:
    """Apply all rules to ``s`` (one title, or titles joined by _SEP).

    Returns a string whose whitespace-separated words are the tokens.
    """
    # Each step is a no-op on a title its guard would skip, so applying it to
    # a joined batch gives the same result as applying it title by title.
    if "<" in s:
        s = _TAG_RE.sub(" ", s)
    if "&" in s:
        s = html.unescape(s)
        if "&" in s:  # double-escaped: &amp;quot;
            s = html.unescape(s)
    if "<" in s:  # tags revealed by unescaping or by the first pass
        s = _TAG_RE.sub(" ", s)
    if "_" in s:
        s = s.replace("_", " ")
    ascii_only = s.isascii()
    if ascii_only:
        s = s.lower()
    else:
        s = _nfc("NFC", s)
        for old, new in _REPLACE:
            if old in s:
                s = s.replace(old, new)
        s = _STRAY_MARK_RE.sub("", s.casefold())
    if _APOS_ANY_RE.search(s) is not None:
        s = _ELISION_RE.sub("", s)
        s = _APOS_IN_WORD_RE.sub("", s)
    if "," in s:
        s = _DECIMAL_COMMA_RE.sub(".", s)
    s = _UNIT_JOIN_RE.sub(r"\1\2", s)
    if not ascii_only:
        # NFC last: deleting an apostrophe may put a letter next to a
        # combining mark; the output must be what a second pass would see.
        s = _nfc("NFC", s)
    return _NON_TOKEN_RE.sub(" ", s)


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN
    except (TypeError, ValueError):  # pandas.NA and friends
        return True


def _as_str(x: object) -> str:
    """``x`` as a title string; missing values (None, NaN, pd.NA) -> ""."""
    if isinstance(x, str):
        return x
    if isinstance(x, (bytes, bytearray)):
        return bytes(x).decode("utf-8", "replace")
    if _missing(x):
        return ""
    raise TypeError(f"expected str or None, got {type(x).__name__}")


def tokenize(text: str | None) -> list[str]:
    """Tokens of one title (see the module docstring for the rules)."""
    if type(text) is not str:
        text = _as_str(text)
    if not text:
        return []
    if _SEP in text:
        text = text.replace(_SEP, " ")
    return _clean(text).split()


_CHUNK = 2048  # titles per joined string in tokenize_many


def _tokenize_chunk(chunk: list) -> list[list[str]]:
    try:
        joined = _SEP.join(chunk)
    except TypeError:  # None / NaN / bytes somewhere in the chunk
        chunk = [t if type(t) is str else _as_str(t) for t in chunk]
        joined = _SEP.join(chunk)
    if joined.count(_SEP) != len(chunk) - 1:  # a title contains _SEP itself
        joined = _SEP.join([t.replace(_SEP, " ") for t in chunk])
    return [piece.split() for piece in _clean(joined).split(_SEP)]


def tokenize_many(texts: Iterable[str | None]) -> list[list[str]]:
    """``[tokenize(t) for t in texts]``, faster; accepts a pandas Series."""
    if not isinstance(texts, list):
        if isinstance(texts, (str, bytes)):
            raise TypeError("tokenize_many expects an iterable of titles")
        if hasattr(texts, "tolist"):  # pandas Series / numpy array
            texts = texts.tolist()
        elif hasattr(texts, "to_pylist"):  # pyarrow Array / ChunkedArray
            texts = texts.to_pylist()
        else:
            texts = list(texts)
    n = len(texts)
    if n <= _CHUNK:
        return _tokenize_chunk(texts) if n else []
    out: list[list[str]] = []
    for i in range(0, n, _CHUNK):
        out += _tokenize_chunk(texts[i : i + _CHUNK])
    return out


def title_hash(title: str | None) -> str:
    """Stable 16-hex-char digest of the NFC, whitespace-collapsed title."""
    if type(title) is not str:
        title = _as_str(title)
    if not title:
        return ""
    s = _HASH_WS_RE.sub(" ", _nfc("NFC", title)).strip()
    if not s:
        return ""
    return hashlib.blake2b(s.encode("utf-8"), digest_size=8).hexdigest()
