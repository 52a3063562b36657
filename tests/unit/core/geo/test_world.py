"""Places no one country holds: continents, waters and regions of several countries (world.py)."""

from __future__ import annotations

import pytest

from streams.core.geo.world import _names, world_mentions, world_places
from tests.unit.core.geo.helpers import spans


def names(text, *marks):
    return {place["name"]: place for place in world_places(world_mentions(text, spans(text, *marks)))}


def test_a_continent_ner_labels_a_place_has_geonames_id_and_point():
    found = names("Gas prices in Europe and Asia rose.", ("Europe", "LOC"), ("Asia", "LOC"))
    assert found["Europe"]["geonameid"] == 6255148 and found["Europe"]["feature"] == "continent"
    assert abs(found["Europe"]["lat"] - 48.69) < 0.01 and found["Asia"]["geonameid"] == 6255147


def test_one_word_needs_a_place_label_on_exactly_that_span():
    text = "Pacific Gas said a Mediterranean diet helps; storms over the Pacific grew."
    found = names(text, ("Pacific Gas", "ORG"), ("Mediterranean", "NORP"), ("the Pacific", "LOC"))
    assert set(found) == {"Pacific Ocean"}
    assert found["Pacific Ocean"]["mentions"] == [{"text": "Pacific", "start": text.rindex("Pacific"),
                                                   "end": text.rindex("Pacific") + 7}]


def test_several_words_are_found_in_text_ner_skipped_but_not_inside_a_longer_entity():
    text = ("Tankers avoid the Strait of Hormuz. The Black Sea Fleet sailed from Sevastopol. "
            "Aid to sub-Saharan Africa and the Middle East rose; the Middle East Institute said so.")
    found = names(text, ("The Black Sea Fleet", "ORG"), ("Sevastopol", "GPE"), ("the Middle East Institute", "ORG"))
    assert set(found) == {"Strait of Hormuz", "Sub-Saharan Africa", "Middle East"}
    assert found["Middle East"]["count"] == 1 and found["Sub-Saharan Africa"]["feature"] == "region"


def test_a_place_named_twice_is_one_entry_with_both_mentions_in_order_of_first_mention():
    text = "The Red Sea is busy. Europe watches the Red Sea."
    found = world_places(world_mentions(text, spans(text, ("Red Sea", "LOC"), ("Europe", "LOC"))))
    assert [p["name"] for p in found] == ["Red Sea", "Europe"] and found[0]["count"] == 2
    assert [m["start"] for m in found[0]["mentions"]] == [4, text.rindex("Red Sea")]


def test_a_word_that_is_also_an_adjective_is_a_place_only_as_a_noun_after_the():
    text = ("He ate a Mediterranean diet. The Baltic states met. The Atlantic reported it. Storms crossed the "
            "Atlantic. The Islamic State of Iraq and the Levant claimed it. Ships sailed the Mediterranean.")
    marks = [("Mediterranean#1", "LOC"), ("Baltic", "LOC"), ("Atlantic#1", "GPE"), ("Atlantic#2", "LOC"),
             ("Levant", "GPE"), ("Mediterranean#2", "LOC")]
    found = names(text, *marks)
    assert set(found) == {"Atlantic Ocean", "Mediterranean Sea"}
    assert found["Atlantic Ocean"]["mentions"][0]["start"] == text.index("Atlantic.")
    assert found["Mediterranean Sea"]["mentions"][0]["start"] == text.rindex("Mediterranean")


def test_a_name_inside_a_longer_one_and_a_possessive_are_not_places_of_their_own():
    text = "Sub-Saharan Africa's growth slowed, and the Middle East's too."
    found = names(text, ("Africa", "LOC"), ("Middle East's", "LOC"))
    assert set(found) == {"Sub-Saharan Africa", "Middle East"}
    assert found["Middle East"]["mentions"] == [{"text": "Middle East", "start": text.index("Middle"),
                                                 "end": text.index("Middle") + 11}]


def test_french_names_are_aliases():
    text = "Des navires en mer Noire et en Méditerranée, vers l'Afrique."
    assert set(names(text, ("Méditerranée", "LOC"), ("Afrique", "LOC"))) == {"Black Sea", "Mediterranean Sea", "Africa"}


def test_no_name_of_the_table_is_also_a_place_of_the_gazetteer(gaz):
    """A world place hides its span from the country tagger: a town of that name would never be found
    ("Caspian", Michigan; "Manche", the French département). The one exception is named after the sea."""
    assert [name for name, _ in _names() if gaz.lookup(name)] == ["mer Rouge"]  # Egypt's Red Sea governorate


@pytest.mark.parametrize(("name", "place"), list(_names()), ids=lambda value: value if isinstance(value, str) else "")
def test_every_entry_has_a_kind_and_a_point(name, place):
    assert place.feature in {"continent", "ocean", "sea", "gulf", "strait", "bay", "region"}
    assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
