"""Features the data holds no point for, placed at the place named nearest to them (nearby.py)."""

from __future__ import annotations

import pytest

from streams.core.geo.nearby import is_feature_name, nearby_places
from streams.core.geo.places import Mention as PlaceMention
from streams.core.geo.places import PlaceTag
from tests.unit.core.geo.helpers import spans


def tag(text: str, name: str, feature: str = "town", nth: int = 1, lat: float = 46.7, lon: float = -117.0,
        admin1: str = "ID") -> PlaceTag:
    start = -1
    for _ in range(nth):
        start = text.index(name, start + 1)
    return PlaceTag(hash(name) % 10**6, name, feature, lat, lon, "US", {"code": admin1, "name": admin1}, 100,
                    1, 0.5, False, (PlaceMention(name, start, start + len(name)),))


@pytest.mark.parametrize("name", ["Big Sandy River", "Paradise Creek", "Letchworth State Park", "Lake Karapiro",
                                  "Mount Apo", "Bayou Macon", "Lac qui Parle Lake", "Sangre de Cristo Mountains",
                                  "Fort Riley", "Tuttle Creek Lake"])
def test_names_of_features_and_parks(name):
    assert is_feature_name(name)


@pytest.mark.parametrize("name", ["Lake Forest College", "River Road Bridge", "Creek", "Lake", "big river",
                                  "Moscow", "Sandy River Health Center", "Paradise creek", "Park Service"])
def test_organisations_roads_lone_head_words_and_lower_case_are_no_features(name):
    assert not is_feature_name(name)


def test_a_feature_takes_the_point_country_and_state_of_the_town_named_nearest_and_says_which():
    text = "Pullman and Moscow share the Paradise Creek trail; the Paradise Creek flooded Moscow's park."
    mentions = spans(text, ("Pullman", "GPE"), ("Moscow", "GPE"), ("Paradise Creek", "LOC"),
                     ("the Paradise Creek", "ORG"))
    pullman = tag(text, "Pullman", lat=46.73, lon=-117.18, admin1="WA")
    moscow = tag(text, "Moscow", lat=46.73, lon=-117.0)
    (creek,) = nearby_places(text, mentions, [pullman, moscow])
    assert (creek.name, creek.feature, creek.geonameid, creek.focus, creek.score) == (
        "Paradise Creek", "feature", None, False, 0.0)
    assert (creek.lat, creek.lon, creek.country, creek.admin1) == (moscow.lat, moscow.lon, "US", moscow.admin1)
    assert creek.near == (moscow.geonameid, "Moscow")
    assert [(m.text, text[m.start : m.end]) for m in creek.mentions] == [("Paradise Creek", "Paradise Creek")] * 2
    assert creek.count == 2


def test_a_town_or_county_is_preferred_as_anchor_and_a_feature_only_when_there_is_none():
    text = "Boats on the Ohio River near Parkersburg reached Blennerhassett Island."
    mentions = spans(text, ("Ohio River", "LOC"), ("Parkersburg", "GPE"), ("Blennerhassett Island", "FAC"))
    river = tag(text, "Ohio River", feature="feature")
    town = tag(text, "Parkersburg")
    assert nearby_places(text, mentions, [river, town])[0].near[1] == "Parkersburg"
    assert nearby_places(text, mentions, [river])[0].near[1] == "Ohio River"


def test_nothing_without_an_anchor_and_nothing_a_place_or_taken_span_already_covers():
    text = "The Cedar Hill Park opened near Cedar Hill; the Strait Park too."
    mentions = spans(text, ("Cedar Hill Park", "FAC"), ("Cedar Hill", "GPE"), ("Strait Park", "FAC"))
    state_only = tag(text, "Cedar Hill", feature="state", nth=1)
    assert nearby_places(text, mentions, [state_only]) == []
    town = tag(text, "Cedar Hill", nth=2)
    covered = PlaceTag(1, "Cedar Hill Park", "feature", 1.0, 1.0, "US", None, None, 1, 0.5, False,
                       (PlaceMention("Cedar Hill Park", text.index("Cedar Hill Park"),
                                     text.index("Cedar Hill Park") + 15),))
    strait = (text.index("Strait Park"), text.index("Strait Park") + 11)
    assert nearby_places(text, mentions, [town, covered], [strait]) == []

