"""Noisy listing titles, built column-wise on object arrays: each attribute word is shown with
some probability, picked among synonyms, and laid out by one of four templates per language."""
from __future__ import annotations

import functools

import numpy as np

from .groups import PRODUCT_GROUPS
from .hashing import (F_CASE, F_GENERIC, F_SHOW_BRAND, F_SHOW_COLOR, F_SHOW_FILLER, F_SHOW_GENDER,
                      F_SHOW_MATERIAL, F_SHOW_MODEL, F_SHOW_OFFER, F_SHOW_POWER, F_SHOW_SIZE, F_SHOW_STYLE,
                      F_SYN_COLOR, F_SYN_FILLER, F_SYN_GENDER, F_SYN_GENERIC, F_SYN_MATERIAL, F_SYN_NOUN,
                      F_SYN_OFFER, F_SYN_POWER, F_SYN_SIZE, F_SYN_STYLE, F_SYN_TAG, F_TAG_POS, F_TEMPLATE,
                      Draw, uniform)
from .lookup import pick_word, shown_if
from .tables import VocabularyTables, vocabulary_tables

# per language: templates of (prefix, part name, suffix); a part left "" drops its affixes too
TEMPLATES: dict[str, list[list[tuple[str, str, str]]]] = {
    "en": [
        [("", "brand", ""), ("", "gender", ""), ("", "style", ""), ("", "color", ""), ("", "material", ""),
         ("", "noun", ""), ("", "power", ""), ("", "size", ""), ("", "model", ""), ("", "filler", ""), ("", "offer", "")],
        [("", "brand", ""), ("", "noun", ""), ("- ", "color", ""), ("", "material", ""), ("| ", "size", ""),
         ("", "gender", ""), ("", "power", ""), ("(", "filler", ")"), ("", "offer", ""), ("", "model", "")],
        [("", "filler", ""), ("", "style", ""), ("", "power", ""), ("", "noun", ""), ("by ", "brand", ""),
         ("- ", "color", ""), ("", "size", ""), ("", "gender", ""), ("", "offer", "")],
        [("", "brand", ""), ("", "model", ""), ("", "material", ""), ("", "noun", ""), ("", "color", ""),
         ("", "size", ""), ("", "gender", ""), ("", "style", ""), ("", "power", ""), ("", "offer", "")],
    ],
    "fr": [
        [("", "brand", ""), ("- ", "noun", ""), ("", "material", ""), ("", "color", ""), ("", "style", ""),
         ("", "gender", ""), ("", "size", ""), ("", "power", ""), ("", "filler", ""), ("", "offer", "")],
        [("", "noun", ""), ("", "color", ""), ("", "material", ""), ("", "brand", ""), ("", "size", ""),
         ("", "model", ""), ("- ", "offer", "")],
        [("", "filler", " :"), ("", "noun", ""), ("", "style", ""), ("", "material", ""), ("", "color", ""),
         ("", "gender", ""), ("- ", "brand", ""), ("", "size", ""), ("", "power", ""), ("", "offer", "")],
        [("", "brand", ""), ("", "noun", ""), ("", "gender", ""), ("", "color", ""), ("(", "size", ")"),
         ("", "material", ""), ("", "power", ""), ("", "model", "")],
    ],
}


def titles(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray],
           on_offer: np.ndarray, badge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noisy titles of one language's rows (plus the chosen noun synonym index); a listing badge
    (1 bestseller, 2 new) opens or closes the title."""
    parts, syn = _title_parts(seed, rows, lang, p, on_offer, badge)
    template = (uniform(seed, rows, F_TEMPLATE) * len(TEMPLATES[lang])).astype(np.int64)
    out = np.empty(rows.size, dtype=object)
    for k, spec in enumerate(TEMPLATES[lang]):
        idx = np.flatnonzero(template == k)
        if idx.size:
            out[idx] = _compose(spec, {name: a[idx] for name, a in parts.items()})
    words, first = parts["tag"], uniform(seed, rows, F_TAG_POS) < 0.5
    out = np.where(words == "", out, np.where(first, words + " - " + out, out + " - " + words))
    title_case = (uniform(seed, rows, F_CASE) < 0.55) & (lang == "en")
    out[:] = [_finish(s, tc) for s, tc in zip(out, title_case)]
    return out, syn


def _compose(spec: list[tuple[str, str, str]], parts: dict[str, np.ndarray]) -> list[str]:
    """Join one template's non-empty parts with single spaces, row by row."""
    cols = [_wrap(parts[name], pre, post) for pre, name, post in spec]
    return [" ".join([p for p in row if p]) for row in zip(*cols)]


def _wrap(a: np.ndarray, pre: str, post: str) -> np.ndarray:
    """pre + a + post where a is not empty."""
    return a if not (pre or post) else np.where(a != "", pre + a + post, "").astype(object)


def _finish(s: str, title_case: bool) -> str:
    """Strip dangling separators and capitalise (every word in Title Case, else the first)."""
    s = s.strip(" -|:")
    if title_case:
        return " ".join([w[:1].upper() + w[1:] for w in s.split(" ")])
    return s[:1].upper() + s[1:]


