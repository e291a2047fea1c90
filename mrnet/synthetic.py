"""Deterministic synthetic e-commerce catalog (English "uk" and French "fr" marketplaces).

Every product has hidden attributes (item type, brand, colour, size, material, ...) drawn from
compact vocabulary tables; titles and descriptions are built from them with noise (omitted words,
varied word order, synonyms, filler, offer tags), so that the 15 training labels are learnable
from titles without being copied verbatim, and the downstream columns (plug, SIOC, browse
category, ingestible, gift wrap) correlate with some training labels and not others.
Popularity (view_count, has_reviews) follows the brand, the item type and a per-listing
bestseller/new badge said in the title, plus heavy-tailed product and listing noise.

Determinism: every random draw is a counter-based hash (splitmix64) of (seed, key, field), where
the key is the product key for product attributes and the row id for listing noise. A row's
output therefore depends only on (seed, row id, n_rows, pair_fraction, dirty_fraction), never on
how ids are batched or partitioned.

Where code runs: the vocabulary tables are built lazily once per Python process (driver and each
Spark Python worker); ``generate_rows`` runs on executors inside ``mapInPandas`` (or locally in
tests); ``generate_catalog`` runs on the driver and only builds a lazy plan, so the catalog is
never materialised on the driver.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

MARKETPLACES: dict[str, str] = {"uk": "en", "fr": "fr"}
FR_PRICE_FACTOR = 1.15  # EUR per GBP for the fr listing of a product
HIGH_VALUE_QUANTILE = 0.8
_PARTITION_ROWS = 200_000

CATALOG_COLUMNS: list[tuple[str, str]] = [
    ("product_id", "string"),  # nullable only because dirty rows may null it
    ("marketplace", "string"),
    ("product_group", "string"),
    ("title", "string"),
    ("description", "string"),
    ("pair_key", "string"),
    ("brand", "string"),
    ("color", "string"),
    ("size", "string"),
    ("material", "string"),
    ("subcategory", "string"),
    ("item_type", "string"),
    ("hazardous", "boolean"),
    ("batteries", "boolean"),
    ("high_value", "boolean"),
    ("on_offer", "boolean"),
    ("has_reviews", "boolean"),
    ("target_gender", "string"),
    ("weight_kg", "double"),
    ("price", "double"),
    ("view_count", "bigint"),
    ("has_plug", "boolean"),
    ("ships_in_own_container", "boolean"),
    ("browse_category", "string"),
    ("ingestible", "boolean"),
    ("gift_wrap", "boolean"),
]
CATALOG_DDL: str = ", ".join(f"{name} {kind}" for name, kind in CATALOG_COLUMNS)

DIRT_KINDS: tuple[str, ...] = (
    "empty_title", "null_id", "control_char", "unknown_group", "long_title", "duplicate_id")
UNKNOWN_GROUP = "unknown-group"

# --------------------------------------------------------------------------------------------
# Vocabulary. Item rows: (item_type, English names, French "name:gender", base price GBP,
# base weight kg, size system, flags[, materials overriding the group's[, colours overriding the
# group's]]). "|" separates synonyms; French genders: m, f, mp, fp. Flags: b battery, p mains
# plug, x battery or plug, B battery and plug, h hazardous, l sometimes hazardous (lithium,
# solvents), i ingestible, s bulky, c no colour, m no material; target-gender profile (else the
# group's): w women's, M men's, U unisex only, Y children only, V also sold in a kids' version,
# G for kids or adults (games), L mostly kids' (light-up trainers).
# --------------------------------------------------------------------------------------------
_GROUPS: dict[str, dict] = {
    "furniture": dict(
        share=0.15, gender="u",
        brands="Nordhem:3, Oakwell:4, Casa Lumo:3, Brickfield:2, Maison Verte:4, Lindqvist:5, "
               "Homely:1, Timbera:2",
        materials="oak, wood, pine, metal, glass, fabric, leather, rattan, velvet",
        colors="grey, white, black, beige, brown, green, navy, pink, gold",
        styles="modern, rustic, scandinavian, industrial",
        usage_en="the living room|the bedroom|small spaces|the home office|the dining room",
        usage_fr="le salon|la chambre|les petits espaces|le bureau|la salle à manger|l'entrée",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "seating": "seat|seating / siège:m",
            "tables": "table / table:f",
            "bedroom": "bedroom furniture / meuble de chambre:m",
            "storage": "storage unit|cabinet / meuble de rangement:m",
            "lighting": "lighting / éclairage:m",
        },
        subcategories={
            "seating": [
                ("chair", "chair|dining chair|side chair", "chaise:f|chaise de salle à manger:f", 45, 6.0, "set", "V"),
                ("sofa", "sofa|couch|settee", "canapé:m|sofa:m", 450, 45.0, "sofa", "s"),
                ("armchair", "armchair|accent chair|lounge chair", "fauteuil:m|fauteuil club:m", 220, 18.0, "", "s"),
                ("stool", "stool|bar stool", "tabouret:m|tabouret de bar:m", 35, 4.0, "set", ""),
            ],
            "tables": [
                ("dining_table", "dining table|kitchen table", "table à manger:f|table de salle à manger:f", 250, 30.0, "table", "s"),
                ("coffee_table", "coffee table|lounge table", "table basse:f|table de salon:f", 120, 15.0, "dims", "s"),
                ("desk", "desk|writing desk|computer desk", "bureau:m|bureau d'ordinateur:m", 160, 25.0, "dims", "sV"),
                ("bedside_table", "bedside table|nightstand|bedside cabinet", "table de chevet:f|chevet:m", 70, 10.0, "dims", ""),
            ],
            "bedroom": [
                ("bed_frame", "bed frame|bed|bedstead", "lit:m|cadre de lit:m|structure de lit:f", 300, 50.0, "bed", "sV"),
                ("mattress", "mattress|bed mattress", "matelas:m", 280, 25.0, "bed", "s", "memory foam, pocket spring"),
                ("wardrobe", "wardrobe|closet|armoire", "armoire:f|penderie:f|garde-robe:f", 350, 70.0, "dims", "sV"),
            ],
            "storage": [
                ("chest_of_drawers", "chest of drawers|dresser|drawer unit", "commode:f|meuble à tiroirs:m", 200, 35.0, "dims", "s"),
                ("bookcase", "bookcase|bookshelf|shelving unit", "bibliothèque:f|étagère:f", 130, 25.0, "dims", "s"),
                ("tv_stand", "tv stand|tv unit|media unit", "meuble tv:m|meuble télé:m", 110, 20.0, "dims", "s"),
                ("furniture_polish", "furniture polish|furniture polish spray|wood wax polish", "rénovateur meubles:m|cire pour meubles en aérosol:f|polish meubles:m", 6, 0.4, "household", "hcm"),
            ],
            "lighting": [
                ("floor_lamp", "floor lamp|standing lamp", "lampadaire:m|lampadaire sur pied:m", 70, 6.0, "", "p", "metal, wood, glass, rattan"),
                ("table_lamp", "table lamp|desk lamp|bedside lamp", "lampe de chevet:f|lampe de bureau:f|lampe à poser:f", 35, 2.0, "dims", "x", "metal, wood, glass, ceramic, rattan"),
                ("ceiling_light", "ceiling light|pendant light|chandelier", "suspension:f|plafonnier:m|lustre:m", 60, 3.0, "", "p", "metal, glass, rattan, wood"),
                ("lamp_oil", "lamp oil|paraffin lamp oil", "huile pour lampe:f|pétrole pour lampe:m", 8, 1.0, "household", "hcm"),
                ("sensor_light", "motion sensor light|battery wall light|stick-on cabinet light", "applique à détecteur de mouvement:f|applique sans fil:f|réglette led adhésive:f", 15, 0.3, "", "b", "plastic, metal"),
            ],
        },
    ),
    "apparel": dict(
        share=0.23, gender="a",
        brands="Urban Fox:2, Northway:3, Maison Élise:5, Bluecrest:2, Kestrel:3, Atelier Rive:4, "
               "Basics Co:1, Trailmark:3",
        materials="cotton, wool, polyester, linen, denim, leather, silk",
        colors="black, navy, white, grey, blue, red, green, pink, beige, brown, purple, yellow",
        styles="casual, sport, formal, vintage",
        usage_en="everyday wear|the office|weekends|the gym|evenings out",
        usage_fr="le quotidien|le bureau|le week-end|la salle de sport|les soirées|l'hiver|l'été",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "tops": "top / haut:m",
            "bottoms": "bottoms / bas:m",
            "dresses": "womenswear / vêtement femme:m",
            "outerwear": "outerwear / vêtement d'extérieur:m",
            "footwear": "shoes|footwear / chaussures:fp",
            "accessories": "accessory / accessoire:m",
        },
        subcategories={
            "tops": [
                ("t_shirt", "t-shirt|tee|crew neck t-shirt", "t-shirt:m|tee-shirt:m|tee-shirt col rond:m", 15, 0.2, "clothing", "", "cotton, polyester, linen"),
                ("shirt", "shirt|button-down shirt|oxford shirt", "chemise:f", 30, 0.3, "clothing", "", "cotton, linen, silk, polyester, denim"),
                ("jumper", "jumper|sweater|pullover", "pull:m|pull-over:m|pull en maille:m", 40, 0.5, "clothing", "", "wool, cotton, polyester"),
            ],
            "bottoms": [
                ("jeans", "jeans|denim jeans|slim jeans", "jean:m|jean slim:m", 45, 0.7, "clothing", "", "denim, cotton"),
                ("trousers", "trousers|chinos|pants", "pantalon:m|chino:m", 40, 0.5, "clothing", "", "cotton, linen, wool, polyester"),
                ("shorts", "shorts|bermuda shorts", "short:m|bermuda:m", 20, 0.25, "clothing", "", "cotton, denim, linen, polyester"),
            ],
            "dresses": [
                ("dress", "dress|midi dress|maxi dress", "robe:f|robe longue:f", 50, 0.4, "clothing", "w", "cotton, silk, linen, polyester"),
                ("skirt", "skirt|midi skirt|pleated skirt", "jupe:f|jupe plissée:f", 30, 0.3, "clothing", "w", "cotton, denim, silk, wool, polyester"),
                ("blouse", "blouse|top", "chemisier:m|blouse:f", 32, 0.2, "clothing", "w", "silk, cotton, polyester, linen"),
            ],
            "outerwear": [
                ("coat", "coat|overcoat|winter coat", "manteau:m|manteau d'hiver:m", 110, 1.5, "clothing", "", "wool, polyester, leather"),
                ("jacket", "jacket|blazer|bomber jacket", "veste:f|blouson:m|blazer:m", 80, 1.0, "clothing", "", "denim, leather, polyester, wool, cotton"),
                ("raincoat", "raincoat|rain jacket|waterproof jacket", "imperméable:m|veste de pluie:f|ciré:m", 60, 0.6, "clothing", "", "polyester"),
            ],
            "footwear": [
                ("trainers", "trainers|sneakers|running shoes", "baskets:fp|chaussures de sport:fp|sneakers:fp", 70, 0.9, "shoes", "", "leather, suede, polyester"),
                ("boots", "boots|ankle boots|chelsea boots", "bottes:fp|bottines:fp|boots:fp", 90, 1.2, "shoes", "", "leather, suede"),
                ("sandals", "sandals|sliders", "sandales:fp|claquettes:fp|nu-pieds:mp", 30, 0.5, "shoes", "", "leather, polyester"),
                ("light_up_trainers", "light-up trainers|led trainers|light up shoes", "baskets lumineuses:fp|chaussures lumineuses:fp|baskets led:fp", 35, 0.6, "shoes", "bL", "polyester, leather"),
                ("waterproofing_spray", "waterproofing spray|shoe protector spray|suede protector spray", "spray imperméabilisant:m|imperméabilisant chaussures:m|spray protecteur daim:m", 8, 0.3, "volume", "hcmU"),
            ],
            "accessories": [
                ("scarf", "scarf|wrap|snood", "écharpe:f|foulard:m|étole:f", 20, 0.15, "", "", "wool, silk, cotton, polyester"),
                ("belt", "belt|waist belt", "ceinture:f", 25, 0.2, "clothing", "", "leather, suede, polyester"),
                ("tie", "tie|necktie|silk tie", "cravate:f|cravate fine:f", 25, 0.08, "", "M", "silk, polyester, wool"),
                ("heated_gloves", "heated gloves|battery heated gloves|heated ski gloves", "gants chauffants:mp|gants chauffants à piles:mp|gants de ski chauffants:mp", 45, 0.3, "clothing", "bl", "polyester, leather, wool"),
                ("stain_remover", "stain remover pen|stain remover spray|fabric stain remover", "stylo détachant:m|détachant textile:m|spray détachant:m", 5, 0.1, "", "hcmU"),
            ],
        },
    ),
    "electronics": dict(
        share=0.15, gender="u",
        brands="Voltix:2, Sonara:4, Pixelon:3, Zentrix:3, Arcwave:3, Heliox:4, Budgetech:1, Primelux:5",
        materials="plastic, aluminium, metal, glass",
        colors="black, white, silver, grey, blue, red, gold",
        styles="gaming, professional, portable, smart",
        usage_en="home entertainment|working from home|travel|gaming sessions",
        usage_fr="le divertissement à la maison|le télétravail|les voyages|les sessions de jeu|l'usage quotidien",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "tv_video": "home cinema / home cinéma:m",
            "audio": "audio device / appareil audio:m",
            "computing": "computing / matériel informatique:m",
            "phones": "mobile accessory / accessoire mobile:m",
            "cameras": "imaging device / appareil:m",
        },
        subcategories={
            "tv_video": [
                ("television", "tv|television|smart tv|led tv", "téléviseur:m|télévision:f|tv:f|smart tv:f", 400, 12.0, "tv", "ps"),
                ("projector", "projector|home cinema projector|mini projector", "vidéoprojecteur:m|projecteur:m", 250, 3.0, "resolution", "p"),
                ("soundbar", "soundbar|sound bar", "barre de son:f", 150, 3.0, "watts_small", "p"),
            ],
            "audio": [
                ("headphones", "headphones|over-ear headphones|wireless headphones", "casque audio:m|casque sans fil:m|casque bluetooth:m", 60, 0.3, "", "blV"),
                ("speaker", "bluetooth speaker|portable speaker|wireless speaker", "enceinte bluetooth:f|enceinte portable:f", 50, 0.6, "watts_small", "bl"),
                ("earbuds", "earbuds|wireless earbuds|in-ear headphones", "écouteurs sans fil:mp|écouteurs:mp|oreillettes:fp", 80, 0.05, "", "bl"),
                ("radio", "radio|dab radio|digital radio", "radio:f|radio numérique:f|poste de radio:m", 35, 1.0, "", "x"),
            ],
            "computing": [
                ("laptop", "laptop|notebook|ultrabook", "ordinateur portable:m|pc portable:m", 650, 2.0, "storage", "Bl", "aluminium, plastic"),
                ("tablet", "tablet|android tablet", "tablette:f|tablette tactile:f", 300, 0.5, "storage", "blV", "aluminium, plastic"),
                ("monitor", "monitor|computer monitor|pc monitor", "écran:m|écran pc:m|moniteur:m", 180, 5.0, "monitor", "p", "plastic, aluminium"),
                ("mouse", "mouse|wireless mouse|gaming mouse", "souris:f|souris sans fil:f", 20, 0.1, "", "b", "plastic"),
            ],
            "phones": [
                ("smartphone", "smartphone|mobile phone|phone", "smartphone:m|téléphone portable:m|mobile:m", 400, 0.2, "storage", "bl", "glass, aluminium, plastic"),
                ("power_bank", "power bank|portable charger|battery pack", "batterie externe:f|chargeur portable:m", 25, 0.3, "mah", "bh", "plastic, aluminium"),
                ("phone_case", "phone case|phone cover|case", "coque:f|étui:m|coque de téléphone:f", 12, 0.05, "", "", "silicone, leather, plastic"),
                ("charger", "charger|wall charger|usb charger", "chargeur:m|chargeur secteur:m|adaptateur secteur:m", 15, 0.1, "watts_small", "p", "plastic"),
            ],
            "cameras": [
                ("camera", "camera|digital camera|mirrorless camera", "appareil photo:m|appareil photo numérique:m", 450, 0.6, "megapixels", "blV", "plastic, metal"),
                ("drone", "drone|camera drone|mini drone", "drone:m|drone caméra:m", 300, 1.0, "dims", "bl", "plastic"),
                ("dashcam", "dash cam|dashcam|car camera", "caméra embarquée:f|dashcam:f", 60, 0.2, "resolution", "b", "plastic"),
            ],
        },
    ),
    "kitchen": dict(
        share=0.15, gender="u",
        brands="Cuisina:3, Ironpan:3, Fournelle:4, Kitchenly:2, Steelcraft:3, Belle Table:4, "
               "Homechef:2, Valuware:1",
        materials="stainless steel, cast iron, ceramic, glass, bamboo, plastic, silicone, copper",
        colors="silver, black, white, red, grey, blue, green, pink, yellow",
        styles="professional, compact, classic, eco",
        usage_en="everyday cooking|family meals|entertaining guests|small kitchens",
        usage_fr="la cuisine de tous les jours|les repas en famille|recevoir vos invités|les petites cuisines|l'usage quotidien",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "cookware": "cookware / ustensile de cuisson:m",
            "appliances": "kitchen appliance / électroménager:m",
            "tableware": "tableware / vaisselle:f",
            "utensils": "kitchen utensil / ustensile de cuisine:m",
            "cleaning": "cleaning product|cleaner / produit d'entretien:m",
        },
        subcategories={
            "cookware": [
                ("frying_pan", "frying pan|skillet|non-stick pan", "poêle:f|poêle antiadhésive:f|poêle à frire:f", 30, 1.2, "pan", "", "stainless steel, cast iron, copper, aluminium"),
                ("saucepan", "saucepan|pot|sauce pan", "casserole:f|casserole à induction:f", 35, 1.5, "pan", "", "stainless steel, copper, aluminium"),
                ("casserole_dish", "casserole dish|dutch oven|cocotte", "cocotte:f|faitout:m|cocotte en fonte:f", 70, 4.5, "pan", "", "cast iron, ceramic, stainless steel"),
            ],
            "appliances": [
                ("kettle", "kettle|electric kettle", "bouilloire:f|bouilloire électrique:f", 30, 1.2, "capacity", "p", "stainless steel, plastic, glass"),
                ("toaster", "toaster|slot toaster", "grille-pain:m|toaster:m", 35, 2.0, "slices", "p", "stainless steel, plastic"),
                ("coffee_machine", "coffee machine|coffee maker|espresso machine", "machine à café:f|cafetière:f|machine expresso:f", 120, 4.0, "capacity", "p", "stainless steel, plastic"),
                ("blender", "blender|smoothie maker|food processor", "blender:m|mixeur:m|robot mixeur:m", 60, 3.0, "watts", "p", "plastic, glass, stainless steel"),
                ("microwave", "microwave|microwave oven", "micro-ondes:m|four à micro-ondes:m", 110, 12.0, "watts", "ps", "stainless steel, plastic"),
                ("hand_mixer", "hand mixer|electric whisk|hand whisk", "batteur électrique:m|fouet électrique:m|batteur à main:m", 30, 1.0, "", "x", "plastic, stainless steel"),
            ],
            "tableware": [
                ("plate", "dinner plate|plate|side plate", "assiette:f|assiette plate:f", 8, 0.4, "set", "V", "ceramic, porcelain, glass, bamboo"),
                ("mug", "mug|coffee mug|tea cup", "mug:m|tasse:f|tasse à café:f", 8, 0.35, "set", "V", "ceramic, porcelain, glass"),
                ("drinking_glass", "glass|tumbler|wine glass", "verre:m|verre à vin:m|gobelet:m", 6, 0.2, "set", "", "glass, crystal, plastic"),
                ("cutlery_set", "cutlery set|flatware set|cutlery", "ménagère:f|set de couverts:m|couverts:mp", 40, 1.5, "set", "V", "stainless steel, bamboo"),
            ],
            "utensils": [
                ("chef_knife", "chef's knife|kitchen knife|knife", "couteau de chef:m|couteau de cuisine:m|couteau:m", 25, 0.2, "pan", "", "stainless steel, ceramic"),
                ("chopping_board", "chopping board|cutting board", "planche à découper:f", 18, 1.0, "dims", "", "bamboo, wood, plastic"),
                ("storage_jar", "storage jar|food container|jar", "bocal:m|boîte de conservation:f|pot de conservation:m", 10, 0.6, "set", "", "glass, plastic, ceramic"),
                ("kitchen_scale", "digital kitchen scale|kitchen scales|electronic scale", "balance de cuisine électronique:f|balance de cuisine:f|balance numérique:f", 20, 0.8, "", "b", "stainless steel, glass, plastic, bamboo"),
                ("pepper_mill", "electric pepper mill|electric salt and pepper grinder|automatic spice grinder", "moulin à poivre électrique:m|moulin à sel et poivre électrique:m|moulin à épices automatique:m", 22, 0.4, "", "b", "stainless steel, plastic, wood"),
            ],
            "cleaning": [
                ("bleach", "bleach|thick bleach|disinfectant bleach", "eau de javel:f|javel:f", 3, 1.0, "household", "hcm"),
                ("dish_soap", "washing up liquid|dish soap", "liquide vaisselle:m|produit vaisselle:m", 3, 0.6, "household", "cm"),
                ("oven_cleaner", "oven cleaner|oven cleaner spray|degreaser spray", "nettoyant four:m|spray dégraissant:m|nettoyant four aérosol:m", 5, 0.5, "household", "hcm"),
            ],
        },
    ),
    "toys": dict(
        share=0.14, gender="k",
        brands="Tinybrick:3, Playmoon:2, Funzo:2, Wooden Owl:4, Robokid:3, Jouets Léon:4, Kiddo:1, "
               "Starhop:3",
        materials="wood, plastic, plush, metal, cardboard",
        colors="multicolour, pink, blue, red, yellow, green, purple, brown, white",
        styles="educational, outdoor, creative, baby",
        usage_en="ages 3 and up|birthday gifts|rainy days|learning through play",
        usage_fr="les enfants dès 3 ans|les cadeaux d'anniversaire|les jours de pluie|l'apprentissage par le jeu|l'éveil de votre enfant",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "building": "construction toy / jouet de construction:m",
            "dolls": "playset / jouet:m",
            "soft_toys": "soft toy / peluche:f",
            "games": "game / jeu:m",
            "outdoor": "outdoor toy / jeu d'extérieur:m",
            "electronic_toys": "electronic toy / jouet électronique:m",
        },
        subcategories={
            "building": [
                ("building_blocks", "building blocks|building bricks|construction set", "briques de construction:fp|jeu de construction:m|blocs de construction:mp", 35, 1.0, "pieces", "", "plastic, wood"),
                ("marble_run", "marble run|marble track", "circuit à billes:m|toboggan à billes:m", 30, 1.2, "pieces", "", "wood, plastic"),
                ("magnetic_tiles", "magnetic tiles|magnetic blocks", "blocs magnétiques:mp|jeu de construction magnétique:m", 40, 1.2, "pieces", "", "plastic"),
                ("chemistry_set", "chemistry set|science kit|chemistry lab kit", "kit de chimie:m|coffret de chimie:m|kit scientifique:m", 30, 1.0, "age", "h", "plastic, cardboard"),
            ],
            "dolls": [
                ("doll", "doll|baby doll|fashion doll", "poupée:f|poupon:m|poupée mannequin:f", 25, 0.5, "age", "", "plastic, cotton"),
                ("dolls_house", "dolls house|doll's house|dollhouse", "maison de poupée:f", 70, 5.0, "age", "s", "wood, plastic"),
                ("action_figure", "action figure|figure|superhero figure", "figurine:f|figurine articulée:f", 15, 0.2, "age", "", "plastic"),
            ],
            "soft_toys": [
                ("teddy_bear", "teddy bear|teddy|soft toy bear", "ours en peluche:m|nounours:m|doudou ours:m", 20, 0.3, "dims", "", "plush, cotton"),
                ("plush_unicorn", "unicorn plush|unicorn soft toy|cuddly unicorn", "licorne en peluche:f|doudou licorne:m", 18, 0.3, "dims", "", "plush, cotton"),
                ("rattle", "baby rattle|rattle|teether", "hochet:m|hochet bébé:m|anneau de dentition:m", 8, 0.1, "age", "", "wood, plastic, silicone"),
            ],
            "games": [
                ("jigsaw_puzzle", "jigsaw puzzle|jigsaw|puzzle", "puzzle:m|casse-tête:m", 15, 0.6, "pieces", "G", "cardboard, wood"),
                ("board_game", "board game|family game|strategy game", "jeu de société:m|jeu de plateau:m", 30, 1.2, "age", "G", "cardboard"),
                ("card_game", "card game|playing cards|card deck", "jeu de cartes:m|cartes à jouer:fp", 10, 0.2, "age", "G", "cardboard, plastic"),
            ],
            "outdoor": [
                ("scooter", "scooter|kick scooter|kids scooter", "trottinette:f|patinette:f", 60, 4.0, "age", "s", "metal, aluminium, plastic"),
                ("trampoline", "trampoline|garden trampoline", "trampoline:m|trampoline de jardin:m", 200, 40.0, "trampoline", "s", "metal"),
                ("paddling_pool", "paddling pool|inflatable pool|kids pool", "piscine gonflable:f|pataugeoire:f", 30, 4.0, "dims", "", "plastic"),
                ("cap_gun", "cap gun|toy cap gun|cap gun with caps", "pistolet à amorces:m|pistolet à pétards:m|pistolet jouet à amorces:m", 12, 0.3, "age", "h", "metal, plastic"),
            ],
            "electronic_toys": [
                ("rc_car", "remote control car|rc car|racing car", "voiture télécommandée:f|voiture radiocommandée:f", 40, 1.0, "age", "b", "plastic, metal"),
                ("toy_robot", "robot toy|coding robot|interactive robot", "robot:m|robot interactif:m|robot éducatif:m", 50, 1.0, "age", "b", "plastic"),
                ("kids_tablet", "kids tablet|learning tablet", "tablette enfant:f|tablette éducative:f", 60, 0.5, "age", "bl", "plastic"),
            ],
        },
    ),
    "grocery": dict(
        share=0.07, gender="u",
        brands="Green Valley:3, Maison Dorée:5, Daily Basics:1, Bio Soleil:4, Harvest Co:2, "
               "Terre d'Or:4, Fresco:2, Petit Moulin:3",
        materials="", colors="",
        styles="organic, gourmet, family, vegan",
        usage_en="breakfast|the whole family|snacking on the go|your store cupboard",
        usage_fr="le petit-déjeuner|toute la famille|les petites faims|votre garde-manger|l'apéritif",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "drinks": "drink|beverage / boisson:f",
            "pantry": "pantry staple / épicerie:f",
            "snacks": "snack / en-cas:m",
            "household": "household essential / produit ménager:m",
            "pet": "pet supplies / produit pour animaux:m",
            "home": "home essentials|household essentials / essentiel de la maison:m",
            "baby": "baby care|baby products / puériculture:f|produit pour bébé:m",
        },
        subcategories={
            "drinks": [
                ("coffee", "coffee beans|ground coffee|coffee", "café en grains:m|café moulu:m|café:m", 8, 0.5, "mass", "icm"),
                ("tea", "tea bags|tea|green tea", "thé:m|thé vert:m|sachets de thé:mp", 4, 0.25, "count", "icm"),
                ("orange_juice", "orange juice|fresh orange juice", "jus d'orange:m|pur jus d'orange:m", 2.5, 1.0, "drink", "icm"),
                ("wine", "wine|table wine|bordeaux", "vin:m|vin de table:m|bordeaux:m", 9, 0.75, "drink", "im", "", "red, white, rosé"),
                ("milk_frother", "milk frother|handheld milk frother|electric milk whisk", "mousseur à lait:m|mousseur à lait électrique:m|émulsionneur à lait:m", 10, 0.15, "", "b", "stainless steel, plastic", "black, silver, white"),
            ],
            "pantry": [
                ("pasta", "pasta|spaghetti|penne", "pâtes:fp|spaghetti:mp|penne:fp", 1.5, 0.5, "mass", "icm"),
                ("rice", "rice|basmati rice|long grain rice", "riz:m|riz basmati:m", 2, 1.0, "mass", "icm"),
                ("olive_oil", "olive oil|extra virgin olive oil", "huile d'olive:f|huile d'olive vierge extra:f", 7, 0.75, "drink", "icm"),
                ("honey", "honey|runny honey|acacia honey", "miel:m|miel d'acacia:m", 6, 0.4, "mass", "icm"),
            ],
            "snacks": [
                ("chocolate", "chocolate|dark chocolate|milk chocolate", "chocolat:m|chocolat noir:m|chocolat au lait:m", 3, 0.2, "mass", "icm"),
                ("biscuits", "biscuits|cookies|shortbread", "biscuits:mp|sablés:mp|petits beurre:mp", 2, 0.3, "mass", "icm"),
                ("crisps", "crisps|potato chips|tortilla chips", "chips:fp|chips de pomme de terre:fp", 1.5, 0.15, "mass", "icm"),
                ("nuts", "cashew nuts|mixed nuts|almonds", "noix de cajou:fp|fruits secs:mp|amandes:fp", 4, 0.3, "mass", "icm"),
            ],
            "household": [
                ("air_freshener", "air freshener|air freshener spray|room spray", "désodorisant:m|désodorisant en aérosol:m|spray d'ambiance:m", 3, 0.3, "household", "hcm"),
                ("matches", "matches|safety matches|kitchen matches", "allumettes:fp|boîte d'allumettes:f", 2, 0.1, "count", "hcm"),
                ("laundry_detergent", "laundry detergent|washing liquid|washing powder", "lessive:f|lessive liquide:f", 8, 2.0, "household", "cm"),
                ("bin_bags", "bin bags|bin liners|refuse sacks", "sacs poubelle:mp|sacs-poubelle:mp|sacs à déchets:mp", 4, 0.5, "count", "", "plastic", "black, white, grey, blue"),
            ],
            "pet": [
                ("dog_food", "dog food|dry dog food|dog kibble", "croquettes pour chien:fp|nourriture pour chien:f", 20, 5.0, "pet", "icm"),
                ("cat_litter", "cat litter|clumping cat litter", "litière pour chat:f|litière agglomérante:f", 10, 10.0, "pet", "scm"),
                ("cat_treats", "cat treats|cat snacks", "friandises pour chat:fp", 3, 0.1, "mass", "icm"),
            ],
            "home": [
                ("batteries", "aa batteries|aaa batteries|alkaline batteries", "piles aa:fp|piles aaa:fp|piles alcalines:fp", 5, 0.15, "count", "bcm"),
                ("led_candles", "led candles|battery candles|flameless candles", "bougies led:fp|bougies à piles:fp|bougies sans flamme:fp", 12, 0.4, "set", "b", "wax, plastic", "white, beige, red, gold"),
                ("firelighters", "firelighters|bbq firelighters|fire starters", "allume-feu:mp|cubes allume-feu:mp|allume-barbecue:mp", 3, 0.4, "count", "hcm"),
            ],
            "baby": [
                ("baby_food", "baby food|baby puree|fruit puree pouches", "petits pots pour bébé:mp|purée pour bébé:f|gourdes de fruits:fp", 1.5, 0.2, "mass", "icmY"),
                ("baby_bottle", "baby bottle|feeding bottle|anti-colic bottle", "biberon:m|biberon anti-colique:m", 8, 0.15, "", "Y", "plastic, glass, silicone", "white, pink, blue"),
            ],
        },
    ),
    "beauty": dict(
        share=0.11, gender="b",
        brands="Lumière:4, Pure Skin:3, Velvet Rose:4, Dermaline:3, Nuage:2, Belle Peau:3, "
               "Essentia:5, Basic Care:1",
        materials="plastic, metal, ceramic",
        colors="black, white, pink, red, purple, gold, silver",
        styles="natural, sensitive, salon, luxury",
        usage_en="daily use|all skin types|travel|a salon finish at home",
        usage_fr="un usage quotidien|tous les types de peau|les voyages|un résultat professionnel à la maison|l'hiver",
        generic={  # subcategory -> vague noun used instead of the item's (English / French)
            "skincare": "skincare|skin care / soin du visage:m",
            "haircare": "hair care / soin capillaire:m",
            "makeup": "makeup / maquillage:m",
            "fragrance": "scent / senteur:f",
            "grooming": "grooming / soin:m",
            "health": "health / santé:f",
        },
        subcategories={
            "skincare": [
                ("moisturiser", "moisturiser|face cream|day cream", "crème hydratante:f|crème de jour:f|soin hydratant:m", 15, 0.2, "volume", "cm"),
                ("sunscreen", "sunscreen|sun cream|spf 50 sun lotion", "crème solaire:f|écran solaire:m|protection solaire spf 50:f", 12, 0.25, "volume", "cm"),
                ("face_serum", "face serum|serum|vitamin c serum", "sérum visage:m|sérum:m|sérum à la vitamine c:m", 25, 0.1, "volume", "cm"),
            ],
            "haircare": [
                ("shampoo", "shampoo|anti-dandruff shampoo", "shampooing:m|shampoing antipelliculaire:m", 6, 0.3, "volume", "cm"),
                ("hair_dryer", "hair dryer|hairdryer|ionic hair dryer", "sèche-cheveux:m|sèche-cheveux ionique:m", 40, 0.7, "watts", "p"),
                ("hairspray", "hairspray|hair spray|styling spray", "laque:f|spray coiffant:m|laque cheveux:f", 5, 0.3, "volume", "hcm"),
            ],
            "makeup": [
                ("lipstick", "lipstick|matte lipstick|lip colour", "rouge à lèvres:m|rouge à lèvres mat:m", 15, 0.05, "", "wm"),
                ("nail_polish", "nail polish|nail varnish|gel polish", "vernis à ongles:m|vernis:m", 8, 0.05, "", "lwm"),
                ("nail_polish_remover", "nail polish remover|acetone remover", "dissolvant:m|dissolvant sans acétone:m", 4, 0.15, "volume", "hwcm"),
            ],
            "fragrance": [
                ("perfume", "perfume|eau de parfum|fragrance", "parfum:m|eau de parfum:f|eau de toilette:f", 60, 0.3, "volume", "wcm"),
                ("aftershave", "aftershave|after shave balm", "après-rasage:m|baume après-rasage:m|lotion après-rasage:f", 30, 0.2, "volume", "Mcm"),
                ("deodorant", "deodorant|deodorant spray|antiperspirant", "déodorant:m|déodorant spray:m|anti-transpirant:m", 4, 0.2, "volume", "hcm"),
            ],
            "grooming": [
                ("electric_shaver", "electric shaver|electric razor|beard trimmer", "rasoir électrique:m|tondeuse à barbe:f", 60, 0.4, "", "xM"),
                ("razor", "razor|safety razor|razor blades", "rasoir:m|rasoir de sûreté:m|lames de rasoir:fp", 10, 0.1, "count", "M"),
                ("electric_toothbrush", "electric toothbrush|sonic toothbrush", "brosse à dents électrique:f|brosse à dents sonique:f", 50, 0.3, "", "B"),
            ],
            "health": [
                ("vitamins", "vitamins|multivitamins|vitamin d tablets", "vitamines:fp|multivitamines:fp|complément alimentaire:m", 12, 0.2, "capsules", "icm"),
                ("protein_powder", "protein powder|whey protein", "protéine en poudre:f|protéine whey:f", 30, 1.0, "mass", "icm"),
                ("plasters", "plasters|bandages|first aid plasters", "pansements:mp|pansements adhésifs:mp", 4, 0.1, "count", "cm"),
            ],
        },
    ),
}
PRODUCT_GROUPS: list[str] = list(_GROUPS)

# material: (English title words, French title phrases, French noun, price mult, weight mult)
_MATERIALS: dict[str, tuple[str, str, str, float, float]] = {
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
_COLORS: dict[str, tuple[str, str]] = {
    "black": ("black|jet black", "noir|noire"), "white": ("white", "blanc|blanche"),
    "grey": ("grey|gray", "gris|grise"), "red": ("red", "rouge"), "blue": ("blue", "bleu|bleue"),
    "navy": ("navy|navy blue", "=bleu marine"), "green": ("green", "vert|verte"),
    "pink": ("pink", "rose"), "yellow": ("yellow", "jaune"), "beige": ("beige|cream", "beige"),
    "brown": ("brown", "=marron"), "purple": ("purple", "violet|violette"),
    "gold": ("gold|golden", "doré|dorée"), "silver": ("silver", "argenté|argentée"),
    "multicolour": ("multicolour|multicoloured", "multicolore"), "rosé": ("rosé|rose", "=rosé"),
}

# style (browse-category usage/look): (English words, French "masculine|feminine")
_STYLES: dict[str, tuple[str, str]] = {
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

_Size = tuple[str, str, str, float, float]  # label, English tokens, French tokens, price mult, weight mult


def _sized(label: str, en: str, fr: str, rows: Sequence[tuple[float, float, float]]) -> list[_Size]:
    """Expand format strings over (n, price mult, weight mult) rows; {nf} is n with a French comma."""
    out = []
    for n, price, weight in rows:
        keys = dict(n=f"{n:g}", nf=f"{n:g}".replace(".", ","))
        out.append((label.format(**keys), en.format(**keys), fr.format(**keys), price, weight))
    return out


# size systems: each item names one; weight/price multipliers are relative to the item's base
_SIZES: dict[str, list[_Size]] = {
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

_GENDERS: list[tuple[str, str, str]] = [  # label, English words, French words
    ("men", "men's|mens|for men", "homme|pour homme"),
    ("women", "women's|womens|ladies", "femme|pour femme"),
    ("unisex", "unisex", "mixte|unisexe"),
    ("kids", "kids|children's|boys & girls", "enfant|pour enfant|fille et garçon"),
]
_KIDS_WORDS = ("kids|children's|for boys|for girls|boys & girls|junior",
               "enfant|pour enfant|pour garçon|pour fille|fille et garçon|junior")
# P(men, women, unisex, kids), P(gender word in title | gender) and title words replacing
# _GENDERS' (gender -> (English, French)) per gender profile (item flag, else group default)
_GENDER_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...], dict[str, tuple[str, str]]]] = {
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
_PROFILE_FLAGS = {"w": "w", "M": "M", "U": "u", "Y": "k", "V": "V", "G": "G", "L": "L"}  # item flag -> profile
_TIER_PRICE = {1: 0.55, 2: 0.8, 3: 1.0, 4: 1.45, 5: 2.3}

_FILLERS = {
    "en": "fast dispatch|premium|2024|set of 2|free delivery|gift idea|top quality|limited edition|great value|2 year warranty|uk stock",
    "fr": "expédition rapide|premium|2024|lot de 2|livraison gratuite|idée cadeau|qualité supérieure|édition limitée|bon rapport qualité-prix|garantie 2 ans",
}
_TAGS = {  # listing badges said in the title: (bestseller words, new-listing words)
    "en": ("Bestseller|Best Seller|#1 Best Seller", "New|New In|New Arrival"),
    "fr": ("Meilleure vente|Top vente|Best-seller", "Nouveau|Nouveauté|Nouvelle collection"),
}
# Popularity (log1p view_count) = brand popularity + item-type demand + listing badge + noise, so
# that about 55% of its variance within a group is explained by words of the title.
_TAG_SHARES = (0.14, 0.12)       # P(bestseller badge), P(new-listing badge) per listing
_TAG_VIEWS = (1.2, -0.7)         # log-views effect of each badge
_ITEM_POP_SPREAD = 0.9           # item-type demand effects spread evenly over [-spread, spread]
_OFFERS = {
    "en": "sale|special offer|deal|clearance|-10%|-20%|-25%|-30%|-50%",
    "fr": "promo|soldes|offre spéciale|prix choc|-10%|-20%|-25%|-30%|-50%",
}
_POWER_WORDS = {  # (battery words, mains words)
    "en": ("rechargeable|cordless|battery powered|wireless", "mains powered|corded|plug-in"),
    "fr": ("rechargeable|sans fil|à piles|sur batterie", "filaire|sur secteur|avec prise"),
}
_FEATURES = {  # sentence per feature: hazardous, battery, plug, ingestible, bulky, default
    "en": ["Warning: flammable, keep away from heat and flames.", "Rechargeable battery included.",
           "Mains powered, supplied with a UK plug.", "Store in a cool, dry place.",
           "Delivered in one large box, two-person assembly recommended.", "Easy to clean and built to last."],
    "fr": ["Attention : inflammable, tenir à l'écart de la chaleur et des flammes.", "Batterie rechargeable incluse.",
           "Alimentation sur secteur, prise européenne.", "À conserver dans un endroit frais et sec.",
           "Livré dans un grand carton, montage à deux recommandé.", "Facile à entretenir et conçu pour durer."],
}
_EN_VERBS = np.array(["is perfect for ", "is designed for ", "is a great choice for ", "is ideal for "], dtype=object)

# --------------------------------------------------------------------------------------------
# Counter-based hashing: every draw is splitmix64(seed, key, field). Field numbers are part of
# the catalog's definition: never renumber them.
# --------------------------------------------------------------------------------------------
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_NORMAL_PAIR = 1000  # second uniform of a Box-Muller pair lives at field + 1000
_CALIBRATION_SEED = 0x5EED_CA1B  # fixed: high-value thresholds describe the generator, not a seed

(F_PAIR, F_GROUP, F_ITEM, F_BRAND, F_COLOR, F_SIZE, F_MATERIAL, F_STYLE, F_GENDER, F_POWER,
 F_HAZARD, F_PRICE, F_WEIGHT, F_POP, F_SIOC, F_GIFT, F_MODEL, F_NULL_COLOR, F_NULL_SIZE,
 F_NULL_MATERIAL, F_NULL_WEIGHT, F_NULL_PRICE, F_ITEM_POP) = range(1, 24)
(F_OFFER, F_VIEWS, F_REVIEWS, F_TEMPLATE, F_CASE, F_SHOW_BRAND, F_SHOW_COLOR, F_SHOW_MATERIAL,
 F_SHOW_SIZE, F_SHOW_STYLE, F_SHOW_GENDER, F_SHOW_FILLER, F_SHOW_OFFER, F_SHOW_MODEL,
 F_SHOW_POWER, F_SYN_NOUN, F_SYN_COLOR, F_SYN_MATERIAL, F_SYN_SIZE, F_SYN_STYLE, F_SYN_GENDER,
 F_SYN_FILLER, F_SYN_OFFER, F_SYN_POWER, F_DESC_COUNT, F_DESC_VARIANT, F_DESC_USAGE,
 F_DESC_USAGE2, F_DESC_VERB, F_DIRTY, F_DIRTY_KIND, F_DIRTY_VARIANT, F_GENERIC,
 F_SYN_GENERIC, F_TAG, F_TAG_POS, F_SYN_TAG) = range(101, 138)


def _mix_int(x: int) -> int:
    """splitmix64 finaliser on one Python int (driver or worker)."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrap-around arithmetic, vectorised)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _hash(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """uint64 hash of (seed, key, field) for every key."""
    salt = _mix_int(_mix_int(seed) * _GOLDEN + field * 0xD1B54A32D192ED03)
    return _mix64(keys.astype(np.uint64) * np.uint64(_GOLDEN) + np.uint64(salt))


def _uniform(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """Uniform [0, 1) doubles, one per key."""
    return (_hash(seed, keys, field) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def _normal(seed: int, keys: np.ndarray, field: int) -> np.ndarray:
    """Standard normal draws (Box-Muller over two hashed uniforms)."""
    u1 = 1.0 - _uniform(seed, keys, field)
    u2 = _uniform(seed, keys, field + _NORMAL_PAIR)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------------------------
# Vocabulary tables as numpy arrays (built once per process). Every id table has one extra
# trailing entry ("" / neutral multiplier), so id -1 means "absent" without special cases.
# --------------------------------------------------------------------------------------------
def _syns(text: str) -> list[str]:
    return [s.strip() for s in text.split("|")]


def _padded(rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged word lists -> (object array [len+1, width] with a trailing empty row, counts)."""
    width = max(len(r) for r in rows)
    table = np.full((len(rows) + 1, width), "", dtype=object)
    for i, r in enumerate(rows):
        table[i, :len(r)] = r
    counts = np.array([len(r) for r in rows] + [1], dtype=np.int64)
    return table, counts


