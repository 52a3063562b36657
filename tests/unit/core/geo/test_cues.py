"""Words around a name that make it a place, and names NER cut short (cues.py, evidence.py)."""

from __future__ import annotations

from streams.core.geo import locate
from streams.core.geo.cues import locative_before
from tests.unit.core.geo.helpers import codes, dl, spans


def places(gaz, text, *marks, dateline=None):
    located = locate(text, spans(text, *marks), gaz, dateline=dateline)
    return {p.mentions[0].text: p for p in located.places}, codes(located.countries)


def test_a_place_preposition_governs_a_name_and_the_lists_it_heads():
    text = "the council in Quesnel; blockades at Dorohusk, Medyka and Hrebenne; Quesnel has lost mills"
    assert locative_before(text, text.index("Quesnel"))
    assert locative_before(text, text.index("Medyka")) and locative_before(text, text.index("Hrebenne"))
    assert not locative_before(text, text.rindex("Quesnel"))
    assert not locative_before("Ms. Salloum said", 4)


def test_a_town_ner_called_a_person_after_in_is_kept_farther_from_the_other_places(gaz):
    text = ("Sawmills in Williams Lake and Prince George cut shifts, and the council in Quesnel said a third "
            "mill would close.")
    marks = [("Williams Lake", "GPE"), ("Prince George", "GPE"), ("Quesnel", "PERSON")]
    found, tags = places(gaz, text, *marks)  # 96 and 106 km away: beyond NEAR_KM for a bare name
    assert found["Quesnel"].country == "CA" and found["Quesnel"].admin1["code"] == "02" and tags == {"CA"}
    # the same word without the preposition stays what NER said it was
    text = text.replace("the council in Quesnel said", "Quesnel said")
    found, _ = places(gaz, text, *marks)
    assert "Quesnel" not in found


def test_a_name_ner_cut_short_takes_the_whole_town_name(gaz):
    text = "Power went out across Davao City, Digos and as far as General Santos, where shoppers ran out of water."
    found, tags = places(gaz, text, ("Davao City", "GPE"), ("Digos", "GPE"), ("Santos", "PERSON"))
    assert found["General Santos"].country == "PH" and tags == {"PH"}
    # the royal is no town: a person without a place preposition stays a person
    text = "Prince George joined his father in London and Windsor."
    found, tags = places(gaz, text, ("George", "PERSON"), ("London", "GPE"), ("Windsor", "GPE"))
    assert "Prince George" not in found and "George" not in found and tags == {"GB"}


def test_a_many_word_town_ner_called_a_person_is_taken_after_a_place_preposition(gaz):
    text = ("OPELOUSAS, La. — Deputies in St. Landry Parish arrested a man who lives in Ville Platte, near "
            "Eunice and Opelousas.")
    found, _ = places(gaz, text, ("St. Landry Parish", "GPE"), ("Ville Platte", "PERSON"), ("Eunice", "GPE"),
                      ("Opelousas", "GPE"))
    assert found["Ville Platte"].admin1["code"] == "LA"


def test_a_city_of_a_million_ner_did_not_label_is_taken_anywhere_in_a_country_the_story_names(gaz):
    text = ("HYDERABAD, India — Tech hiring in Hyderabad rose again. Bengaluru stayed ahead, and other cities "
            "compete. Pune and Chennai have also been courting investors.")
    found, tags = places(gaz, text, ("India", "GPE"), ("Hyderabad", "GPE"), ("Bengaluru", "GPE"),
                         ("Chennai", "GPE"))
    assert found["Pune"].country == "IN" and tags == {"IN"}
    # a person of that name after a comma is not the city
    text = "Chilean miners in Antofagasta walked out. Santiago, a 40-year-old welder, joined them."
    found, _ = places(gaz, text, ("Chilean", "NORP"), ("Antofagasta", "GPE"), ("Santiago", "PERSON"))
    assert "Santiago" not in found


def test_a_small_us_town_of_a_few_hundred_people_is_taken_in_the_articles_state(gaz):
    text = "PARIS, Tenn. — Visitors also stop in Springville and Puryear for antiques, Henry County officials said."
    found, tags = places(gaz, text, ("Springville", "GPE"), ("Henry County", "GPE"),
                         dateline=dl(text, "PARIS, Tenn. —", "Paris", "Tenn."))
    assert found["Puryear"].admin1["code"] == "TN" and found["Puryear"].population < 1000 and tags == {"US"}


