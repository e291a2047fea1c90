"""Attribute and listing vocabulary shared by every group: materials, colours, styles, size systems,
genders, brand price tiers and the filler, offer, power and badge words of titles.

Words are "|"-separated synonyms; French adjectives are "masculine|feminine" ("=" marks an
invariable one).
"""
from __future__ import annotations

from typing import Sequence

# material: (English title words, French title phrases, French noun, price mult, weight mult)
MATERIALS: dict[str, tuple[str, str, str, float, float]] = {
    "oak": ("oak|solid oak", "en chêne|en chêne massif", "chêne", 1.5, 1.3),
    "wood": ("wooden|wood", "en bois", "bois", 1.0, 1.0),
    "pine": ("pine", "en pin", "pin", 0.7, 0.8),
    "metal": ("metal", "en métal", "métal", 0.9, 1.2),
    "glass": ("glass", "en verre", "verre", 1.1, 1.1),
    "fabric": ("fabric|upholstered", "en tissu", "tissu", 0.9, 0.8),
    "leather": ("leather|genuine leather", "en cuir|en cuir véritable", "cuir", 1.8, 1.1),
    "rattan": ("rattan", "en rotin", "rotin", 1.0, 0.6),
    "velvet": ("velvet", "en velours", "velours", 1.3, 0.9),
    "cotton": ("cotton|100% cotton", "en coton|100% coton", "coton", 1.0, 1.0),
    "wool": ("wool|woollen|merino wool", "en laine|en laine mérinos", "laine", 1.6, 1.2),
    "polyester": ("polyester", "en polyester", "polyester", 0.7, 0.8),
    "linen": ("linen", "en lin", "lin", 1.2, 0.9),
    "denim": ("denim", "en jean|en denim", "jean", 1.1, 1.3),
    "silk": ("silk", "en soie", "soie", 2.2, 0.6),
    "suede": ("suede", "en daim", "daim", 1.5, 1.0),
    "plastic": ("plastic", "en plastique", "plastique", 0.7, 0.7),
    "aluminium": ("aluminium", "en aluminium", "aluminium", 1.3, 0.8),
    "stainless steel": ("stainless steel|steel", "en inox|en acier inoxydable", "acier inoxydable", 1.2, 1.1),
    "cast iron": ("cast iron", "en fonte", "fonte", 1.5, 2.0),
    "ceramic": ("ceramic", "en céramique", "céramique", 1.1, 1.2),
    "porcelain": ("porcelain", "en porcelaine", "porcelaine", 1.4, 1.0),
    "crystal": ("crystal", "en cristal", "cristal", 2.0, 1.1),
    "bamboo": ("bamboo", "en bambou", "bambou", 0.9, 0.7),
    "silicone": ("silicone", "en silicone", "silicone", 0.8, 0.6),
    "copper": ("copper", "en cuivre", "cuivre", 1.8, 1.4),
    "plush": ("plush|soft", "en peluche", "peluche", 1.0, 0.8),
    "cardboard": ("cardboard", "en carton", "carton", 0.6, 0.7),
    "wax": ("wax|real wax", "en cire|en vraie cire", "cire", 1.2, 1.1),
    "memory foam": ("memory foam", "à mémoire de forme|mousse à mémoire de forme", "mousse à mémoire de forme", 1.4, 1.1),
    "pocket spring": ("pocket sprung|pocket spring", "à ressorts ensachés", "ressorts ensachés", 1.2, 1.3),
}

# colour: (English words, French "masculine|feminine"; "=" marks an invariable adjective)
COLORS: dict[str, tuple[str, str]] = {
    "black": ("black|jet black", "noir|noire"), "white": ("white", "blanc|blanche"),
    "grey": ("grey|gray", "gris|grise"), "red": ("red", "rouge"), "blue": ("blue", "bleu|bleue"),
    "navy": ("navy|navy blue", "=bleu marine"), "green": ("green", "vert|verte"),
    "pink": ("pink", "rose"), "yellow": ("yellow", "jaune"), "beige": ("beige|cream", "beige"),
    "brown": ("brown", "=marron"), "purple": ("purple", "violet|violette"),
    "gold": ("gold|golden", "doré|dorée"), "silver": ("silver", "argenté|argentée"),
    "multicolour": ("multicolour|multicoloured", "multicolore"), "rosé": ("rosé|rose", "=rosé"),
}