def _pick(table: np.ndarray, counts: np.ndarray, ids: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One synonym per row: table[ids, floor(u * count)] (ids may be -1 -> "")."""
    return table[ids, (u * counts[ids]).astype(np.int64)]


def _fr_forms(spec: str) -> list[str]:
    """French adjective 'm|f' (or '=invariable') -> [m, f, m plural, f plural]."""
    if spec.startswith("="):
        return [spec[1:]] * 4
    m, f = (spec.split("|") + [spec])[:2]
    plural = [w if w.endswith(("s", "x")) else w + "s" for w in (m, f)]
    return [m, f, *plural]


@dataclass(frozen=True)
class _Stacked:
    """Vectorised categorical draws conditional on a parent id (group, item, size system...)."""

    cdf: np.ndarray     # parent + cumulative share within the parent's block
    values: np.ndarray  # the drawn id of every slot (-1 where a parent has no options)

    @staticmethod
    def build(options: Sequence[Sequence[int]], weights: Sequence[Sequence[float]] | None = None) -> "_Stacked":
        cdf, values = [], []
        for parent, opts in enumerate(options):
            w = np.asarray(weights[parent] if weights else [1.0] * len(opts), dtype=np.float64)
            if len(opts) == 0:
                opts, w = [-1], np.ones(1)
            cum = np.cumsum(w) / w.sum()
            cum[-1] = 1.0
            cdf.extend(parent + cum)
            values.extend(opts)
        return _Stacked(np.asarray(cdf), np.asarray(values, dtype=np.int64))

    def pick(self, parent: np.ndarray, u: np.ndarray) -> np.ndarray:
        x = parent + np.minimum(u, 1.0 - 1e-9)
        return self.values[np.searchsorted(self.cdf, x, side="right")]


@dataclass(frozen=True)
class _Tables:
    """All vocabulary as arrays; indices: group g, item i, material m, colour c, style s, size z."""

    group_names: np.ndarray
    group_cdf: np.ndarray
    item_choice: _Stacked
    brand_choice: _Stacked
    color_choice: _Stacked       # per item
    material_choice: _Stacked
    style_choice: _Stacked
    size_choice: _Stacked
    gender_choice: _Stacked
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
    noun_en: tuple[np.ndarray, np.ndarray]
    noun_fr: tuple[np.ndarray, np.ndarray]
    noun_fr_gender: np.ndarray   # [item, syn]: 0 m, 1 f, 2 m plural, 3 f plural
    noun_fr_vowel: np.ndarray    # [item, syn]: starts with a vowel or h (elision)
    generic_en: tuple[np.ndarray, np.ndarray]  # per subcategory
    generic_fr: tuple[np.ndarray, np.ndarray]
    generic_fr_gender: np.ndarray
    material_conflict_en: np.ndarray  # [item, syn, material]: material word already in the noun
    material_conflict_fr: np.ndarray
    brand_names: np.ndarray
    brand_tier: np.ndarray
    brand_pop: np.ndarray
    item_pop: np.ndarray         # log-views effect of the item type (fixed, seed-independent)
    brand_vowel: np.ndarray
    color_names: np.ndarray
    color_en: tuple[np.ndarray, np.ndarray]
    color_fr: np.ndarray         # [colour, gender form]
    material_names: np.ndarray
    material_en: tuple[np.ndarray, np.ndarray]
    material_fr: tuple[np.ndarray, np.ndarray]
    material_fr_noun: np.ndarray
    material_price: np.ndarray
    material_weight: np.ndarray
    group_style_ids: np.ndarray  # [group, local style] -> style id
    style_en: tuple[np.ndarray, np.ndarray]
    style_fr: np.ndarray         # [style, gender form]
    browse: np.ndarray           # [item, local style] -> browse category
    size_labels: np.ndarray
    size_en: tuple[np.ndarray, np.ndarray]
    size_fr: tuple[np.ndarray, np.ndarray]
    size_price: np.ndarray
    size_weight: np.ndarray
    gender_names: np.ndarray
    gender_en: tuple[np.ndarray, np.ndarray]  # row profile * 4 + gender
    gender_fr: tuple[np.ndarray, np.ndarray]
    profile_show_gender: np.ndarray  # [profile, gender]
    usage: dict[str, tuple[np.ndarray, np.ndarray]]
    words: dict[str, tuple[np.ndarray, np.ndarray]]  # fillers/offers/power/badge words per language


def _has_word(phrases: Sequence[str], noun: str) -> bool:
    """True when a content word of any phrase already occurs in the noun (avoid 'jean en jean')."""
    noun_words = set(noun.lower().replace("-", " ").split())
    stop = {"en", "à", "de", "100%", "solid", "genuine"}
    return any(w in noun_words for p in phrases for w in p.lower().split() if w not in stop)


def _item_rows() -> list[tuple[str, str, tuple]]:
    """Flatten _GROUPS to (group, subcategory, item tuple) rows in a fixed order."""
    return [(g, sub, item) for g, spec in _GROUPS.items()
            for sub, items in spec["subcategories"].items() for item in items]


def _names(text: str, names: list[str]) -> list[int]:
    """'oak, wood' -> indices into names."""
    return [names.index(t.strip()) for t in text.split(",") if t.strip()]


def _appended(values: Sequence, neutral: str | float) -> np.ndarray:
    """values plus the neutral entry that id -1 selects."""
    return np.array(list(values) + [neutral], dtype=object if isinstance(neutral, str) else np.float64)


def _french_nouns(specs: Sequence[str]) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """'chaise:f|siège:m' specs -> (padded words, counts), gender form codes, starts-with-vowel."""
    codes = {"m": 0, "f": 1, "mp": 2, "fp": 3}
    parsed = [[w.rsplit(":", 1) for w in _syns(spec)] for spec in specs]
    table, counts = _padded([[w for w, _ in ws] for ws in parsed])
    gender = np.zeros(table.shape, dtype=np.int64)
    vowel = np.zeros(table.shape, dtype=bool)
    for i, ws in enumerate(parsed):
        gender[i, :len(ws)] = [codes[c] for _, c in ws]
        vowel[i, :len(ws)] = [w[0].lower() in "aeiouhéèêâîôûœ" for w, _ in ws]
    return (table, counts), gender, vowel


def _conflicts(nouns: np.ndarray, lang_col: int) -> np.ndarray:
    """[item, syn, material] True where the material's words already occur in the noun."""
    return np.array([[[_has_word(_syns(spec[lang_col]), n) for spec in _MATERIALS.values()] + [False]
                      for n in row] for row in nouns])


def _brand_table() -> tuple[list[tuple[str, float, float]], list[list[int]], list[list[float]]]:
    """All brands (name, price tier multiplier, popularity) and each group's brand ids/weights."""
    brands, options, weights = [], [], []
    for spec in _GROUPS.values():
        entries = [b.rsplit(":", 1) for b in spec["brands"].split(", ")]
        pops = [1.0 / (j + 1) ** 0.9 for j in range(len(entries))]  # earlier brands more popular
        options.append(list(range(len(brands), len(brands) + len(entries))))
        weights.append(pops)
        brands.extend((name, _TIER_PRICE[int(tier)], pop) for (name, tier), pop in zip(entries, pops))
    return brands, options, weights


def _item_popularity(item_start: np.ndarray) -> np.ndarray:
    """Item-type demand effects on log views: within each group, the items (in a fixed hashed
    order that does not depend on the catalog seed) get evenly spaced effects in
    [-_ITEM_POP_SPREAD, _ITEM_POP_SPREAD]."""
    out = np.zeros(int(item_start[-1]) + 1)  # trailing neutral entry
    for lo, hi in zip(item_start[:-1], item_start[1:]):
        order = np.argsort(_hash(_CALIBRATION_SEED, np.arange(lo, hi, dtype=np.int64), F_ITEM_POP), kind="stable")
        out[lo + order] = np.linspace(-_ITEM_POP_SPREAD, _ITEM_POP_SPREAD, hi - lo)
    return out


def _item_weights(spec: dict) -> list[float]:
    """Equal share per subcategory; within one, earlier items are a bit more common."""
    subs = spec["subcategories"].values()
    return [1.0 / len(subs) / (1 + 0.25 * j) / sum(1 / (1 + 0.25 * k) for k in range(len(items)))
            for items in subs for j in range(len(items))]


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Build every lookup array from the vocabulary dicts (once per Python process)."""
    groups, profiles = list(_GROUPS), list(_GENDER_PROFILES)
    mat_names, color_names, style_names = list(_MATERIALS), list(_COLORS), list(_STYLES)
    sizes = [(system, s) for system, entries in _SIZES.items() for s in entries]
    rows = _item_rows()
    subcats = list(dict.fromkeys((g, sub) for g, sub, _ in rows))
    flags = [item[6] for _, _, item in rows]
    group_styles = [_names(_GROUPS[g]["styles"], style_names) for g in groups]
    brands, brand_opts, brand_w = _brand_table()
    item_start = np.cumsum([0] + [sum(map(len, _GROUPS[g]["subcategories"].values())) for g in groups])
    item_colors = [[] if "c" in f else _names(item[8] if len(item) > 8 else _GROUPS[g]["colors"], color_names)
                   for (g, _, item), f in zip(rows, flags)]
    gender_words = [[_GENDER_PROFILES[p][2].get(label, (en, fr)) for label, en, fr in _GENDERS] for p in profiles]

    noun_en = _padded([_syns(item[1]) for _, _, item in rows])
    noun_fr, noun_fr_gender, noun_fr_vowel = _french_nouns([item[2] for _, _, item in rows])
    generic = [_GROUPS[g]["generic"][sub].split(" / ") for g, sub in subcats]
    generic_fr, generic_fr_gender, _ = _french_nouns([fr for _, fr in generic])
    browse = np.full((len(rows) + 1, 4), "", dtype=object)
    for i, (g, _, item) in enumerate(rows):
        browse[i, :4] = [f"{item[0]}/{style_names[s]}" for s in group_styles[groups.index(g)]]
    materials = [[] if "m" in f else _names(item[7] if len(item) > 7 else _GROUPS[g]["materials"], mat_names)
                 for (g, _, item), f in zip(rows, flags)]
    shares = np.array([_GROUPS[g]["share"] for g in groups])

    return _Tables(
        group_names=np.array(groups, dtype=object),
        group_cdf=np.cumsum(shares) / shares.sum(),
        item_choice=_Stacked.build([list(range(item_start[g], item_start[g + 1])) for g in range(len(groups))],
                                   [_item_weights(_GROUPS[g]) for g in groups]),
        brand_choice=_Stacked.build(brand_opts, brand_w),
        color_choice=_Stacked.build(item_colors,  # earlier colours of a group (or item) are more common
                                    [[1.0 / (j + 1) ** 0.8 for j in range(len(c))] for c in item_colors]),
        material_choice=_Stacked.build(materials),
        style_choice=_Stacked.build([list(range(len(s))) for s in group_styles]),
        size_choice=_Stacked.build([[i for i, (k, _) in enumerate(sizes) if k == system] for system in _SIZES]),
        gender_choice=_Stacked.build([[0, 1, 2, 3]] * len(profiles), [_GENDER_PROFILES[p][0] for p in profiles]),
        item_names=_appended([item[0] for _, _, item in rows], ""),
        item_subcat=np.array([subcats.index((g, sub)) for g, sub, _ in rows]),
        subcat_names=np.array([sub for _, sub in subcats], dtype=object),
        item_price=np.array([item[3] for _, _, item in rows], dtype=np.float64),
        item_kg=np.array([item[4] for _, _, item in rows], dtype=np.float64),
        item_size_sys=np.array([list(_SIZES).index(item[5]) if item[5] else -1 for _, _, item in rows]),
        item_power=np.array([next((code for flag, code in (("B", 4), ("x", 3), ("p", 2), ("b", 1)) if flag in f), 0)
                             for f in flags]),
        item_hazard=np.array([0.9 if "h" in f else 0.2 if "l" in f else 0.0 for f in flags]),
        item_ingestible=np.array(["i" in f for f in flags]),
        item_bulky=np.array(["s" in f for f in flags]),
        item_has_color=np.array([bool(c) for c in item_colors]),
        item_profile=np.array([profiles.index(next((_PROFILE_FLAGS[x] for x in f if x in _PROFILE_FLAGS),
                                                   _GROUPS[g]["gender"])) for (g, _, _), f in zip(rows, flags)]),
        noun_en=noun_en, noun_fr=noun_fr, noun_fr_gender=noun_fr_gender, noun_fr_vowel=noun_fr_vowel,
        generic_en=_padded([_syns(en) for en, _ in generic]), generic_fr=generic_fr,
        generic_fr_gender=generic_fr_gender,
        material_conflict_en=_conflicts(noun_en[0], 0), material_conflict_fr=_conflicts(noun_fr[0], 1),
        brand_names=np.array([b[0] for b in brands], dtype=object),
        brand_tier=np.array([b[1] for b in brands]),
        brand_pop=np.array([b[2] for b in brands]),
        item_pop=_item_popularity(item_start),
        brand_vowel=np.array([b[0][0] in "AEIOUÉ" for b in brands]),
        color_names=_appended(color_names, ""),
        color_en=_padded([_syns(_COLORS[c][0]) for c in color_names]),
        color_fr=np.array([_fr_forms(_COLORS[c][1]) for c in color_names] + [[""] * 4], dtype=object),
        material_names=_appended(mat_names, ""),
        material_en=_padded([_syns(_MATERIALS[m][0]) for m in mat_names]),
        material_fr=_padded([_syns(_MATERIALS[m][1]) for m in mat_names]),
        material_fr_noun=_appended([_MATERIALS[m][2] for m in mat_names], ""),
        material_price=_appended([_MATERIALS[m][3] for m in mat_names], 1.0),
        material_weight=_appended([_MATERIALS[m][4] for m in mat_names], 1.0),
        group_style_ids=np.array(group_styles, dtype=np.int64),
        style_en=_padded([_syns(_STYLES[s][0]) for s in style_names]),
        style_fr=np.array([_fr_forms(_STYLES[s][1]) for s in style_names] + [[""] * 4], dtype=object),
        browse=browse,
        size_labels=_appended([s[0] for _, s in sizes], ""),
        size_en=_padded([_syns(s[1]) for _, s in sizes]),
        size_fr=_padded([_syns(s[2]) for _, s in sizes]),
        size_price=_appended([s[3] for _, s in sizes], 1.0),
        size_weight=_appended([s[4] for _, s in sizes], 1.0),
        gender_names=np.array([g[0] for g in _GENDERS], dtype=object),
        gender_en=_padded([_syns(en) for words in gender_words for en, _ in words]),
        gender_fr=_padded([_syns(fr) for words in gender_words for _, fr in words]),
        profile_show_gender=np.array([_GENDER_PROFILES[p][1] for p in profiles]),
        usage={lang: _padded([_syns(_GROUPS[g][f"usage_{lang}"]) for g in groups]) for lang in ("en", "fr")},
        words={f"{kind}_{lang}": _padded([_syns(text)]) for lang in ("en", "fr")
               for kind, text in (("filler", _FILLERS[lang]), ("offer", _OFFERS[lang]),
                                  ("battery", _POWER_WORDS[lang][0]), ("mains", _POWER_WORDS[lang][1]),
                                  ("bestseller", _TAGS[lang][0]), ("new", _TAGS[lang][1]))},
    )


# --------------------------------------------------------------------------------------------
# Hidden product attributes (keyed by product key) and listing draws (keyed by row id)
# --------------------------------------------------------------------------------------------
def _style_global(t: _Tables, group: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Global style id (index into _STYLES order) of a group's local style index."""
    return t.group_style_ids[group, local]


def _draw_products(seed: int, pkey: np.ndarray) -> dict[str, np.ndarray]:
    """Hidden attributes of the products with these keys (vectorised; same key -> same product)."""
    t = _tables()
    u = functools.partial(_uniform, seed, pkey)
    n = functools.partial(_normal, seed, pkey)
    group = np.searchsorted(t.group_cdf, np.minimum(u(F_GROUP), 1 - 1e-12), side="right")
    item = t.item_choice.pick(group, u(F_ITEM))
    brand = t.brand_choice.pick(group, u(F_BRAND))
    color = t.color_choice.pick(item, u(F_COLOR))
    material = t.material_choice.pick(item, u(F_MATERIAL))
    sys_ = t.item_size_sys[item]
    size = np.where(sys_ >= 0, t.size_choice.pick(np.maximum(sys_, 0), u(F_SIZE)), -1)
    style = t.style_choice.pick(group, u(F_STYLE))
    profile = t.item_profile[item]
    gender = t.gender_choice.pick(profile, u(F_GENDER))
    mode = t.item_power[item]
    cordless = u(F_POWER) < 0.55
    batteries = (mode == 1) | (mode == 4) | ((mode == 3) & cordless)
    has_plug = (mode == 2) | (mode == 4) | ((mode == 3) & ~cordless)
    price = (t.item_price[item] * t.brand_tier[brand] * t.material_price[material] * t.size_price[size]
             * np.exp(0.35 * n(F_PRICE)))
    weight = t.item_kg[item] * t.size_weight[size] * t.material_weight[material] * np.exp(0.3 * n(F_WEIGHT))
    sioc_logit = 2.2 * t.item_bulky[item] + 1.6 * (np.log(weight) - np.log(12.0)) + 0.7 * n(F_SIOC)
    return dict(
        group=group, item=item, brand=brand, color=color, material=material, size=size,
        style=style, gender=gender, profile=profile, batteries=batteries, has_plug=has_plug,
        cordless=cordless & (mode == 3), hazardous=u(F_HAZARD) < t.item_hazard[item],
        price_gbp=price, weight=weight, pop_z=n(F_POP), sioc=sioc_logit > 0,
        gift_wrap=u(F_GIFT) < 0.3, model=_hash(seed, pkey, F_MODEL),
        null_color=u(F_NULL_COLOR) < 0.01, null_size=u(F_NULL_SIZE) < 0.02,
        null_material=u(F_NULL_MATERIAL) < 0.02, null_weight=u(F_NULL_WEIGHT) < 0.25,
        null_price=u(F_NULL_PRICE) < 0.05,
    )


@functools.lru_cache(maxsize=1)
def _high_value_thresholds() -> np.ndarray:
    """GBP price at the HIGH_VALUE_QUANTILE of each group, from a fixed calibration sample."""
    p = _draw_products(_CALIBRATION_SEED, np.arange(200_000, dtype=np.int64))
    return np.array([np.quantile(p["price_gbp"][p["group"] == g], HIGH_VALUE_QUANTILE)
                     for g in range(len(_GROUPS))])


def _charm_price(p: np.ndarray) -> np.ndarray:
    """Shop-style prices: 12.99 above 10, two decimals below."""
    return np.where(p >= 10.0, np.floor(p) + 0.99, np.round(np.maximum(p, 0.5), 2))


@dataclass(frozen=True)
class _Layout:
    """Which product each row lists: row 2k uk listing of product k, row 2k+1 fr listing."""

    is_fr: np.ndarray
    k: np.ndarray
    pkey: np.ndarray
    pair_key: np.ndarray


def _layout(seed: int, rows: np.ndarray, n_rows: int, pair_fraction: float) -> _Layout:
    """Pairing of uk/fr rows; the product key is the uk row id for shared products."""
    is_fr = (rows & 1).astype(bool)
    k = rows >> 1
    paired = _uniform(seed, k, F_PAIR) < pair_fraction
    has_partner = paired & (2 * k + 1 < n_rows)
    pkey = np.where(is_fr & paired, rows - 1, rows)
    pair_key = np.full(rows.size, None, dtype=object)
    partnered = np.flatnonzero(has_partner)
    pair_key[partnered] = [f"p-{x}" for x in k[partnered].tolist()]
    return _Layout(is_fr, k, pkey, pair_key)


# --------------------------------------------------------------------------------------------
# Titles and descriptions (language-specific), built column-wise on object arrays
# --------------------------------------------------------------------------------------------
def _when(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values where mask else ""."""
    return np.where(mask, values, "").astype(object)


def _wrap(a: np.ndarray, pre: str, post: str) -> np.ndarray:
    return a if not (pre or post) else np.where(a != "", pre + a + post, "").astype(object)


_TEMPLATES: dict[str, list[list[tuple[str, str, str]]]] = {
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


def _compose(spec: list[tuple[str, str, str]], parts: dict[str, np.ndarray]) -> list[str]:
    """Join one template's non-empty parts with single spaces, row by row."""
    cols = [_wrap(parts[name], pre, post) for pre, name, post in spec]
    return [" ".join([p for p in row if p]) for row in zip(*cols)]


_LETTERS = np.array([chr(c) for c in range(ord("A"), ord("Z") + 1)], dtype=object)


def _model_codes(h: np.ndarray) -> np.ndarray:
    """Product model codes such as 'KX-450' from a per-product hash."""
    first = _LETTERS[(h % np.uint64(26)).astype(np.int64)]
    second = _LETTERS[((h >> np.uint64(8)) % np.uint64(26)).astype(np.int64)]
    number = ((h >> np.uint64(16)) % np.uint64(900) + np.uint64(100)).astype(np.int64).astype(str).astype(object)
    return first + second + "-" + number


def _nouns(u: Callable[[int], np.ndarray], lang: str, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Head noun per row: an item synonym, or (10%) the subcategory's vague noun. French rows
    also get the noun's gender form, which the colour and style adjectives agree with."""
    t = _tables()
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


def _power_words(u: Callable[[int], np.ndarray], lang: str, p: dict[str, np.ndarray]) -> np.ndarray:
    """'cordless' / 'sur secteur'-style words, shown more often for cordless variants."""
    t = _tables()
    zero = np.zeros_like(p["item"])
    battery = _pick(*t.words[f"battery_{lang}"], zero, u(F_SYN_POWER))
    mains = _pick(*t.words[f"mains_{lang}"], zero, u(F_SYN_POWER))
    mode = t.item_power[p["item"]]
    shown = np.select([p["cordless"], mode == 4, mode == 1, mode == 3, mode == 2], [0.6, 0.3, 0.3, 0.3, 0.1], 0.0)
    return _when(u(F_SHOW_POWER) < shown, np.where(p["batteries"], battery, mains))


def _title_parts(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray],
                 on_offer: np.ndarray, tag: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Title components for one language (each "" when omitted) and the noun synonym index."""
    t = _tables()
    u = functools.partial(_uniform, seed, rows)
    nouns, style_id = _nouns(u, lang, p), _style_global(t, p["group"], p["style"])
    if lang == "en":
        color = _pick(*t.color_en, p["color"], u(F_SYN_COLOR))
        style = _pick(*t.style_en, style_id, u(F_SYN_STYLE))
    else:
        color, style = t.color_fr[p["color"], nouns["form"]], t.style_fr[style_id, nouns["form"]]
    words = {k: getattr(t, f"{k}_{lang}") for k in ("material", "size", "gender")}
    zero = np.zeros_like(p["item"])
    model_share = np.where(p["group"] == PRODUCT_GROUPS.index("electronics"), 0.35, 0.1)
    parts = dict(
        noun=nouns["noun"],
        brand=_when(u(F_SHOW_BRAND) < 0.85, t.brand_names[p["brand"]]),
        color=_when(u(F_SHOW_COLOR) < 0.7, color),
        material=_when((u(F_SHOW_MATERIAL) < 0.6) & nouns["material_ok"],
                       _pick(*words["material"], p["material"], u(F_SYN_MATERIAL))),
        size=_when(u(F_SHOW_SIZE) < 0.6, _pick(*words["size"], p["size"], u(F_SYN_SIZE))),
        style=_when(u(F_SHOW_STYLE) < 0.4, style),
        gender=_when(u(F_SHOW_GENDER) < t.profile_show_gender[p["profile"], p["gender"]],
                     _pick(*words["gender"], 4 * p["profile"] + p["gender"], u(F_SYN_GENDER))),
        filler=_when(u(F_SHOW_FILLER) < 0.3, _pick(*t.words[f"filler_{lang}"], zero, u(F_SYN_FILLER))),
        offer=_when(u(F_SHOW_OFFER) < np.where(on_offer, 0.5, 0.03),
                    _pick(*t.words[f"offer_{lang}"], zero, u(F_SYN_OFFER))),
        power=_power_words(u, lang, p),
        model=_when(u(F_SHOW_MODEL) < model_share, _model_codes(p["model"])),
        tag=np.select([tag == 1, tag == 2], [_pick(*t.words[f"bestseller_{lang}"], zero, u(F_SYN_TAG)),
                                             _pick(*t.words[f"new_{lang}"], zero, u(F_SYN_TAG))], "").astype(object),
    )
    return parts, nouns["syn"]


def _titles(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray],
            on_offer: np.ndarray, tag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noisy titles of one language's rows (plus the chosen noun synonym index); a listing badge
    (tag 1 bestseller, 2 new) opens or closes the title."""
    parts, syn = _title_parts(seed, rows, lang, p, on_offer, tag)
    template = (_uniform(seed, rows, F_TEMPLATE) * len(_TEMPLATES[lang])).astype(np.int64)
    titles = np.empty(rows.size, dtype=object)
    for k, spec in enumerate(_TEMPLATES[lang]):
        idx = np.flatnonzero(template == k)
        if idx.size:
            titles[idx] = _compose(spec, {name: a[idx] for name, a in parts.items()})
    badge, first = parts["tag"], _uniform(seed, rows, F_TAG_POS) < 0.5
    titles = np.where(badge == "", titles, np.where(first, badge + " - " + titles, titles + " - " + badge))
    title_case = (_uniform(seed, rows, F_CASE) < 0.55) & (lang == "en")
    titles[:] = [_finish(s, tc) for s, tc in zip(titles, title_case)]
    return titles, syn


def _finish(s: str, title_case: bool) -> str:
    """Strip dangling separators and capitalise (every word in Title Case, else the first)."""
    s = s.strip(" -|:")
    if title_case:
        return " ".join([w[:1].upper() + w[1:] for w in s.split(" ")])
    return s[:1].upper() + s[1:]


def _feature_sentence(lang: str, p: dict[str, np.ndarray]) -> np.ndarray:
    """The _FEATURES sentence that fits each product (hazard > battery > plug > food > bulky)."""
    t = _tables()
    which = np.select([p["hazardous"], p["batteries"], p["has_plug"], t.item_ingestible[p["item"]],
                       t.item_bulky[p["item"]]], [0, 1, 2, 3, 4], 5)
    return np.array(_FEATURES[lang], dtype=object)[which]


def _describe_en(u: Callable[[int], np.ndarray], p: dict[str, np.ndarray], syn: np.ndarray,
                 usage: np.ndarray, usage2: np.ndarray) -> list[np.ndarray]:
    """Three English sentences per row: identity, style/material, feature/size."""
    t = _tables()
    noun, brand = t.noun_en[0][p["item"], syn], t.brand_names[p["brand"]]
    style = _style_global(t, p["group"], p["style"])
    color, material = t.color_names[p["color"]], t.material_names[p["material"]]
    has_color, has_mat = p["color"] >= 0, p["material"] >= 0
    verb = _EN_VERBS[(u(F_DESC_VERB) * len(_EN_VERBS)).astype(np.int64)]
    first = np.where(u(F_DESC_VARIANT) < 0.5,
                     "This " + _when(has_color, color + " ") + _when(has_mat, material + " ") + noun
                     + " by " + brand + " " + verb + usage + ".",
                     "Discover the " + brand + " " + noun + _when(has_color, ", available in " + color) + ".")
    style_word = t.style_en[0][style, 0]
    article = np.where(np.array([w[:1] in "aeiou" for w in t.style_en[0][:, 0]])[style], "An ", "A ")
    second = (article + style_word + " design, ideal for " + usage2 + "."
              + _when(has_mat, " Material: " + material + "."))
    third = _feature_sentence("en", p) + _when(p["size"] >= 0, " Size: " + t.size_labels[p["size"]] + ".")
    return [first, second, third]


def _describe_fr(u: Callable[[int], np.ndarray], p: dict[str, np.ndarray], syn: np.ndarray,
                 usage: np.ndarray, usage2: np.ndarray) -> list[np.ndarray]:
    """Three French sentences per row, with gender/number agreement and elisions (l', d', cet)."""
    t = _tables()
    item, brand = p["item"], t.brand_names[p["brand"]]
    noun, form, vowel = t.noun_fr[0][item, syn], t.noun_fr_gender[item, syn], t.noun_fr_vowel[item, syn]
    plural, has_mat = form >= 2, p["material"] >= 0
    color = _when(p["color"] >= 0, " " + t.color_fr[p["color"], form])
    de_brand = np.where(t.brand_vowel[p["brand"]], "d'", "de ").astype(object) + brand
    dem = np.select([plural, form == 1, vowel], ["Ces ", "Cette ", "Cet "], "Ce ").astype(object)
    art = np.select([plural, vowel, form == 1], ["Les ", "L'", "La "], "Le ").astype(object)
    parfait = np.array(["parfait", "parfaite", "parfaits", "parfaites"], dtype=object)[form]
    material = _when(has_mat, " " + t.material_fr[0][p["material"], 0])
    first = np.where(u(F_DESC_VARIANT) < 0.5,
                     dem + noun + color + " " + de_brand + np.where(plural, " sont ", " est ") + parfait
                     + " pour " + usage + ".",
                     art + noun + " " + brand + material + color + np.where(plural, " allient", " allie")
                     + " qualité et confort.")
    style = t.style_fr[_style_global(t, p["group"], p["style"]), 0]
    second = ("Un design " + style + ", idéal pour " + usage2 + "."
              + _when(has_mat, " Matière : " + t.material_fr_noun[p["material"]] + "."))
    third = _feature_sentence("fr", p) + _when(p["size"] >= 0, " Format : " + t.size_labels[p["size"]] + ".")
    return [first, second, third]


def _descriptions(seed: int, rows: np.ndarray, lang: str, p: dict[str, np.ndarray], syn: np.ndarray) -> np.ndarray:
    """1-3 sentences per row reusing the hidden attributes (object array)."""
    t = _tables()
    u = functools.partial(_uniform, seed, rows)
    usage = _pick(*t.usage[lang], p["group"], u(F_DESC_USAGE))
    usage2 = _pick(*t.usage[lang], p["group"], u(F_DESC_USAGE2))
    first, second, third = (_describe_en if lang == "en" else _describe_fr)(u, p, syn, usage, usage2)
    count = (u(F_DESC_COUNT) * 3).astype(np.int64) + 1
    return (first + _when(count >= 2, " " + second) + _when(count >= 3, " " + third)).astype(object)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------
def _check_args(n_rows: int, pair_fraction: float, dirty_fraction: float) -> None:
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    for name, value in (("pair_fraction", pair_fraction), ("dirty_fraction", dirty_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value}")


def _product_ids(rows: np.ndarray) -> np.ndarray:
    """'uk-0000012345' / 'fr-0000012345': marketplace prefix + the product slot k = row // 2."""
    return np.array([f"{'fr' if r & 1 else 'uk'}-{r >> 1:010d}" for r in rows.tolist()], dtype=object)


def _apply_dirt(frame: pd.DataFrame, seed: int, rows: np.ndarray, n_rows: int, dirty_fraction: float) -> None:
    """Make a hashed dirty_fraction of rows invalid, one of DIRT_KINDS each (in place)."""
    dirty = _uniform(seed, rows, F_DIRTY) < dirty_fraction
    kind = (_uniform(seed, rows, F_DIRTY_KIND) * len(DIRT_KINDS)).astype(np.int64)
    variant = _uniform(seed, rows, F_DIRTY_VARIANT)
    title = frame["title"].to_numpy(dtype=object).copy()
    pid = frame["product_id"].to_numpy(dtype=object).copy()
    group = frame["product_group"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(dirty):
        what, s = DIRT_KINDS[kind[i]], title[i]
        if what == "empty_title":
            title[i] = "" if variant[i] < 0.5 else " " * (1 + int(variant[i] * 8))
        elif what == "null_id":
            pid[i] = None
        elif what == "control_char":
            cut = int(variant[i] * len(s))
            title[i] = s[:cut] + "\x07" + s[cut:]
        elif what == "unknown_group":
            group[i] = UNKNOWN_GROUP
        elif what == "long_title":
            title[i] = " ".join([s] * (2001 // (len(s) + 1) + 2))
        else:  # duplicate_id: the previous row of the same marketplace (the next one for k = 0)
            other = rows[i] - 2 if rows[i] >= 2 else rows[i] + 2
            if other < n_rows:
                pid[i] = _product_ids(np.array([other]))[0]
    frame["title"], frame["product_id"], frame["product_group"] = title, pid, group


def _empty_frame() -> pd.DataFrame:
    dtypes = {"string": object, "boolean": bool, "double": np.float64, "bigint": np.int64}
    return pd.DataFrame({name: pd.Series([], dtype=dtypes[kind]) for name, kind in CATALOG_COLUMNS})


def _masked(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Object array with None where null (values "" also become None)."""
    out = values.astype(object)
    out[null | (out == "")] = None
    return out


def generate_rows(row_ids: np.ndarray, n_rows: int, seed: int, pair_fraction: float = 0.3,
                  dirty_fraction: float = 0.0) -> pd.DataFrame:
    """Pure numpy/pandas: the catalog rows for these row ids (int64, in [0, n_rows)). Output for a
    row depends only on (seed, row id, n_rows, pair_fraction, dirty_fraction) — never on how ids
    are batched. Runs wherever it is called: on executors inside mapInPandas, or locally."""
    _check_args(n_rows, pair_fraction, dirty_fraction)
    rows = np.asarray(row_ids, dtype=np.int64).ravel()
    if rows.size == 0:
        return _empty_frame()
    if rows.min() < 0 or rows.max() >= n_rows:
        raise ValueError(f"row ids must lie in [0, {n_rows})")
    seed = int(seed) & _MASK64
    t = _tables()
    lay = _layout(seed, rows, n_rows, pair_fraction)
    p = _draw_products(seed, lay.pkey)
    u = functools.partial(_uniform, seed, rows)

    on_offer = u(F_OFFER) < np.where(t.brand_tier[p["brand"]] <= 0.8, 0.28, 0.16)
    tag_u = u(F_TAG)  # listing badge: 1 bestseller, 2 new, 0 none
    tag = np.select([tag_u < _TAG_SHARES[0], tag_u < _TAG_SHARES[0] + _TAG_SHARES[1]], [1, 2], 0)
    log_views = (5.0 + np.log(t.brand_pop[p["brand"]]) + t.item_pop[p["item"]]
                 + np.select([tag == 1, tag == 2], list(_TAG_VIEWS), 0.0)
                 - 0.2 * np.log(p["price_gbp"] / t.item_price[p["item"]])
                 + 0.75 * p["pop_z"] + 0.5 * _normal(seed, rows, F_VIEWS) - 0.4 * lay.is_fr)
    has_reviews = u(F_REVIEWS) < _sigmoid(1.3 * (log_views - 5.0))

    title = np.empty(rows.size, dtype=object)
    description = np.empty(rows.size, dtype=object)
    for lang, mask in (("en", ~lay.is_fr), ("fr", lay.is_fr)):
        idx = np.flatnonzero(mask)
        if idx.size:
            sub = {k: v[idx] for k, v in p.items()}
            title[idx], syn = _titles(seed, rows[idx], lang, sub, on_offer[idx], tag[idx])
            description[idx] = _descriptions(seed, rows[idx], lang, sub, syn)

    price = np.where(lay.is_fr, _charm_price(p["price_gbp"] * FR_PRICE_FACTOR), _charm_price(p["price_gbp"]))
    item, group = p["item"], p["group"]
    frame = pd.DataFrame({
        "product_id": _product_ids(rows),
        "marketplace": np.where(lay.is_fr, "fr", "uk").astype(object),
        "product_group": t.group_names[group],
        "title": title,
        "description": description,
        "pair_key": lay.pair_key,
        "brand": t.brand_names[p["brand"]],
        "color": _masked(t.color_names[p["color"]], p["null_color"]),
        "size": _masked(t.size_labels[p["size"]], p["null_size"]),
        "material": _masked(t.material_names[p["material"]], p["null_material"]),
        "subcategory": t.subcat_names[t.item_subcat[item]],
        "item_type": t.item_names[item],
        "hazardous": p["hazardous"],
        "batteries": p["batteries"],
        "high_value": p["price_gbp"] > _high_value_thresholds()[group],
        "on_offer": on_offer,
        "has_reviews": has_reviews,
        "target_gender": t.gender_names[p["gender"]],
        "weight_kg": np.where(p["null_weight"], np.nan, np.round(np.maximum(p["weight"], 0.01), 3)),
        "price": np.where(p["null_price"], np.nan, price),
        "view_count": np.floor(np.exp(log_views)).astype(np.int64),
        "has_plug": p["has_plug"],
        "ships_in_own_container": p["sioc"],
        "browse_category": t.browse[item, p["style"]],
        "ingestible": t.item_ingestible[item],
        "gift_wrap": p["gift_wrap"],
    })
    if dirty_fraction > 0:
        _apply_dirt(frame, seed, rows, n_rows, dirty_fraction)
    return frame


def make_generate_fn(n_rows: int, seed: int, pair_fraction: float,
                     dirty_fraction: float) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Runs on the driver; returns the function that runs on executors inside
    DataFrame.mapInPandas: Iterator[pd.DataFrame with int64 column `id`] -> Iterator[pd.DataFrame].
    The closure captures four numbers only; vocabulary tables are built once per Python worker."""
    _check_args(n_rows, pair_fraction, dirty_fraction)
    n_rows, seed = int(n_rows), int(seed)
    pair_fraction, dirty_fraction = float(pair_fraction), float(dirty_fraction)

    def generate(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield generate_rows(batch["id"].to_numpy(dtype=np.int64), n_rows, seed, pair_fraction, dirty_fraction)

    return generate


def generate_catalog(spark, rows: int, seed: int = 7, partitions: int | None = None,
                     pair_fraction: float = 0.3, dirty_fraction: float = 0.0) -> "pyspark.sql.DataFrame":  # noqa: F821
    """Runs on the driver and returns a lazy DataFrame of `rows` catalog rows (schema CATALOG_DDL),
    generated on the executors by mapInPandas over spark.range ids."""
    num_partitions = partitions or max(2, rows // _PARTITION_ROWS)
    ids = spark.range(0, rows, 1, numPartitions=num_partitions)
    return ids.mapInPandas(make_generate_fn(rows, seed, pair_fraction, dirty_fraction), CATALOG_DDL)