def test_a_county_heading_an_organisation_is_that_county(gaz):
    text = "RAYVILLE, La. — The Richland Parish School Board met in Rayville and Delhi on Monday."
    found, tags = places(gaz, text, ("The Richland Parish School Board", "ORG"), ("Rayville", "GPE"),
                         ("Delhi", "GPE"), dateline=dl(text, "RAYVILLE, La. —", "Rayville", "La."))
    assert found["Richland Parish"].feature == "county" and found["Richland Parish"].admin1["code"] == "LA"
    assert tags == {"US"}


def test_a_state_written_with_state_or_province_in_the_mention(gaz):
    text = "Traders in Katsina State and in Zambales province reported losses."
    found, tags = places(gaz, text, ("Katsina State", "GPE"), ("Zambales province", "GPE"))
    assert found["Katsina State"].feature == "state" and tags == {"NG", "PH"}


def test_a_state_before_counties_is_the_state(gaz):
    text = "Officials in Frankfort noted that other Kentucky counties have received state money."
    found, _ = places(gaz, text, ("Frankfort", "GPE"), ("Kentucky", "GPE"))
    assert found["Kentucky"].feature == "state" and found["Kentucky"].admin1["code"] == "KY"


def test_a_tiny_namesake_in_the_articles_state_never_beats_a_capital(gaz):
    text = ("ALEXANDRIA, La. — Rapides Parish asked Washington for levee money; Pineville and Boyce "
            "were flooded.")
    found, _ = places(gaz, text, ("Rapides Parish", "GPE"), ("Washington", "GPE"), ("Pineville", "GPE"),
                      ("Boyce", "GPE"), dateline=dl(text, "ALEXANDRIA, La. —", "Alexandria", "La."))
    assert found["Washington"].feature == "capital" and found["Boyce"].admin1["code"] == "LA"


def test_a_state_under_its_short_english_name(gaz):
    found, tags = places(gaz, "Avocado growers in Michoacán and Jalisco halted shipments.", ("Michoacán", "GPE"),
                         ("Jalisco", "GPE"))
    assert found["Michoacán"].feature == "state" and tags == {"MX"}


def test_an_island_ner_called_a_person_after_on_or_toward(gaz):
    text = "Most Indonesians live on Java, and boats sailed from Tripoli toward Crete."
    found, _ = places(gaz, text, ("Indonesians", "NORP"), ("Java", "PERSON"), ("Tripoli", "GPE"), ("Crete", "ORG"))
    assert found["Java"].feature == "feature" and found["Crete"].country == "GR"
    # "according to" and "spoke to" are followed by people
    assert not locative_before("according to Jackson", 13) and not locative_before("she spoke to Warren", 13)
    found, tags = places(gaz, "A statement from Maui said more.", ("Maui", "PERSON"))
    assert not found and not tags


def test_people_after_to_of_and_from_stay_people(gaz):
    for text in ("In Tennessee, the wife of Jackson said the mayor of Memphis was wrong.",
                 "In Tennessee, a letter to Jackson said the mayor of Memphis was wrong.",
                 "In Tennessee, According to Jackson, the mayor of Memphis was wrong."):
        found, _ = places(gaz, text, ("Tennessee", "GPE"), ("Jackson", "PERSON"), ("Memphis", "GPE"))
        assert "Jackson" not in found, text
    text = "Chilean miners in Antofagasta walked out. According to Santiago, a welder, they had no choice."
    found, _ = places(gaz, text, ("Chilean", "NORP"), ("Antofagasta", "GPE"), ("Santiago", "PERSON"))
    assert "Santiago" not in found
    assert locative_before("residents of Napanee", 13) and locative_before("moved to Pune", 9)
    assert not locative_before("the family of Salvador", 14)


def test_an_english_county_council_names_no_us_county(gaz):
    text = "Essex County Council said schools in Chelmsford and Colchester would close."
    found, tags = places(gaz, text, ("Essex County Council", "ORG"), ("Chelmsford", "GPE"), ("Colchester", "GPE"))
    assert "Essex County" not in found and tags == {"GB"}
