"""Listing descriptions: one to three sentences per row reusing the hidden attributes, with French
gender/number agreement and elisions."""
from __future__ import annotations

import functools

import numpy as np

from .hashing import F_DESC_COUNT, F_DESC_USAGE, F_DESC_USAGE2, F_DESC_VARIANT, F_DESC_VERB, Draw, uniform
from .lookup import pick_word, shown_if
from .tables import vocabulary_tables

FEATURE_SENTENCES = {  # sentence per feature: hazardous, battery, plug, ingestible, bulky, default
    "en": ["Warning: flammable, keep away from heat and flames.", "Rechargeable battery included.",
           "Mains powered, supplied with a UK plug.", "Store in a cool, dry place.",
           "Delivered in one large box, two-person assembly recommended.", "Easy to clean and built to last."],
    "fr": ["Attention : inflammable, tenir à l'écart de la chaleur et des flammes.", "Batterie rechargeable incluse.",
           "Alimentation sur secteur, prise européenne.", "À conserver dans un endroit frais et sec.",
           "Livré dans un grand carton, montage à deux recommandé.", "Facile à entretenir et conçu pour durer."],
}
EN_VERBS = np.array(["is perfect for ", "is designed for ", "is a great choice for ", "is ideal for "], dtype=object)


def _feature_sentence(lang: str, p: dict[str, np.ndarray]) -> np.ndarray:
    """The FEATURE_SENTENCES sentence that fits each product (hazard > battery > plug > food > bulky)."""
    t = vocabulary_tables()
    which = np.select([p["hazardous"], p["batteries"], p["has_plug"], t.item_ingestible[p["item"]],
                       t.item_bulky[p["item"]]], [0, 1, 2, 3, 4], 5)
    return np.array(FEATURE_SENTENCES[lang], dtype=object)[which]


def _describe_en(u: Draw, p: dict[str, np.ndarray], syn: np.ndarray,
                 usage: np.ndarray, usage2: np.ndarray) -> list[np.ndarray]:
    """Three English sentences per row: identity, style/material, feature/size."""
    t = vocabulary_tables()
    noun, brand = t.noun_en[0][p["item"], syn], t.brand_names[p["brand"]]
    style = t.global_style(p["group"], p["style"])
    color, material = t.color_names[p["color"]], t.material_names[p["material"]]
    has_color, has_mat = p["color"] >= 0, p["material"] >= 0
    verb = EN_VERBS[(u(F_DESC_VERB) * len(EN_VERBS)).astype(np.int64)]
    first = np.where(u(F_DESC_VARIANT) < 0.5,
                     "This " + shown_if(has_color, color + " ") + shown_if(has_mat, material + " ") + noun
                     + " by " + brand + " " + verb + usage + ".",
                     "Discover the " + brand + " " + noun + shown_if(has_color, ", available in " + color) + ".")
    style_word = t.style_en[0][style, 0]
    article = np.where(np.array([w[:1] in "aeiou" for w in t.style_en[0][:, 0]])[style], "An ", "A ")
    second = (article + style_word + " design, ideal for " + usage2 + "."
              + shown_if(has_mat, " Material: " + material + "."))
    third = _feature_sentence("en", p) + shown_if(p["size"] >= 0, " Size: " + t.size_labels[p["size"]] + ".")
    return [first, second, third]


def _describe_fr(u: Draw, p: dict[str, np.ndarray], syn: np.ndarray,
                 usage: np.ndarray, usage2: np.ndarray) -> list[np.ndarray]:
    """Three French sentences per row, with gender/number agreement and elisions (l', d', cet)."""
    t = vocabulary_tables()
    item, brand = p["item"], t.brand_names[p["brand"]]
    noun, form, vowel = t.noun_fr[0][item, syn], t.noun_fr_gender[item, syn], t.noun_fr_vowel[item, syn]
    plural, has_mat = form >= 2, p["material"] >= 0
    color = shown_if(p["color"] >= 0, " " + t.color_fr[p["color"], form])
    de_brand = np.where(t.brand_vowel[p["brand"]], "d'", "de ").astype(object) + brand
    dem = np.select([plural, form == 1, vowel], ["Ces ", "Cette ", "Cet "], "Ce ").astype(object)
    art = np.select([plural, vowel, form == 1], ["Les ", "L'", "La "], "Le ").astype(object)
    parfait = np.array(["parfait", "parfaite", "parfaits", "parfaites"], dtype=object)[form]
    material = shown_if(has_mat, " " + t.material_fr[0][p["material"], 0])
    first = np.where(u(F_DESC_VARIANT) < 0.5,
                     dem + noun + color + " " + de_brand + np.where(plural, " sont ", " est ") + parfait
                     + " pour " + usage + ".",
                     art + noun + " " + brand + material + color + np.where(plural, " allient", " allie")
                     + " qualité et confort.")
    style = t.style_fr[t.global_style(p["group"], p["style"]), 0]
    second = ("Un design " + style + ", idéal pour " + usage2 + "."
              + shown_if(has_mat, " Matière : " + t.material_fr_noun[p["material"]] + "."))
    third = _feature_sentence("fr", p) + shown_if(p["size"] >= 0, " Format : " + t.size_labels[p["size"]] + ".")
    return [first, second, third]


def descriptions(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray], syn: np.ndarray) -> np.ndarray:
    """1-3 sentences per row reusing the hidden attributes (object array)."""
    t = vocabulary_tables()
    u = functools.partial(uniform, seed, rows)
    usage = pick_word(*t.usage[lang], p["group"], u(F_DESC_USAGE))
    usage2 = pick_word(*t.usage[lang], p["group"], u(F_DESC_USAGE2))
    first, second, third = (_describe_en if lang == "en" else _describe_fr)(u, p, syn, usage, usage2)
    count = (u(F_DESC_COUNT) * 3).astype(np.int64) + 1
    return (first + shown_if(count >= 2, " " + second) + shown_if(count >= 3, " " + third)).astype(object)
