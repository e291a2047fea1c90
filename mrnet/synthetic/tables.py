"""The vocabulary as numpy lookup arrays, built lazily once per Python process (the driver and each
Spark Python worker) from the literals of ``groups`` and ``vocabulary``.

Every id table has one extra trailing entry ("" / neutral multiplier), so id -1 means "absent"
without special cases.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .groups import GROUPS
from .hashing import CALIBRATION_SEED, F_ITEM_POP, hash64
from .lookup import StackedChoice, appended, french_forms, french_nouns, padded, synonyms
from .vocabulary import (BADGE_WORDS, COLORS, FILLERS, GENDER_PROFILES, GENDERS, MATERIALS, OFFERS,
                         POWER_WORDS, PROFILE_FLAGS, SIZES, STYLES, TIER_PRICE)

ITEM_POP_SPREAD = 0.9  # item-type demand effects on log views spread evenly over [-spread, spread]

WordTable = tuple[np.ndarray, np.ndarray]  # padded synonyms [id, synonym] and their counts per id


@dataclass(frozen=True)
class VocabularyTables:
    """All vocabulary as arrays; indices: group g, item i, material m, colour c, style s, size z."""

    group_names: np.ndarray
    group_cdf: np.ndarray
    item_choice: StackedChoice
    brand_choice: StackedChoice
    color_choice: StackedChoice  # per item
    material_choice: StackedChoice
    style_choice: StackedChoice
    size_choice: StackedChoice
    gender_choice: StackedChoice
    item_names: np.ndarray
    item_subcat: np.ndarray
    subcat_names: np.ndarray
    item_price: np.ndarray
    item_kg: np.ndarray
    item_size_sys: np.ndarray
    item_power: np.ndarray       # 0 none, 1 battery, 2 plug, 3 battery or plug, 4 both
    item_hazard: np.ndarray      # P(hazardous)
    item_ingestible: np.ndarray
    item_bulky: np.ndarray
    item_has_color: np.ndarray
    item_profile: np.ndarray
    noun_en: WordTable
    noun_fr: WordTable
    noun_fr_gender: np.ndarray   # [item, syn]: 0 m, 1 f, 2 m plural, 3 f plural
    noun_fr_vowel: np.ndarray    # [item, syn]: starts with a vowel or h (elision)
    generic_en: WordTable        # per subcategory
    generic_fr: WordTable
    generic_fr_gender: np.ndarray
    material_conflict_en: np.ndarray  # [item, syn, material]: material word already in the noun
    material_conflict_fr: np.ndarray
    brand_names: np.ndarray
    brand_tier: np.ndarray
    brand_pop: np.ndarray
    item_pop: np.ndarray         # log-views effect of the item type (fixed, seed-independent)
    brand_vowel: np.ndarray
    color_names: np.ndarray
    color_en: WordTable
    color_fr: np.ndarray         # [colour, gender form]
    material_names: np.ndarray
    material_en: WordTable
    material_fr: WordTable
    material_fr_noun: np.ndarray
    material_price: np.ndarray
    material_weight: np.ndarray
    group_style_ids: np.ndarray  # [group, local style] -> style id
    style_en: WordTable
    style_fr: np.ndarray         # [style, gender form]
    browse: np.ndarray           # [item, local style] -> browse category
    size_labels: np.ndarray
    size_en: WordTable
    size_fr: WordTable
    size_price: np.ndarray
    size_weight: np.ndarray
    gender_names: np.ndarray
    gender_en: WordTable         # row profile * 4 + gender
    gender_fr: WordTable
    profile_show_gender: np.ndarray  # [profile, gender]
    usage: dict[str, WordTable]
    words: dict[str, WordTable]  # fillers/offers/power/badge words per language

    def global_style(self, group: np.ndarray, local: np.ndarray) -> np.ndarray:
        """Global style id (index into STYLES order) of a group's local style index."""
        return self.group_style_ids[group, local]


