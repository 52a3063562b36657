"""What the gazetteer indexes: countries, aliases, capitals, states, counties."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from streams.core.geo import DataError, Evidence, Gazetteer, PlaceKind
from streams.core.geo.data import parse_data, read_data
from tests.unit.core.geo.helpers import codes, kinds, tag


def test_gazetteer_is_built_once_per_process(gaz):
    assert Gazetteer.load() is gaz


# -- lookups: countries, aliases, capitals, states, counties ------------------------------


def test_country_name_with_code_name_and_kind(gaz):
    (t,) = tag(gaz, "Putin visited Iran.", ("Iran", "GPE"))
    assert (t.code, t.name, t.count, t.evidence) == ("IR", "Iran", 1, (Evidence("Iran", 14, 18, "country"),))


@pytest.mark.parametrize(
    ("alias", "code"),
    [("U.S.", "US"), ("US", "US"), ("USA", "US"), ("America", "US"), ("the United States", "US"),
     ("UK", "GB"), ("U.K.", "GB"), ("Britain", "GB"), ("Great Britain", "GB"), ("England", "GB"),
     ("Scotland", "GB"), ("Northern Ireland", "GB"), ("Ireland", "IE"), ("South Korea", "KR"),
     ("North Korea", "KP"), ("Burma", "MM"), ("Holland", "NL"), ("Ivory Coast", "CI"), ("Türkiye", "TR"),
     ("the Philippines", "PH"), ("Gaza", "PS"), ("Hong Kong", "HK"), ("Kosovo", "XK")],
)  # fmt: skip
def test_aliases(gaz, alias, code):
    text = f"Officials in {alias} said so."
    assert codes(tag(gaz, text, (alias, "GPE"))) == {code}


@pytest.mark.parametrize(
    ("name", "code", "kind"),
    [("Tehran", "IR", "capital"), ("Kiev", "UA", "capital"), ("Kyiv", "UA", "capital"), ("Lahore", "PK", "city"),
     ("Texas", "US", "admin1"), ("Ontario", "CA", "admin1"), ("Bavaria", "DE", "region"), ("Bayern", "DE", "admin1"),
     ("West Midlands", "GB", "region"), ("Newfoundland", "CA", "region"), ("Pilbara", "AU", "region"),
     ("Niger Delta", "NG", "region"), ("Fez", "MA", "city"),
     ("Fulton County", "US", "us_county"), ("Rapides Parish", "US", "us_county"), ("Cambridgeshire", "GB", "admin2")],
)  # fmt: skip
def test_place_kinds(gaz, name, code, kind):
    tags = tag(gaz, f"It happened in {name} on Monday.", (name, "GPE"))
    assert codes(tags) == {code} and kinds(tags, code) == [kind]


def test_directional_prefix_is_stripped_when_the_whole_name_is_unknown(gaz):
    assert codes(tag(gaz, "Oil from West Texas rose.", ("West Texas", "GPE"))) == {"US"}
    assert codes(tag(gaz, "Villages in South Cambridgeshire objected.", ("South Cambridgeshire", "GPE"))) == {"GB"}
    # ... but never turns an excluded region into a country
    assert tag(gaz, "Troops in West Africa.", ("West Africa", "LOC")) == []


# -- curated data: an entry the loader would ignore is an error ------------------------------


def replacing(name: str, edit) -> Callable[[str], Any]:
    """A data reader that passes one data file through ``edit`` (a copy, never the file)."""

    def read(wanted: str) -> Any:
        content = read_data(wanted)
        return edit(copy.deepcopy(content)) if wanted == name else content

    return read


def with_alias(alias: str, code: str) -> Callable[[str], Any]:
    def add(table: dict[str, Any]) -> dict[str, Any]:
        table["aliases"][alias] = code
        return table

    return replacing("geo_aliases.json", add)


def test_an_alias_added_to_the_data_is_found():
    gaz = Gazetteer.build(min_city_population=15000, read=with_alias("Absurdistan", "KZ"))
    text = "Talks in Absurdistan stalled."
    tags = tag(gaz, text, ("Absurdistan", "GPE"))
    assert codes(tags) == {"KZ"} and kinds(tags, "KZ") == ["alias"]
    assert codes(tag(gaz, "Absurdistan said no.")) == {"KZ"}  # the raw-text scan knows it too
    assert Gazetteer.load() is not gaz  # the cached gazetteer is untouched


@pytest.mark.parametrize(
    ("alias", "code", "conflict"),
    [
        ("Emirates", "AE", "geo_generic_country_words.json"),  # a bare word: "Emirates Stadium"
        ("the Kingdom", "SA", "geo_generic_country_words.json"),
        ("Kurdistan", "IQ", "geo_not_countries.json"),  # vetoed: a stateless homeland
        ("Narnia", "NN", "no country code"),
        ("...", "US", "no letter or digit"),
    ],
)
def test_an_alias_the_loader_would_ignore_is_an_error_naming_the_conflict(alias, code, conflict):
    with pytest.raises(DataError, match=re.escape(conflict)) as raised:
        Gazetteer.build(min_city_population=15000, read=with_alias(alias, code))
    assert "geo_aliases.json" in str(raised.value) and repr(alias) in str(raised.value)


def test_demonyms_meeting_on_one_key_with_two_countries_are_an_error():
    def add(table: dict[str, Any]) -> dict[str, Any]:
        table["demonyms"]["Georgians"] = "US"  # the plural of "Georgian" (GE)
        return table

    with pytest.raises(DataError, match="geo_demonyms.json: 'Georgians' -> US meets 'Georgians' -> GE"):
        Gazetteer.build(min_city_population=15000, read=replacing("geo_demonyms.json", add))


def test_a_key_written_twice_in_a_data_file_is_an_error():
    with pytest.raises(DataError, match="geo_aliases.json: 'U.S.' written twice"):
        parse_data("geo_aliases.json", '{"aliases": {"U.S.": "US", "U.S.": "GB"}}')


def test_place_kinds_cover_every_kind_the_gazetteer_and_the_tags_produce(gaz):
    produced = {p.kind for bucket in gaz.places.values() for p in bucket}
    produced |= {p.kind for p in (*gaz.abbreviations.values(), *gaz.postal.values())}
    assert all(type(kind) is PlaceKind for kind in produced)
    text = "QatarEnergy and the Kremlin, Iranian officials and the Illinois Senate said."
    marks = [("QatarEnergy", "ORG"), ("Kremlin", "ORG"), ("Iranian", "NORP"), ("Illinois Senate", "ORG")]
    evidence = {e.kind for t in tag(gaz, text, *marks) for e in t.evidence}
    assert all(type(kind) is PlaceKind for kind in evidence)
    assert produced | evidence == set(PlaceKind)