def _title_parts(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray],
                 on_offer: np.ndarray, badge: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Title components for one language (each "" when omitted) and the noun synonym index."""
    t = vocabulary_tables()
    u = functools.partial(uniform, seed, rows)
    nouns = _nouns(u, lang, p)
    color, style = _color_and_style_words(t, u, lang, p, nouns)
    words = {k: getattr(t, f"{k}_{lang}") for k in ("material", "size", "gender")}
    zero = np.zeros_like(p["item"])
    model_share = np.where(p["group"] == PRODUCT_GROUPS.index("electronics"), 0.35, 0.1)
    parts = dict(
        noun=nouns["noun"],
        brand=shown_if(u(F_SHOW_BRAND) < 0.85, t.brand_names[p["brand"]]),
        color=shown_if(u(F_SHOW_COLOR) < 0.7, color),
        material=shown_if((u(F_SHOW_MATERIAL) < 0.6) & nouns["material_ok"],
                          pick_word(*words["material"], p["material"], u(F_SYN_MATERIAL))),
        size=shown_if(u(F_SHOW_SIZE) < 0.6, pick_word(*words["size"], p["size"], u(F_SYN_SIZE))),
        style=shown_if(u(F_SHOW_STYLE) < 0.4, style),
        gender=shown_if(u(F_SHOW_GENDER) < t.profile_show_gender[p["profile"], p["gender"]],
                        pick_word(*words["gender"], 4 * p["profile"] + p["gender"], u(F_SYN_GENDER))),
        filler=shown_if(u(F_SHOW_FILLER) < 0.3, pick_word(*t.words[f"filler_{lang}"], zero, u(F_SYN_FILLER))),
        offer=shown_if(u(F_SHOW_OFFER) < np.where(on_offer, 0.5, 0.03),
                       pick_word(*t.words[f"offer_{lang}"], zero, u(F_SYN_OFFER))),
        power=_power_words(u, lang, p),
        model=shown_if(u(F_SHOW_MODEL) < model_share, _model_codes(p["model"])),
        tag=_badge_words(t, u, lang, badge),
    )
    return parts, nouns["syn"]


def _nouns(u: Draw, lang: str, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Head noun per row: an item synonym, or (10%) the subcategory's vague noun. French rows
    also get the noun's gender form, which the colour and style adjectives agree with."""
    t = vocabulary_tables()
    item, sub = p["item"], t.item_subcat[p["item"]]
    (tab, cnt), (g_tab, g_cnt) = (t.noun_en, t.generic_en) if lang == "en" else (t.noun_fr, t.generic_fr)
    syn = (u(F_SYN_NOUN) * cnt[item]).astype(np.int64)
    g_syn = (u(F_SYN_GENERIC) * g_cnt[sub]).astype(np.int64)
    generic = u(F_GENERIC) < 0.1
    conflict = (t.material_conflict_en if lang == "en" else t.material_conflict_fr)[item, syn, p["material"]]
    out = dict(noun=np.where(generic, g_tab[sub, g_syn], tab[item, syn]), syn=syn,
               material_ok=~(conflict & ~generic))
    if lang == "fr":
        out["form"] = np.where(generic, t.generic_fr_gender[sub, g_syn], t.noun_fr_gender[item, syn])
    return out


def _color_and_style_words(t: VocabularyTables, u: Draw, lang: str, p: dict[str, np.ndarray],
                           nouns: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """English synonyms, or French adjectives agreeing with the head noun."""
    style_id = t.global_style(p["group"], p["style"])
    if lang == "en":
        return pick_word(*t.color_en, p["color"], u(F_SYN_COLOR)), pick_word(*t.style_en, style_id, u(F_SYN_STYLE))
    return t.color_fr[p["color"], nouns["form"]], t.style_fr[style_id, nouns["form"]]


def _power_words(u: Draw, lang: str, p: dict[str, np.ndarray]) -> np.ndarray:
    """'cordless' / 'sur secteur'-style words, shown more often for cordless variants."""
    t = vocabulary_tables()
    zero = np.zeros_like(p["item"])
    battery = pick_word(*t.words[f"battery_{lang}"], zero, u(F_SYN_POWER))
    mains = pick_word(*t.words[f"mains_{lang}"], zero, u(F_SYN_POWER))
    mode = t.item_power[p["item"]]
    shown = np.select([p["cordless"], mode == 4, mode == 1, mode == 3, mode == 2], [0.6, 0.3, 0.3, 0.3, 0.1], 0.0)
    return shown_if(u(F_SHOW_POWER) < shown, np.where(p["batteries"], battery, mains))


def _badge_words(t: VocabularyTables, u: Draw, lang: str, badge: np.ndarray) -> np.ndarray:
    """'Bestseller' / 'New'-style words of the listing badge ("" without one)."""
    zero = np.zeros_like(badge)
    return np.select([badge == 1, badge == 2], [pick_word(*t.words[f"bestseller_{lang}"], zero, u(F_SYN_TAG)),
                                                pick_word(*t.words[f"new_{lang}"], zero, u(F_SYN_TAG))], "").astype(object)


_LETTERS = np.array([chr(c) for c in range(ord("A"), ord("Z") + 1)], dtype=object)


def _model_codes(h: np.ndarray) -> np.ndarray:
    """Product model codes such as 'KX-450' from a per-product hash."""
    first = _LETTERS[(h % np.uint64(26)).astype(np.int64)]
    second = _LETTERS[((h >> np.uint64(8)) % np.uint64(26)).astype(np.int64)]
    number = ((h >> np.uint64(16)) % np.uint64(900) + np.uint64(100)).astype(np.int64).astype(str).astype(object)
    return first + second + "-" + number