# style (browse-category usage/look): (English words, French "masculine|feminine")
STYLES: dict[str, tuple[str, str]] = {
    "modern": ("modern|contemporary", "moderne"), "rustic": ("rustic|farmhouse", "rustique"),
    "scandinavian": ("scandinavian|nordic", "scandinave"), "industrial": ("industrial", "industriel|industrielle"),
    "casual": ("casual|relaxed", "décontracté|décontractée"), "sport": ("sport|sports", "=sport"),
    "formal": ("formal|smart", "habillé|habillée"), "vintage": ("vintage|retro", "=vintage"),
    "gaming": ("gaming|gamer", "=gamer"), "professional": ("professional|pro", "professionnel|professionnelle"),
    "portable": ("portable|travel", "portable|portable"), "smart": ("smart|connected", "connecté|connectée"),
    "compact": ("compact|space-saving", "compact|compacte"), "classic": ("classic|traditional", "classique"),
    "eco": ("eco-friendly|sustainable", "écologique"), "educational": ("educational|learning", "éducatif|éducative"),
    "outdoor": ("outdoor|garden", "=d'extérieur"), "creative": ("creative|arts and crafts", "créatif|créative"),
    "baby": ("baby|toddler", "=pour bébé"), "organic": ("organic|bio", "=bio"),
    "gourmet": ("gourmet|artisan", "=gourmet"), "family": ("family size|value pack", "=format familial"),
    "vegan": ("vegan|plant-based", "végan|végane"), "natural": ("natural|clean", "naturel|naturelle"),
    "sensitive": ("for sensitive skin|sensitive", "=pour peaux sensibles"),
    "salon": ("salon|professional", "=qualité salon"), "luxury": ("luxury|deluxe", "=de luxe"),
}

SizeEntry = tuple[str, str, str, float, float]  # label, English tokens, French tokens, price mult, weight mult


def _sized(label: str, en: str, fr: str, rows: Sequence[tuple[float, float, float]]) -> list[SizeEntry]:
    """Expand format strings over (n, price mult, weight mult) rows; {nf} is n with a French comma."""
    out = []
    for n, price, weight in rows:
        keys = dict(n=f"{n:g}", nf=f"{n:g}".replace(".", ","))
        out.append((label.format(**keys), en.format(**keys), fr.format(**keys), price, weight))
    return out


