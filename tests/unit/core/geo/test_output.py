"""place_matches and to_geojson on enriched records."""

from __future__ import annotations

from streams.core.geo.output import place_matches, to_geojson

TEHRAN = {
    "geonameid": 112931, "name": "Tehran", "feature": "capital", "lat": 35.69439, "lon": 51.42151,
    "country": "IR", "admin1": {"code": "26", "name": "Tehran"}, "population": 7153309, "count": 1,
    "score": 0.5, "focus": False, "mentions": [{"text": "Teheran", "start": 10, "end": 17}],
}
RECORD = {"id": "a1", "title": "Talks in Tehran", "places": [TEHRAN]}


def test_place_matches_by_name_any_case_and_by_what_the_text_wrote():
    assert place_matches(RECORD, "Tehran")
    assert place_matches(RECORD, "TEHRAN")
    assert place_matches(RECORD, "teheran")
    assert not place_matches(RECORD, "Tabriz")
    assert not place_matches(RECORD, "")
    assert not place_matches({"id": "b"}, "Tehran")


def test_place_matches_by_geonameid():
    assert place_matches(RECORD, 112931)
    assert place_matches(RECORD, "112931")
    assert not place_matches(RECORD, 1)


def test_to_geojson_one_point_per_place_lon_first():
    collection = to_geojson([RECORD, {"id": "empty", "places": []}])
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [51.42151, 35.69439]}
    assert feature["properties"]["geonameid"] == 112931
    assert feature["properties"]["article_id"] == "a1"
    assert "lat" not in feature["properties"]


def test_enriched_records_carry_places_with_points(gaz):
    from streams.core.geo import locate
    from streams.core.nlp import Mention

    text = "Police in Cottonport said the Avoyelles Parish road will reopen."
    mentions = [Mention("Cottonport", "GPE", 10, 20), Mention("the Avoyelles Parish", "GPE", 26, 46)]
    located = locate(text, mentions, gaz)
    by_name = {p.name: p for p in located.places}
    assert by_name["Cottonport"].geonameid == 4320874
    assert by_name["Cottonport"].admin1 == {"code": "LA", "name": "Louisiana"}
    assert abs(by_name["Cottonport"].lat - 30.984) < 0.01
    assert [c.code for c in located.countries] == ["US"]


def test_a_small_town_alone_needs_context(gaz):
    from streams.core.geo import locate
    from streams.core.nlp import Mention

    text = "They met in Cottonport."
    assert locate(text, [Mention("Cottonport", "GPE", 12, 22)], gaz).places == []
    hinted = locate(text, [Mention("Cottonport", "GPE", 12, 22)], gaz, source="The Avoyelles Journal")
    assert [p.name for p in hinted.places] == ["Cottonport"]
