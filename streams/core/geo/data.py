"""The curated tables of ``streams/core/data`` and the word lists the rules use.

Every file holds a ``_source`` saying where its entries come from. The gazetteer checks
the entries against each other when it loads (see ``gazetteer.py``): an entry the loader
would have to ignore is a :class:`DataError`, never a silent no-op.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from typing import Any


class DataError(ValueError):
    """A curated entry that contradicts another one, or that the loader could not use."""


def read_data(name: str) -> Any:
    """One file of ``streams/core/data``."""
    return parse_data(name, resources.files("streams.core").joinpath("data", name).read_text(encoding="utf-8"))


def parse_data(name: str, text: str) -> Any:
    """A data file's JSON. A key written twice in one object is an error: JSON would
    silently keep the last."""

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        twice = [key for key, n in Counter(key for key, _ in pairs).items() if n > 1]
        if twice:
            raise DataError(f"{name}: {', '.join(map(repr, twice))} written twice")
        return dict(pairs)

    return json.loads(text, object_pairs_hook=unique_keys)


def _words(name: str, field: str) -> frozenset[str]:
    return frozenset(read_data(name)[field])


#: Country names that are also words or first names ("Jordan", "Chad"): never taken
#: from uncovered text or a PERSON mention, except in a list of countries.
SCAN_AMBIGUOUS = _words("geo_scan_ambiguous.json", "names")
SCAN_AMBIGUOUS_KEYS = frozenset(name.lower() for name in SCAN_AMBIGUOUS)
#: Country names never taken from inside a longer name ("Jordan Brand", "Jersey Shore").
INNER_AMBIGUOUS = _words("geo_inner_ambiguous.json", "keys")
#: Words a country name may reduce to ("the States"): alone, part of an organisation's name.
GENERIC_COUNTRY_WORDS = _words("geo_generic_country_words.json", "words")
#: Words after a name that make it a river, road or county rather than a town; the
#: plural ones may follow a list of names ("the Juba and Shabelle rivers").
PLURAL_FEATURES = _words("geo_feature_words.json", "plural")
FEATURE_WORDS = _words("geo_feature_words.json", "singular") | PLURAL_FEATURES
#: Country names never read at the edge of a one-word company name ("NigerDelta").
CAMEL_SKIP = _words("geo_camel_skip.json", "keys")
#: Metonyms too generic to trust outside an NER span ("Capitol Records").
SCAN_SKIP_METONYMS = _words("geo_scan_skip_metonyms.json", "names")
#: Country names that are also lower-case nouns ("a turkey", "fine china").
COMMON_NOUN_COUNTRIES = _words("geo_common_noun_countries.json", "keys")
#: Words a subdivision name made only of is not indexed ("Central", "North East").
GENERIC_PLACE_WORDS = _words("geo_generic_place_words.json", "words")
#: Countries whose states/provinces/regions head organisations ("Illinois Senate").
ORG_PREFIX_COUNTRIES = _words("geo_org_prefix_countries.json", "codes")
#: Codes geonames uses that ISO 3166-1 lacks ("XK": "Kosovo"); codes that are no country ("AQ").
EXTRA_CODES: dict[str, str] = read_data("geo_extra_codes.json")["codes"]
NON_COUNTRY_CODES = _words("geo_non_country_codes.json", "codes")
#: Display names better than geonames' for a tag ("PS": "Palestine").
DISPLAY_NAMES: dict[str, str] = read_data("geo_display_names.json")["names"]
#: Nouns after a demonym, and second parts of a compound, that make it culture, not a
#: country ("Thai food", "an Irish pub", "Italian-born").
CULTURE_AFTER = _words("geo_culture_words.json", "after")
CULTURE_COMPOUND = _words("geo_culture_words.json", "compound")