# size systems: each item names one; weight/price multipliers are relative to the item's base
SIZES: dict[str, list[SizeEntry]] = {
    "clothing": [("XS", "XS|size XS", "taille XS|XS", 1.0, 0.8), ("S", "S|size S|small", "taille S|S", 1.0, 0.9),
                 ("M", "M|size M|medium", "taille M|M", 1.0, 1.0), ("L", "L|size L|large", "taille L|L", 1.0, 1.1),
                 ("XL", "XL|size XL", "taille XL|XL", 1.05, 1.2), ("XXL", "XXL|size XXL|2XL", "taille XXL|XXL", 1.1, 1.3)],
    "shoes": [(f"EU {eu}", f"UK {uk:g}|size {uk:g}", f"pointure {eu}|taille {eu}", 1.0, w)
              for eu, uk, w in [(37, 4, 0.85), (38, 5, 0.9), (39, 6, 0.95), (40, 6.5, 1.0), (41, 7, 1.0),
                                (42, 8, 1.05), (43, 9, 1.1), (44, 10, 1.15), (45, 11, 1.2)]],
    "bed": [("single", "single|3ft", "90x190|1 place", 0.75, 0.8),
            ("double", "double|4ft6", "140x190|2 places", 1.0, 1.0),
            ("king", "king size|5ft", "160x200|queen size", 1.3, 1.2),
            ("super king", "super king|6ft", "180x200|king size", 1.55, 1.35)],
    "sofa": [("2 seater", "2 seater|2-seater", "2 places", 0.8, 0.8),
             ("3 seater", "3 seater|3-seater", "3 places", 1.0, 1.0),
             ("corner", "corner|l-shaped", "d'angle|angle", 1.5, 1.5)],
    "table": _sized("{n} seater", "{n} seater|seats {n}", "{n} personnes|{n} places",
                    [(4, 0.8, 0.8), (6, 1.0, 1.0), (8, 1.35, 1.4)]),
    "dims": [("small", "small|mini", "petit modèle|petit format", 0.75, 0.7),
             ("medium", "medium", "taille moyenne|modèle standard", 1.0, 1.0),
             ("large", "large|xl", "grand modèle|grand format", 1.35, 1.4)],
    "set": _sized("x{n}", "set of {n}|pack of {n}", "lot de {n}|set de {n}",
                  [(2, 0.6, 0.5), (4, 1.0, 1.0), (6, 1.4, 1.5), (12, 2.4, 3.0)]),
    "count": _sized("x{n}", "pack of {n}|{n} pack", "lot de {n}|paquet de {n}",
                    [(10, 0.6, 0.6), (20, 1.0, 1.0), (50, 2.0, 2.0), (100, 3.5, 3.5)]),
    "pan": _sized("{n}cm", "{n}cm|{n} cm", "{n} cm|Ø{n} cm", [(16, 0.75, 0.7), (20, 0.9, 0.85), (24, 1.0, 1.0), (28, 1.2, 1.25)]),
    "household": _sized("{n}ml", "{n}ml|{n} ml", "{n}ml|{n} ml", [(500, 0.7, 0.5), (750, 0.85, 0.75)])
                 + _sized("{n}l", "{n}l|{n}L", "{nf} l|{nf} L", [(1, 1.0, 1.0), (2, 1.6, 2.0), (5, 3.0, 5.0)]),
    "drink": _sized("{n}ml", "{n}ml|{n} ml", "{n}ml|{n} ml", [(330, 0.5, 0.45), (750, 1.0, 1.0)])
             + _sized("{n}l", "{n}l|{n}L", "{nf} l|{nf} L", [(1, 1.2, 1.3), (1.5, 1.6, 2.0)]),
    "volume": _sized("{n}ml", "{n}ml|{n} ml", "{n}ml|{n} ml",
                     [(30, 0.6, 0.3), (50, 0.8, 0.5), (100, 1.0, 1.0), (200, 1.4, 2.0), (500, 2.0, 4.5)]),
    "mass": _sized("{n}g", "{n}g|{n} g", "{n}g|{n} g", [(100, 0.35, 0.2), (250, 0.6, 0.5), (500, 1.0, 1.0)])
            + _sized("{n}kg", "{n}kg|{n} kg", "{nf}kg|{nf} kg", [(1, 1.7, 2.0), (2, 3.0, 4.0)]),
    "pet": _sized("{n}kg", "{n}kg|{n} kg", "{nf}kg|{nf} kg", [(1.5, 0.45, 0.3), (3, 0.75, 0.6), (7, 1.4, 1.4), (12, 2.1, 2.4)]),
    "capacity": _sized("{n}l", "{n}l|{n}L", "{nf} l|{nf} L", [(1, 0.9, 0.9), (1.5, 1.0, 1.0), (1.7, 1.1, 1.1)]),
    "capsules": _sized("{n} caps", "{n} capsules|{n} tablets", "{n} gélules|{n} comprimés",
                       [(30, 0.6, 0.6), (60, 1.0, 1.0), (90, 1.4, 1.4), (120, 1.8, 1.8)]),
    "slices": _sized("{n} slice", "{n} slice|{n}-slice", "{n} fentes", [(2, 0.9, 0.9), (4, 1.3, 1.3)]),
    "watts": _sized("{n}w", "{n}w|{n} watt", "{n}w|{n} W", [(700, 0.8, 0.8), (1000, 1.0, 1.0), (1500, 1.2, 1.1), (2000, 1.4, 1.2)]),
    "watts_small": _sized("{n}w", "{n}w|{n} watt", "{n}w|{n} W", [(20, 0.7, 0.7), (45, 1.0, 1.0), (65, 1.3, 1.2)]),
    "tv": [(f"{n}in", f'{n}"|{n} inch', f"{n} pouces|{cm} cm", p, w)
           for n, cm, p, w in [(32, 81, 0.6, 0.6), (43, 109, 0.8, 0.8), (50, 127, 1.0, 1.0), (55, 139, 1.2, 1.15),
                               (65, 164, 1.7, 1.5)]],
    "monitor": _sized("{n}in", '{n}"|{n} inch', '{n} pouces|{n}"', [(24, 0.8, 0.8), (27, 1.0, 1.0), (32, 1.4, 1.3), (34, 1.8, 1.5)]),
    "storage": _sized("{n}gb", "{n}GB|{n} GB", "{n} Go|{n}Go", [(64, 0.7, 1.0), (128, 0.85, 1.0), (256, 1.0, 1.0), (512, 1.3, 1.0)])
               + [("1tb", "1TB|1 TB", "1 To|1To", 1.7, 1.0)],
    "mah": _sized("{n}mah", "{n}mAh", "{n}mAh|{n} mAh", [(5000, 0.7, 0.6), (10000, 1.0, 1.0), (20000, 1.5, 1.7)]),
    "megapixels": _sized("{n}mp", "{n}MP|{n} megapixel", "{n} Mpx|{n} mégapixels",
                         [(12, 0.7, 1.0), (20, 1.0, 1.0), (24, 1.2, 1.0), (45, 2.2, 1.0)]),
    "resolution": [("720p", "720p|hd", "720p|hd", 0.7, 1.0), ("1080p", "1080p|full hd", "1080p|full hd", 1.0, 1.0),
                   ("4k", "4k|4k uhd", "4k|4k uhd", 1.6, 1.1)],
    "pieces": _sized("{n} pcs", "{n} pieces|{n} pcs", "{n} pièces",
                     [(100, 0.7, 0.6), (500, 1.0, 1.0), (1000, 1.3, 1.4), (2000, 1.6, 1.9)]),
    "age": [("0+", "from birth|ages 0+", "dès la naissance|0 mois et +", 1.0, 1.0)]
           + _sized("{n}+", "ages {n}+|{n} years+", "dès {n} ans|{n} ans et +", [(a, 1.0, 1.0) for a in (3, 6, 8, 12)]),
    "trampoline": [(f"{n}ft", f"{n}ft|{n} ft", f"Ø{cm} cm|{cm} cm", p, p)
                   for n, cm, p in [(8, 244, 0.75), (10, 305, 1.0), (12, 366, 1.3), (14, 427, 1.6)]],
}

