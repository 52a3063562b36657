"""Evidence NER did not label, and capitalised nouns that are no country (steps 1-2).

Country names and metonyms in text no mention covers are taken ("the U.S.-led
coalition"), except names that are also words or first names (``data/
geo_scan_ambiguous.json``: "Turkey", "Jordan", "Chad"), kept only in a list next to
another country ("Mali, Burkina Faso and Niger"), and too generic metonyms (``data/
geo_scan_skip_metonyms.json``). A demonym no mention covers ("Welsh ministers") only
confirms a country other evidence names. A capitalised "Turkey" at a sentence start or
in the title is the bird when the article also writes "turkey" in lower case.
"""

from __future__ import annotations

import re

from streams.core.geo.data import (
    COMMON_NOUN_COUNTRIES,
    SCAN_AMBIGUOUS_KEYS,
    SCAN_SKIP_METONYMS,
)
from streams.core.geo.evidence import listed_with_country
from streams.core.geo.gazetteer import Gazetteer
from streams.core.geo.items import Item, fixed_item
from streams.core.geo.kinds import COUNTRY_KINDS, PlaceKind
from streams.core.geo.layout import title_end
from streams.core.geo.names import normalize_name


def scan_items(text: str, covered: bytearray, gaz: Gazetteer, dl_start: int, dl_end: int) -> list[Item]:
    """Country names and metonyms in text that no NER mention covers."""
    items = []
    for s, e in gaz.scanner.finditer(text):
        if dl_start <= s < dl_end or any(covered[s:e]):
            continue
        word = text[s:e]
        key = normalize_name(word)
        if key in gaz.excluded:
            continue
        if key in gaz.metonyms:
            if word not in SCAN_SKIP_METONYMS:
                items.append(fixed_item(word, s, e, PlaceKind.METONYM, gaz.metonyms[key], key))
            continue
        candidates = tuple(p for p in gaz.places.get(key, ()) if p.kind in COUNTRY_KINDS)
        if candidates:
            if key not in SCAN_AMBIGUOUS_KEYS or listed_with_country(text, s, e, gaz):
                items.append(Item(word, s, e, None, candidates, key))
        elif key in gaz.demonyms:  # "Welsh ministers" that NER left unlabelled: a confirmation
            item = fixed_item(word, s, e, PlaceKind.DEMONYM, gaz.demonyms[key], key)
            item.confirm = True
            items.append(item)
    return items


_SENTENCE_START = re.compile(r"(?:^|[.!?][\"')\]]*\s+|\n\s*)[\"'(\[]*$")


def drop_common_nouns(text: str, items: list[Item]) -> list[Item]:
    """ "Turkey prices fall ahead of Thanksgiving": when the article also writes the word in
    lower case, a capitalised one at a sentence start or in the title is the noun."""
    named = COMMON_NOUN_COUNTRIES.intersection(item.key for item in items)
    lowered = {word for word in named if re.search(rf"\b{word}\b", text)}
    if not lowered:
        return items
    end_of_title = title_end(text)

    def is_noun(item: Item) -> bool:
        if item.key not in lowered or item.kind is not None:
            return False
        return item.start < end_of_title or bool(_SENTENCE_START.search(text[max(0, item.start - 4) : item.start]))

    return [item for item in items if not is_noun(item)]