@functools.lru_cache(maxsize=1)
def vocabulary_tables() -> VocabularyTables:
    """Build every lookup array from the vocabulary dicts (once per Python process)."""
    index = _ItemIndex.build()
    return VocabularyTables(**_group_fields(index), **_item_fields(index), **_noun_fields(index),
                            **_brand_fields(), **_color_and_material_fields(), **_style_and_size_fields(),
                            **_gender_fields(), **_phrase_fields())


@dataclass(frozen=True)
class _ItemIndex:
    """Every item of GROUPS in a fixed order, with what several tables derive from it."""

    rows: list[tuple[str, str, tuple]]  # (group, subcategory, item tuple)
    flags: list[str]
    subcats: list[tuple[str, str]]      # (group, subcategory) in first-seen order
    item_start: np.ndarray              # first item id of each group, plus the item count
    group_styles: list[list[int]]       # per group: its style ids

    @staticmethod
    def build() -> "_ItemIndex":
        rows = [(g, sub, item) for g, spec in GROUPS.items()
                for sub, items in spec["subcategories"].items() for item in items]
        return _ItemIndex(
            rows=rows,
            flags=[item[6] for _, _, item in rows],
            subcats=list(dict.fromkeys((g, sub) for g, sub, _ in rows)),
            item_start=np.cumsum([0] + [sum(map(len, spec["subcategories"].values())) for spec in GROUPS.values()]),
            group_styles=[_names(spec["styles"], list(STYLES)) for spec in GROUPS.values()],
        )


def _names(text: str, names: list[str]) -> list[int]:
    """'oak, wood' -> indices into names."""
    return [names.index(t.strip()) for t in text.split(",") if t.strip()]


# ---------------------------------------------------------------------------- groups and items

def _group_fields(index: _ItemIndex) -> dict:
    groups = list(GROUPS)
    shares = np.array([GROUPS[g]["share"] for g in groups])
    return dict(
        group_names=np.array(groups, dtype=object),
        group_cdf=np.cumsum(shares) / shares.sum(),
        item_choice=StackedChoice.build(
            [list(range(index.item_start[g], index.item_start[g + 1])) for g in range(len(groups))],
            [_item_weights(GROUPS[g]) for g in groups]),
        style_choice=StackedChoice.build([list(range(len(s))) for s in index.group_styles]),
        group_style_ids=np.array(index.group_styles, dtype=np.int64),
        usage={lang: padded([synonyms(GROUPS[g][f"usage_{lang}"]) for g in groups]) for lang in ("en", "fr")},
    )


def _item_weights(spec: dict) -> list[float]:
    """Equal share per subcategory; within one, earlier items are a bit more common."""
    subs = spec["subcategories"].values()
    return [1.0 / len(subs) / (1 + 0.25 * j) / sum(1 / (1 + 0.25 * k) for k in range(len(items)))
            for items in subs for j in range(len(items))]


def _item_fields(index: _ItemIndex) -> dict:
    rows = index.rows
    item_colors = _item_options(index, 8, "colors", "c", list(COLORS))
    return dict(
        **_item_flag_fields(index),
        item_names=appended([item[0] for _, _, item in rows], ""),
        item_subcat=np.array([index.subcats.index((g, sub)) for g, sub, _ in rows]),
        subcat_names=np.array([sub for _, sub in index.subcats], dtype=object),
        item_price=np.array([item[3] for _, _, item in rows], dtype=np.float64),
        item_kg=np.array([item[4] for _, _, item in rows], dtype=np.float64),
        item_size_sys=np.array([list(SIZES).index(item[5]) if item[5] else -1 for _, _, item in rows]),
        item_has_color=np.array([bool(c) for c in item_colors]),
        item_pop=_item_popularity(index.item_start),
        color_choice=StackedChoice.build(item_colors,  # earlier colours of a group (or item) are more common
                                         [[1.0 / (j + 1) ** 0.8 for j in range(len(c))] for c in item_colors]),
        material_choice=StackedChoice.build(_item_options(index, 7, "materials", "m", list(MATERIALS))),
        browse=_browse_categories(index),
    )


