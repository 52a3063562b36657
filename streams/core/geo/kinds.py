"""What a name is: the kind of every gazetteer place and of every piece of evidence.

The values are the strings the tags carry (``Evidence.kind`` in the enriched record), so
a ``PlaceKind`` compares, hashes and serialises exactly like its string.
"""

from __future__ import annotations

from enum import StrEnum


class PlaceKind(StrEnum):
    """Kinds of places (gazetteer) and of evidence (the last three name no place)."""

    COUNTRY = "country"  # an ISO 3166-1 or geonames name ("Iran", "Islamic Republic of Iran")
    ALIAS = "alias"  # a curated other name of a country ("U.S.", "Britain")
    CAPITAL = "capital"  # the biggest town of a country's capital name
    CITY = "city"  # any other town of the geonames cities table
    ADMIN1 = "admin1"  # a state or province (ISO 3166-2 first level, US states)
    ADMIN2 = "admin2"  # a lower ISO 3166-2 level, a Canadian county
    US_COUNTY = "us_county"  # a US county, parish or borough (geonames)
    REGION = "region"  # a curated English region name ("West Midlands", "Bavaria")
    FEATURE = "feature"  # a river, lake, mountain range, island ("Ohio River"): data/geo_features.json
    AREA = "area"  # an informal region of that table ("the Palouse", "the Ozarks", "Donbas")
    DEMONYM = "demonym"  # "Iranian", "Sino-": evidence only
    METONYM = "metonym"  # "Kremlin", "Downing Street": evidence only
    ORG = "org"  # an organisation named after a place ("Illinois Senate", "QatarEnergy")


#: A country under one of its names: what uncovered text, PERSON spans and lists may yield.
COUNTRY_KINDS = frozenset({PlaceKind.COUNTRY, PlaceKind.ALIAS})
#: Places inside a country: they say where a story happens, and which state it is set in.
LOCAL_KINDS = frozenset({PlaceKind.CITY, PlaceKind.ADMIN1, PlaceKind.ADMIN2, PlaceKind.US_COUNTY, PlaceKind.REGION})
#: Towns: never what a name before "River" or "County" means.
TOWN_KINDS = frozenset({PlaceKind.CITY, PlaceKind.CAPITAL})
#: Towns and counties: the points "near the article's places" is measured from.
ANCHOR_KINDS = TOWN_KINDS | {PlaceKind.US_COUNTY}
#: A state or region: may head an organisation's name or be misread as a person.
STATE_KINDS = (PlaceKind.ADMIN1, PlaceKind.REGION)
#: A state, province, county or region: what "Katsina State" or "Essex County" may name.
SUBDIVISION_KINDS = frozenset({PlaceKind.ADMIN1, PlaceKind.ADMIN2, PlaceKind.REGION})
#: Natural features and informal regions: places, never context for other names, and
#: a country's evidence only when the feature lies in that country alone ("the Alps" name
#: no country, "the Ohio River" names the US).
FEATURE_KINDS = frozenset({PlaceKind.FEATURE, PlaceKind.AREA})
#: What may follow "Town, ...": a country or a state.
QUALIFIER_KINDS = (PlaceKind.COUNTRY, PlaceKind.ALIAS, PlaceKind.ADMIN1)
