"""Per-group vocabulary of the synthetic catalog: the one data literal every table is built from.

Each product group gives its share of products, default gender profile, weighted brands, materials,
colours, styles, usage phrases, the vague noun of each subcategory and the item rows below. This
file is one long literal on purpose: splitting the groups across modules would only scatter it.
"""
from __future__ import annotations

# Item rows: (item_type, English names, French "name:gender", base price GBP, base weight kg,
# size system, flags[, materials overriding the group's[, colours overriding the group's]]).
# "|" separates synonyms; French genders: m, f, mp, fp. Flags: b battery, p mains plug, x battery
# or plug, B battery and plug, h hazardous, l sometimes hazardous (lithium, solvents), i ingestible,
# s bulky, c no colour, m no material; target-gender profile (else the group's): w women's, M men's,
# U unisex only, Y children only, V also sold in a kids' version, G for kids or adults (games),
# L mostly kids' (light-up trainers).
GROUPS: dict[str, dict] = {
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
PRODUCT_GROUPS: list[str] = list(GROUPS)