def _item_flag_fields(index: _ItemIndex) -> dict:
    """What the item flags (see GROUPS) say: power mode, hazard rate, food, bulk, gender profile."""
    flags, profiles = index.flags, list(GENDER_PROFILES)
    return dict(
        item_power=np.array([next((code for flag, code in (("B", 4), ("x", 3), ("p", 2), ("b", 1)) if flag in f), 0)
                             for f in flags]),
        item_hazard=np.array([0.9 if "h" in f else 0.2 if "l" in f else 0.0 for f in flags]),
        item_ingestible=np.array(["i" in f for f in flags]),
        item_bulky=np.array(["s" in f for f in flags]),
        item_profile=np.array([profiles.index(next((PROFILE_FLAGS[x] for x in f if x in PROFILE_FLAGS),
                                                   GROUPS[g]["gender"])) for (g, _, _), f in zip(index.rows, flags)]),
    )


def _item_options(index: _ItemIndex, column: int, group_key: str, none_flag: str, names: list[str]) -> list[list[int]]:
    """Per item: the ids of its colours (or materials): the item's own list when its tuple has
    one at `column`, else its group's; none when the item carries `none_flag`."""
    return [[] if none_flag in f else _names(item[column] if len(item) > column else GROUPS[g][group_key], names)
            for (g, _, item), f in zip(index.rows, index.flags)]


def _browse_categories(index: _ItemIndex) -> np.ndarray:
    """[item, local style] -> 'item_type/style' browse category."""
    groups, style_names = list(GROUPS), list(STYLES)
    browse = np.full((len(index.rows) + 1, 4), "", dtype=object)
    for i, (g, _, item) in enumerate(index.rows):
        browse[i, :4] = [f"{item[0]}/{style_names[s]}" for s in index.group_styles[groups.index(g)]]
    return browse


def _item_popularity(item_start: np.ndarray) -> np.ndarray:
    """Item-type demand effects on log views: within each group, the items (in a fixed hashed
    order that does not depend on the catalog seed) get evenly spaced effects in
    [-ITEM_POP_SPREAD, ITEM_POP_SPREAD]."""
    out = np.zeros(int(item_start[-1]) + 1)  # trailing neutral entry
    for lo, hi in zip(item_start[:-1], item_start[1:]):
        order = np.argsort(hash64(CALIBRATION_SEED, np.arange(lo, hi, dtype=np.int64), F_ITEM_POP), kind="stable")
        out[lo + order] = np.linspace(-ITEM_POP_SPREAD, ITEM_POP_SPREAD, hi - lo)
    return out


# ---------------------------------------------------------------------------- nouns and brands

def _noun_fields(index: _ItemIndex) -> dict:
    noun_en = padded([synonyms(item[1]) for _, _, item in index.rows])
    noun_fr, noun_fr_gender, noun_fr_vowel = french_nouns([item[2] for _, _, item in index.rows])
    generic = [GROUPS[g]["generic"][sub].split(" / ") for g, sub in index.subcats]
    generic_fr, generic_fr_gender, _ = french_nouns([fr for _, fr in generic])
    return dict(
        noun_en=noun_en, noun_fr=noun_fr, noun_fr_gender=noun_fr_gender, noun_fr_vowel=noun_fr_vowel,
        generic_en=padded([synonyms(en) for en, _ in generic]), generic_fr=generic_fr,
        generic_fr_gender=generic_fr_gender,
        material_conflict_en=_material_conflicts(noun_en[0], 0),
        material_conflict_fr=_material_conflicts(noun_fr[0], 1),
    )


def _material_conflicts(nouns: np.ndarray, lang_col: int) -> np.ndarray:
    """[item, syn, material] True where the material's words already occur in the noun."""
    return np.array([[[_has_word(synonyms(spec[lang_col]), n) for spec in MATERIALS.values()] + [False]
                      for n in row] for row in nouns])


def _has_word(phrases: Sequence[str], noun: str) -> bool:
    """True when a content word of any phrase already occurs in the noun (avoid 'jean en jean')."""
    noun_words = set(noun.lower().replace("-", " ").split())
    stop = {"en", "à", "de", "100%", "solid", "genuine"}
    return any(w in noun_words for p in phrases for w in p.lower().split() if w not in stop)