GENDERS: list[tuple[str, str, str]] = [  # label, English words, French words
    ("men", "men's|mens|for men", "homme|pour homme"),
    ("women", "women's|womens|ladies", "femme|pour femme"),
    ("unisex", "unisex", "mixte|unisexe"),
    ("kids", "kids|children's|boys & girls", "enfant|pour enfant|fille et garçon"),
]
_KIDS_WORDS = ("kids|children's|for boys|for girls|boys & girls|junior",
               "enfant|pour enfant|pour garçon|pour fille|fille et garçon|junior")
# P(men, women, unisex, kids), P(gender word in title | gender) and title words replacing
# GENDERS' (gender -> (English, French)) per gender profile (item flag, else group default)
GENDER_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...], dict[str, tuple[str, str]]]] = {
    "u": ((0.0, 0.0, 1.0, 0.0), (0.0,) * 4, {}),
    "k": ((0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.25), {"kids": _KIDS_WORDS}),
    "a": ((0.35, 0.40, 0.10, 0.15), (0.75,) * 4, {}), "b": ((0.15, 0.45, 0.35, 0.05), (0.75,) * 4, {}),
    "w": ((0.02, 0.88, 0.05, 0.05), (0.75,) * 4, {}), "M": ((0.88, 0.02, 0.08, 0.02), (0.75,) * 4, {}),
    # kids' versions of adult products (kids bed, kids headphones, kids plates): say so in the title
    "V": ((0.0, 0.0, 0.65, 0.35), (0.0, 0.0, 0.0, 0.85), {"kids": _KIDS_WORDS}),
    # games for children or for adults ("adult jigsaw puzzle", "jeu de société pour adultes")
    "G": ((0.0, 0.0, 0.35, 0.65), (0.0, 0.0, 0.7, 0.3),
          {"unisex": ("adult|for adults|for teens and adults", "adulte|pour adultes|ado et adulte"),
           "kids": _KIDS_WORDS}),
    # mostly children's shoes (light-up trainers), some adults' sizes
    "L": ((0.08, 0.1, 0.07, 0.75), (0.75,) * 4, {"kids": _KIDS_WORDS}),
}
PROFILE_FLAGS = {"w": "w", "M": "M", "U": "u", "Y": "k", "V": "V", "G": "G", "L": "L"}  # item flag -> profile
TIER_PRICE = {1: 0.55, 2: 0.8, 3: 1.0, 4: 1.45, 5: 2.3}

FILLERS = {
    "en": "fast dispatch|premium|2024|set of 2|free delivery|gift idea|top quality|limited edition|great value|2 year warranty|uk stock",
    "fr": "expédition rapide|premium|2024|lot de 2|livraison gratuite|idée cadeau|qualité supérieure|édition limitée|bon rapport qualité-prix|garantie 2 ans",
}
BADGE_WORDS = {  # listing badges said in the title: (bestseller words, new-listing words)
    "en": ("Bestseller|Best Seller|#1 Best Seller", "New|New In|New Arrival"),
    "fr": ("Meilleure vente|Top vente|Best-seller", "Nouveau|Nouveauté|Nouvelle collection"),
}
OFFERS = {
    "en": "sale|special offer|deal|clearance|-10%|-20%|-25%|-30%|-50%",
    "fr": "promo|soldes|offre spéciale|prix choc|-10%|-20%|-25%|-30%|-50%",
}
POWER_WORDS = {  # (battery words, mains words)
    "en": ("rechargeable|cordless|battery powered|wireless", "mains powered|corded|plug-in"),
    "fr": ("rechargeable|sans fil|à piles|sur batterie", "filaire|sur secteur|avec prise"),
}
