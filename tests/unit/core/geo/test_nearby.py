"""Features the data holds no point for, placed at the place named nearest to them (nearby.py)."""

from __future__ import annotations

import pytest

from streams.core.geo.nearby import head_strength, nearby_places
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
    assert head_strength(name) is not None


@pytest.mark.parametrize("name", ["Lake Forest College", "River Road Bridge", "Creek", "Lake", "big river",
                                  "Moscow", "Sandy River Health Center", "Paradise creek", "Park Service"])
def test_organisations_roads_lone_head_words_and_lower_case_are_no_features(name):
    assert head_strength(name) is None


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
    text = "Boats on the Ohio River near Parkersburg reached the dock at Blennerhassett Island."
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



def test_head_words_are_strong_or_weak():
    names = ("Big Sandy River", "Letchworth State Park", "Bayou Macon", "Lake Karapiro",
             "Jackson Park", "Tiger Woods", "Mount Apo", "Capitol Hill", "Rio Ferdinand")
    assert [head_strength(n) for n in names] == ["strong"] * 4 + ["weak"] * 4 + [None]


@pytest.mark.parametrize(("text", "marks"), [
    ("Tiger Woods shot a 68 in Augusta.", [("Tiger Woods", "PERSON"), ("Augusta", "GPE")]),
    ("Linkin Park will play in Augusta on Friday.", [("Linkin Park", "FAC"), ("Augusta", "GPE")]),
    ("Fans of Nottingham Forest met in Augusta.", [("Nottingham Forest", "PERSON"), ("Augusta", "GPE")]),
    ("Lawmakers on Capitol Hill argued; Augusta waited.", [("Capitol Hill", "ORG"), ("Augusta", "GPE")]),
    ("Sierra Leonean nurses trained in Augusta.", [("Sierra Leonean", "NORP"), ("Augusta", "GPE")]),
    ("Woods said the course at Woods Hollow in Augusta was hard.", [("Woods", "PERSON"), ("Woods Hollow", "LOC"),
                                                                    ("Augusta", "GPE")]),
])
def test_people_teams_nationalities_and_names_opening_with_a_place_are_no_features(text, marks):
    mentions = spans(text, *marks)
    town = tag(text, "Augusta", nth=text.count("Augusta"))
    assert nearby_places(text, mentions, [town]) == []


def test_a_weak_head_after_a_preposition_under_a_place_label_is_taken():
    text = "Crews worked at Jackson Park in Parkersburg."
    (park,) = nearby_places(text, spans(text, ("Jackson Park", "FAC"), ("Parkersburg", "GPE")),
                            [tag(text, "Parkersburg")])
    assert park.name == "Jackson Park" and park.near[1] == "Parkersburg"


def test_the_anchor_is_in_the_feature_s_paragraph_and_nearest_by_the_gap_between_the_spans():
    text = ("Paradise Creek flooded homes in Moscow, Idaho, and Letchworth State Park near Castile, New York, closed."
            "\n\n"
            "Officials in Boise met. Hikers were rescued on Gunung Rinjani.")
    mentions = spans(text, ("Paradise Creek", "LOC"), ("Moscow", "GPE"), ("Letchworth State Park", "FAC"),
                     ("Castile", "GPE"), ("Boise", "GPE"), ("Gunung Rinjani", "LOC"))
    places = [tag(text, "Moscow"), tag(text, "Castile", lat=42.6, lon=-78.05, admin1="NY"),
              tag(text, "Boise", lat=43.6, lon=-116.2)]
    found = {p.name: p.near[1] for p in nearby_places(text, mentions, places)}
    assert found == {"Paradise Creek": "Moscow", "Letchworth State Park": "Castile", "Gunung Rinjani": "Boise"}


def test_a_span_opening_with_a_resolved_place_s_name_is_no_feature():
    text = "The Lake Erie Crushers played by Lake Erie in Avon."
    mentions = spans(text, ("Lake Erie Crushers", "ORG"), ("Lake Erie#2", "LOC"), ("Avon", "GPE"))
    lake = tag(text, "Lake Erie", feature="feature", nth=2)
    assert nearby_places(text, mentions, [lake, tag(text, "Avon")]) == []


@pytest.mark.parametrize(("text", "name", "town", "keyword"), [
    ("Troops in the Golan Heights fired near Quneitra.", "Golan Heights", "Quneitra", "skip"),  # never a place
    ("The Lake Erie Crushers beat the Otters in Avon.", "Lake Erie Crushers", "Avon", "known"),  # "Lake Erie" + more
])
def test_the_caller_s_knowledge_of_names_keeps_a_span_out(text, name, town, keyword):
    mentions = spans(text, (name, "GPE"), (town, "GPE"))
    anchor = tag(text, town)
    says_so = {"skip": lambda n: n == name, "known": lambda n: n in ("Golan Heights", "Lake Erie")}[keyword]
    assert nearby_places(text, mentions, [anchor], **{keyword: says_so}) == []
    assert [p.name for p in nearby_places(text, mentions, [anchor])] == [name]