def _brand_fields() -> dict:
    brands, options, weights = _brand_table()
    return dict(
        brand_choice=StackedChoice.build(options, weights),
        brand_names=np.array([b[0] for b in brands], dtype=object),
        brand_tier=np.array([b[1] for b in brands]),
        brand_pop=np.array([b[2] for b in brands]),
        brand_vowel=np.array([b[0][0] in "AEIOUÉ" for b in brands]),
    )


def _brand_table() -> tuple[list[tuple[str, float, float]], list[list[int]], list[list[float]]]:
    """All brands (name, price tier multiplier, popularity) and each group's brand ids/weights."""
    brands, options, weights = [], [], []
    for spec in GROUPS.values():
        entries = [b.rsplit(":", 1) for b in spec["brands"].split(", ")]
        pops = [1.0 / (j + 1) ** 0.9 for j in range(len(entries))]  # earlier brands more popular
        options.append(list(range(len(brands), len(brands) + len(entries))))
        weights.append(pops)
        brands.extend((name, TIER_PRICE[int(tier)], pop) for (name, tier), pop in zip(entries, pops))
    return brands, options, weights


# ---------------------------------------------------------------------------- attribute words

def _color_and_material_fields() -> dict:
    color_names, mat_names = list(COLORS), list(MATERIALS)
    return dict(
        color_names=appended(color_names, ""),
        color_en=padded([synonyms(COLORS[c][0]) for c in color_names]),
        color_fr=np.array([french_forms(COLORS[c][1]) for c in color_names] + [[""] * 4], dtype=object),
        material_names=appended(mat_names, ""),
        material_en=padded([synonyms(MATERIALS[m][0]) for m in mat_names]),
        material_fr=padded([synonyms(MATERIALS[m][1]) for m in mat_names]),
        material_fr_noun=appended([MATERIALS[m][2] for m in mat_names], ""),
        material_price=appended([MATERIALS[m][3] for m in mat_names], 1.0),
        material_weight=appended([MATERIALS[m][4] for m in mat_names], 1.0),
    )


def _style_and_size_fields() -> dict:
    style_names = list(STYLES)
    sizes = [(system, s) for system, entries in SIZES.items() for s in entries]
    return dict(
        style_en=padded([synonyms(STYLES[s][0]) for s in style_names]),
        style_fr=np.array([french_forms(STYLES[s][1]) for s in style_names] + [[""] * 4], dtype=object),
        size_choice=StackedChoice.build([[i for i, (k, _) in enumerate(sizes) if k == system] for system in SIZES]),
        size_labels=appended([s[0] for _, s in sizes], ""),
        size_en=padded([synonyms(s[1]) for _, s in sizes]),
        size_fr=padded([synonyms(s[2]) for _, s in sizes]),
        size_price=appended([s[3] for _, s in sizes], 1.0),
        size_weight=appended([s[4] for _, s in sizes], 1.0),
    )


def _gender_fields() -> dict:
    profiles = list(GENDER_PROFILES)
    gender_words = [[GENDER_PROFILES[p][2].get(label, (en, fr)) for label, en, fr in GENDERS] for p in profiles]
    return dict(
        gender_choice=StackedChoice.build([[0, 1, 2, 3]] * len(profiles), [GENDER_PROFILES[p][0] for p in profiles]),
        gender_names=np.array([g[0] for g in GENDERS], dtype=object),
        gender_en=padded([synonyms(en) for words in gender_words for en, _ in words]),
        gender_fr=padded([synonyms(fr) for words in gender_words for _, fr in words]),
        profile_show_gender=np.array([GENDER_PROFILES[p][1] for p in profiles]),
    )


def _phrase_fields() -> dict:
    return dict(words={f"{kind}_{lang}": padded([synonyms(text)]) for lang in ("en", "fr")
                       for kind, text in (("filler", FILLERS[lang]), ("offer", OFFERS[lang]),
                                          ("battery", POWER_WORDS[lang][0]), ("mains", POWER_WORDS[lang][1]),
                                          ("bestseller", BADGE_WORDS[lang][0]), ("new", BADGE_WORDS[lang][1]))})
