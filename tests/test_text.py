"""Tests of mrnet.text, the project's one tokenizer (no Spark, fast)."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from mrnet.text import UNITS, title_hash, tokenize, tokenize_many

# (title, exact expected tokens): English and French product titles.
TITLES = [
    (
        "Lloyd 1.5 Ton 3 Star Inverter Split AC (5 In 1 Convertible, Copper, "
        "2023 Model, White)",
        ["lloyd", "1.5", "ton", "3", "star", "inverter", "split", "ac", "5", "in",
         "1", "convertible", "copper", "2023", "model", "white"],
    ),
    (
        "Crème hydratante pour le visage 500 ml – L'Oréal",
        ["crème", "hydratante", "pour", "le", "visage", "500ml", "oréal"],
    ),
    (
        "Chaise de l'armoire en bois, taille XL",
        ["chaise", "de", "armoire", "en", "bois", "taille", "xl"],
    ),
    (
        # 55&quot; -> 55" -> the inch mark is punctuation: "55"
        "<b>Samsung</b> 55&quot; 4K UHD Smart TV",
        ["samsung", "55", "4k", "uhd", "smart", "tv"],
    ),
    (
        "Women's Running Shoes - Size 8",
        ["women", "running", "shoes", "size", "8"],
    ),
    (
        "Lot de 2 bouteilles d’eau 1,5L",
        ["lot", "de", "2", "bouteilles", "eau", "1.5l"],
    ),
    (
        "Apple iPhone 15 Pro (256 GB) - Natural Titanium",
        ["apple", "iphone", "15", "pro", "256gb", "natural", "titanium"],
    ),
    (
        "Sèche-cheveux ionique 2200 W avec diffuseur, qu'il soit bouclé ou lisse",
        ["sèche", "cheveux", "ionique", "2200w", "avec", "diffuseur", "il", "soit",
         "bouclé", "ou", "lisse"],
    ),
    (
        "Nutella Pâte à tartiner 750 g – pot en verre",
        ["nutella", "pâte", "à", "tartiner", "750g", "pot", "en", "verre"],
    ),
    (
        "Men's T-Shirt Slim Fit 100% Cotton, XXL, Pack of 3",
        ["men", "t", "shirt", "slim", "fit", "100", "cotton", "xxl", "pack", "of",
         "3"],
    ),
    (
        "Câble USB-C vers Lightning 2 m, charge rapide 20W",
        ["câble", "usb", "c", "vers", "lightning", "2m", "charge", "rapide", "20w"],
    ),
    (
        "Batterie externe 10000 mAh, 2 ports USB, compatible iPhone & Android",
        ["batterie", "externe", "10000mah", "2", "ports", "usb", "compatible",
         "iphone", "android"],
    ),
    (
        "Gâteau d'anniversaire jusqu’à 12 parts – moule 24 cm",
        ["gâteau", "anniversaire", "à", "12", "parts", "moule", "24cm"],
    ),
    (
        "Tapis de yoga antidérapant 183 x 61 cm, épaisseur 6mm",
        ["tapis", "de", "yoga", "antidérapant", "183", "x", "61cm", "épaisseur",
         "6mm"],
    ),
    (
        "Kingston 32GB microSDXC Canvas Select Plus 100MB/s",
        ["kingston", "32gb", "microsdxc", "canvas", "select", "plus", "100mb", "s"],
    ),
    (
        "LG 65\" OLED evo C3 4K Smart TV (2023) &amp; ThinQ AI",
        ["lg", "65", "oled", "evo", "c3", "4k", "smart", "tv", "2023", "thinq",
         "ai"],
    ),
    (
        "Aspirateur sans fil Dyson V15 Detect – 0,76 L",
        ["aspirateur", "sans", "fil", "dyson", "v15", "detect", "0.76l"],
    ),
    (
        "Tente de camping 4 places, 2,5 kg, imperméable 3000mm",
        ["tente", "de", "camping", "4", "places", "2.5kg", "imperméable", "3000mm"],
    ),
    (
        "Kid's Ride-On Car 12V Battery, 2x3 ft",
        ["kid", "ride", "on", "car", "12v", "battery", "2x3", "ft"],
    ),
    (
        "Stanley Quencher H2.0 FlowState Tumbler 40 oz",
        ["stanley", "quencher", "h2.0", "flowstate", "tumbler", "40oz"],
    ),
    (
        "L’Oréal Paris Elseve Shampooing 250ml d'huile extraordinaire",
        ["oréal", "paris", "elseve", "shampooing", "250ml", "huile",
         "extraordinaire"],
    ),
    (
        "Philips Hue White & Color Ambiance E27 – 9 W, lot de 3",
        ["philips", "hue", "white", "color", "ambiance", "e27", "9w", "lot", "de",
         "3"],
    ),
]


@pytest.mark.parametrize("title,expected", TITLES, ids=[t[:30] for t, _ in TITLES])
def test_titles_exact_tokens(title, expected):
    assert tokenize(title) == expected


@pytest.mark.parametrize("title,expected", TITLES, ids=[t[:30] for t, _ in TITLES])
def test_idempotent_on_titles(title, expected):
    assert tokenize(" ".join(tokenize(title))) == tokenize(title)


# ---------------------------------------------------------------- empty input


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "\t\n", "-- / -- !!!", "…", "<br/>", "&nbsp;", "\x00\x07"],
)
def test_empty_and_punctuation_only(text):
    assert tokenize(text) == []


def test_nan_and_pandas_na_are_empty():
    pd = pytest.importorskip("pandas")
    assert tokenize(float("nan")) == []
    assert tokenize(pd.NA) == []


def test_rejects_non_text():
    with pytest.raises(TypeError):
        tokenize(42)
    with pytest.raises(TypeError):
        tokenize_many("a plain string is not a batch")


# ------------------------------------------------------------------- unicode


def test_french_accents_kept():
    assert tokenize("Crème BRÛLÉE été") == ["crème", "brûlée", "été"]


def test_decomposed_and_composed_unicode_agree():
    composed = "Crème brûlée – Pâte à tartiner, Éclair café"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert tokenize(decomposed) == tokenize(composed)
    assert tokenize(composed) == [
        "crème", "brûlée", "pâte", "à", "tartiner", "éclair", "café",
    ]
    assert all(unicodedata.is_normalized("NFC", t) for t in tokenize(decomposed))


def test_casefold():
    assert tokenize("STRAẞE Straße") == ["strasse", "strasse"]
    assert tokenize("ﬁlet") == ["filet"]  # ligature


def test_indic_vowel_signs_stay_inside_words():
    assert tokenize("हिन्दी भाषा 500 ml") == ["हिन्दी", "भाषा", "500ml"]


def test_invisible_characters():
    assert tokenize("anti\u00advirus") == ["antivirus"]  # soft hyphen
    assert tokenize("red\u200bblue") == ["red", "blue"]  # zero-width space
    assert tokenize("\ufeffSamsung") == ["samsung"]  # BOM
    assert tokenize("2×3 m") == ["2x3", "m"]


# ------------------------------------------------------------- control chars


def test_control_characters_are_whitespace():
    assert tokenize("Red\x00Blue\x07Green\x1fPink\x7fGrey") == [
        "red", "blue", "green", "pink", "grey",
    ]
    assert tokenize("500\x00ml") == ["500ml"]
    assert tokenize("Red\x1eBlue") == ["red", "blue"]  # the batch separator too
    assert tokenize_many(["Red\x1eBlue", "x"]) == [["red", "blue"], ["x"]]


# ---------------------------------------------------------------------- HTML


def test_html_tags_and_entities():
    assert tokenize("<b>Red</b> &amp; blue") == ["red", "blue"]
    assert tokenize("Red<br/>Blue<br>Green") == ["red", "blue", "green"]
    assert tokenize('<span class="x">Sale</span> <!-- promo -->Now') == ["sale", "now"]
    assert tokenize("Cr&egrave;me &eacute;t&eacute; &#233;t&#xe9;") == [
        "crème", "été", "été",
    ]
    assert tokenize("d&#39;eau L&rsquo;Or&eacute;al") == ["eau", "oréal"]
    # double-escaped text, and tags hidden behind entities
    assert tokenize("&amp;lt;b&amp;gt;Red&amp;lt;/b&amp;gt; &amp;amp; blue") == [
        "red", "blue",
    ]
    # a "<" that does not open a tag is just punctuation
    assert tokenize("size < 5 and > 3") == ["size", "5", "and", "3"]


# --------------------------------------------------------------- apostrophes


@pytest.mark.parametrize("apos", ["'", "’"])
@pytest.mark.parametrize(
    "elided", ["l", "d", "j", "qu", "n", "s", "c", "m", "t", "jusqu", "lorsqu"]
)
def test_french_elisions_dropped(elided, apos):
    assert tokenize(f"x {elided}{apos}armoire") == ["x", "armoire"]
    assert tokenize(f"{elided.upper()}{apos}Armoire") == ["armoire"]


def test_apostrophes_english():
    assert tokenize("Women's Men’s KIDS' shoes") == ["women", "men", "kids", "shoes"]
    assert tokenize("Don't Stop O'Neill") == ["dont", "stop", "oneill"]
    assert tokenize("'quoted' words") == ["quoted", "words"]
    # "l" inside a word is no elision
    assert tokenize("Ball'armoire") == ["ballarmoire"]


# --------------------------------------------------------- numbers and units


def test_numbers_and_units():
    assert tokenize("500ml 500 ml 500-ml 500 ML") == ["500ml"] * 4
    assert tokenize("1,5L 1,5 l 1.5 L 1.5l") == ["1.5l"] * 4
    assert tokenize("4K 4 k 8 GB 1 TB 60 Hz 12 V 2200 W 2 kW") == [
        "4k", "4k", "8gb", "1tb", "60hz", "12v", "2200w", "2kw",
    ]
    assert tokenize("XL XXL 3XL") == ["xl", "xxl", "3xl"]
    assert tokenize("Size 2x3 cm") == ["size", "2x3", "cm"]  # not a stand-alone number
    assert tokenize("v1.2 3.14159 1,000,000") == ["v1.2", "3.14159", "1.000.000"]
    assert tokenize("Model 2023, 12 pieces") == ["model", "2023", "12", "pieces"]
    assert tokenize("1.5. Fin 1,5, fin") == ["1.5", "fin", "1.5", "fin"]


def test_in_only_joins_when_attached():
    assert tokenize("5 in 1") == ["5", "in", "1"]
    assert tokenize("55in 55 inch") == ["55in", "55inch"]


def test_unit_list_is_joined():
    for unit in UNITS:
        assert tokenize(f"Pack 10 {unit.upper()} x") == ["pack", f"10{unit}", "x"]


def test_hyphens_and_symbols_split():
    assert tokenize("anti-viral Wi-Fi") == ["anti", "viral", "wi", "fi"]
    assert tokenize("C++ 100% 30°C snake_case a/b") == [
        "c", "100", "30", "c", "snake", "case", "a", "b",
    ]


# ------------------------------------------------------- idempotence (fuzzed)


def _random_titles(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = [
        "Crème", "L'Oréal", "d’eau", "Women's", "don't", "500", "ml", "1,5", "L",
        "4K", "XL", "anti-viral", "<b>", "</b>", "&amp;", "&quot;", "55\"",
        "2x3", "in", "1", "é", "e\u0301", "\u0301", "ß", "×", "\u00ad", "\x00",
        "\x1e", "_", ".", ",", "-", "'", "’", "qu'", "jusqu’", "<", ">", "&",
        "हिन्दी", "\u093f", "kg", "GB", "Hz", "1.5", "...", "İ", "ﬁ", " ", "  ",
    ]
    return [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for _ in range(n)
    ]


def test_idempotent_fuzz():
    for title in _random_titles(5000, seed=7):
        toks = tokenize(title)
        assert tokenize(" ".join(toks)) == toks, repr(title)
        assert all(t and not re.search(r"\s", t) for t in toks), repr(title)


def test_deterministic():
    titles = _random_titles(500, seed=3)
    assert [tokenize(t) for t in titles] == [tokenize(t) for t in titles]


# ------------------------------------------------------------- tokenize_many


def test_tokenize_many_equals_map_tokenize():
    titles = [t for t, _ in TITLES] + _random_titles(6000, seed=11) + [None, ""]
    assert len(titles) > 4096  # several internal chunks
    assert tokenize_many(titles) == [tokenize(t) for t in titles]


def test_tokenize_many_inputs():
    pd = pytest.importorskip("pandas")
    titles = ["Crème 500 ml", None, "", "Women's XL", float("nan"), "Red\x1eBlue"]
    expected = [["crème", "500ml"], [], [], ["women", "xl"], [], ["red", "blue"]]
    assert tokenize_many(titles) == expected
    assert tokenize_many(pd.Series(titles)) == expected
    assert tokenize_many(pd.Series(titles, dtype="string")) == expected
    assert tokenize_many(iter(titles)) == expected
    assert tokenize_many(t for t in titles) == expected
    assert tokenize_many([]) == []
    assert tokenize_many(pd.Series([], dtype=object)) == []
    pa = pytest.importorskip("pyarrow")
    assert tokenize_many(pa.array(titles[:4])) == expected[:4]


# ---------------------------------------------------------------- title_hash


def test_title_hash():
    h = title_hash("Crème hydratante 500 ml")
    assert re.fullmatch(r"[0-9a-f]{16}", h)
    assert h == "ac54d3fc1ee57750"  # stable across runs and machines
    # whitespace (and control characters) collapsed, ends stripped
    assert title_hash("  Crème   hydratante\t500\u00a0ml\n") == h
    assert title_hash("Crème\x00hydratante 500 ml") == h
    # NFC
    assert title_hash(unicodedata.normalize("NFD", "Crème hydratante 500 ml")) == h
    # different titles differ (case and punctuation count)
    assert title_hash("Crème hydratante 250 ml") != h
    assert title_hash("crème hydratante 500 ml") != h
    titles = {t for t, _ in TITLES}
    assert len({title_hash(t) for t in titles}) == len(titles)
    assert title_hash(None) == ""
    assert title_hash("") == ""
    assert title_hash(" \t\n ") == ""


# ---------------------------------------------------------------- throughput
