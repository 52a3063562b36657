"""Disambiguation by qualifier / article / dateline / population, the article's home, the dateline's place."""

from __future__ import annotations

import pytest

from streams.core.dateline import Dateline
from streams.core.geo import dateline_country
from tests.unit.core.geo.helpers import codes, dl, kinds, tag

# -- disambiguation: qualifier, article, dateline, population ----------------------------------


@pytest.mark.parametrize(
    ("text", "marks", "expected"),
    [
        ("He grew up in Athens, Ga., and left.", [("Athens", "GPE"), ("Ga.", "GPE")], {"US"}),
        ("He grew up in Athens, Ga., and left.", [("Athens, Ga.", "GPE")], {"US"}),
        ("He grew up in Athens, GA and left.", [("Athens", "GPE")], {"US"}),
        ("He grew up in Athens, Georgia, and left.", [("Athens", "GPE"), ("Georgia", "GPE")], {"US"}),
        ("He grew up in Athens and left.", [("Athens", "GPE")], {"GR"}),
        ("The fair in Paris, Texas, drew crowds.", [("Paris", "GPE"), ("Texas", "GPE")], {"US"}),
        ("The fair in Paris drew crowds.", [("Paris", "GPE")], {"FR"}),
        ("A lab in Cambridge, Mass., hired.", [("Cambridge", "GPE"), ("Mass.", "GPE")], {"US"}),
        ("A plant in Cambridge, Ont., closed.", [("Cambridge", "GPE"), ("Ont.", "GPE")], {"CA"}),
        ("A plant in Cambridge, Ontario, closed.", [("Cambridge", "GPE"), ("Ontario", "GPE")], {"CA"}),
        ("A court in Alexandria, Va., ruled.", [("Alexandria", "GPE"), ("Va.", "GPE")], {"US"}),
        ("A levee in Alexandria, La., broke.", [("Alexandria", "GPE"), ("La.", "GPE")], {"US"}),
        ("The port of Alexandria reopened.", [("Alexandria", "GPE")], {"EG"}),
        ("A hospital in Lebanon, N.H., grew.", [("Lebanon", "GPE"), ("N.H.", "GPE")], {"US"}),
        ("Rockets fell on Lebanon again.", [("Lebanon", "GPE")], {"LB"}),
        ("A festival in Moscow, Idaho, opened.", [("Moscow", "GPE"), ("Idaho", "GPE")], {"US"}),
        ("Talks in Moscow ended.", [("Moscow", "GPE")], {"RU"}),
        ("Born in Lagos, Nigeria, she moved.", [("Lagos", "GPE"), ("Nigeria", "GPE")], {"NG"}),
        ("Rallies in Birmingham, Ala., grew.", [("Birmingham", "GPE"), ("Ala.", "GPE")], {"US"}),
        ("The council in Birmingham is broke.", [("Birmingham", "GPE")], {"GB"}),
        ("City beat United in Manchester.", [("Manchester", "GPE")], {"GB"}),
        ("A plant in London, Ont., closed.", [("London", "GPE"), ("Ont.", "GPE")], {"CA"}),
    ],
)
def test_qualifier_then_population(gaz, text, marks, expected):
    assert codes(tag(gaz, text, *marks)) == expected


def test_a_list_is_not_a_qualifier(gaz):
    text = "The juntas of Mali, Burkina Faso and Guinea met."
    assert codes(tag(gaz, text, ("Mali", "GPE"), ("Burkina Faso", "GPE"), ("Guinea", "GPE"))) == {"ML", "BF", "GN"}
    text = "Storms hit Georgia, Alabama and Florida."
    assert codes(tag(gaz, text, ("Georgia", "GPE"), ("Alabama", "GPE"), ("Florida", "GPE"))) == {"US"}


def test_one_sense_per_article_after_a_qualifier(gaz):
    text = "Athens, Ga., grew fast. Rents in Athens keep rising."
    tags = tag(gaz, text, ("Athens", "GPE"), ("Ga.", "GPE"), ("Athens#2", "GPE"))
    assert codes(tags) == {"US"} and tags[0].count == 3


def test_other_places_of_the_same_state_pull_an_ambiguous_town(gaz):
    text = "Officials in Fulton County and DeKalb County met in Atlanta. Then Athens voted."
    marks = [("Fulton County", "GPE"), ("DeKalb County", "GPE"), ("Atlanta", "GPE"), ("Athens", "GPE")]
    tags = tag(gaz, text, *marks)
    assert codes(tags) == {"US"}


def test_us_local_story_ties_georgia_to_the_state(gaz):
    text = "Georgia peach growers expect a bumper crop. In Peach County orchards near Fort Valley are full."
    marks = [("Georgia", "GPE"), ("Peach County", "GPE"), ("Fort Valley", "GPE")]
    assert codes(tag(gaz, text, *marks)) == {"US"}
    text = "Georgia's ruling party passed the bill. Crowds in Tbilisi protested."
    assert codes(tag(gaz, text, ("Georgia", "GPE"), ("Tbilisi", "GPE"))) == {"GE"}
    assert codes(tag(gaz, "Georgia voted.", ("Georgia", "GPE"))) == {"GE"}  # no context: the country


def test_university_of_georgia_follows_the_article(gaz):
    text = "ATHENS, Ga. — The University of Georgia will build dorms."
    d = dl(text, "ATHENS, Ga. —", "Athens", "Ga.")
    tags = tag(gaz, text, ("ATHENS", "GPE"), ("Ga.", "GPE"), ("The University of Georgia", "ORG"), dateline=d)
    assert codes(tags) == {"US"}


def test_dateline_is_context_but_never_a_tag(gaz):
    text = "ATLANTA (AP) — Students in Athens protested on Tuesday."
    d = dl(text, "ATLANTA (AP) —", "Atlanta")
    tags = tag(gaz, text, ("ATLANTA", "GPE"), ("AP", "ORG"), ("Athens", "GPE"), dateline=d)
    assert codes(tags) == {"US"}
    assert [e.text for t in tags for e in t.evidence] == ["Athens"]
    # without the dateline the same sentence is about Greece
    assert codes(tag(gaz, "Students in Athens protested on Tuesday.", ("Athens", "GPE"))) == {"GR"}


def test_dateline_only_country_is_not_tagged(gaz):
    text = "ISLAMABAD, July 19 (Alliance News): Russian President Vladimir Putin will meet Iran's leader."
    d = dl(text, "ISLAMABAD, July 19 (Alliance News):", "Islamabad")
    marks = [("ISLAMABAD", "GPE"), ("July 19", "DATE"), ("Alliance News", "ORG"), ("Russian", "NORP"), ("Iran", "GPE")]
    tags = tag(gaz, text, *marks, dateline=d)
    assert codes(tags) == {"RU", "IR"}
    assert dateline_country(d, gaz) == "PK"


def test_the_datelines_place_keeps_its_sense_in_the_body(gaz):
    text = "MOSCOW, Idaho — Thousands packed downtown Moscow for the lentil festival."
    d = dl(text, "MOSCOW, Idaho —", "Moscow", "Idaho")
    tags = tag(gaz, text, ("MOSCOW", "GPE"), ("Idaho", "GPE"), ("Moscow", "GPE"), dateline=d)
    assert codes(tags) == {"US"}


def test_article_context_picks_among_same_name_towns(gaz):
    text = "Puigdemont fled to Belgium and lives in Waterloo, outside Brussels."
    tags = tag(gaz, text, ("Belgium", "GPE"), ("Waterloo", "GPE"), ("Brussels", "GPE"))
    assert codes(tags) == {"BE"}
    text = "Jobs were cut in Waterloo and Kitchener, Ontario."
    assert codes(tag(gaz, text, ("Waterloo", "GPE"), ("Kitchener", "GPE"), ("Ontario", "GPE"))) == {"CA"}


def test_a_world_capital_resists_a_same_named_town_in_the_article_state(gaz):
    # Chicago does not make "Paris" Paris, Illinois
    text = "The Bulls beat Chicago rivals. Coulibaly grew up outside Paris. Chicago won again."
    tags = tag(gaz, text, ("Chicago", "GPE"), ("Paris", "GPE"), ("Chicago#2", "GPE"))
    assert codes(tags) == {"US", "FR"}


def test_lone_small_town_elsewhere_is_dropped(gaz):
    # "Rio" is only a Greek village in geonames: alone, it is a misread "Rio de Janeiro"
    text = "Argentina win in Rio as violence mars clash. Brazil lost at home."
    assert codes(tag(gaz, text, ("Argentina", "GPE"), ("Rio", "GPE"), ("Brazil", "GPE"))) == {"AR", "BR"}


# -- dateline_country --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "region", "code"),
    [("Islamabad", None, "PK"), ("Washington", None, "US"), ("London", None, "GB"), ("Atlanta", None, "US"),
     ("Paris", None, "FR"), ("Paris", "Texas", "US"), ("Tbilisi", "Georgia", "GE"), ("Athens", "Ga.", "US"),
     ("Athens", None, "GR"), ("Plains", "Ga.", "US"), ("Cambridge", "Ont.", "CA"), ("Cambridge", "Mass.", "US"),
     ("Wimbledon", "England", "GB"), ("Sao Paulo", "Brazil", "BR"), ("Erbil", "Iraq", "IQ"),
     ("San Juan", "Puerto Rico", "PR"), ("Hong Kong", None, "HK"), ("Kyiv", "Ukraine", "UA"),
     ("Macon", "Ga.", "US"), ("Lebanon", "N.H.", "US"), ("United Nations", None, None), ("Nowhere Town", None, None)],
)  # fmt: skip
def test_dateline_country(gaz, location, region, code):
    text = f"{location.upper()} — The story."
    assert dateline_country(Dateline(text, location, region, None, None, 0, len(location) + 2), gaz) == code


# -- same-name places and the article's home ---------------------------------------------------


def test_a_capital_in_a_local_story_is_the_home_states_namesake(gaz):
    # five places of one state make a story local: "Cairo" is not Egypt's capital here
    text = (
        "Levee repairs begin in Cairo\n\nCrews from Peoria and Naperville joined Alexander County workers in "
        "Cairo on Monday, state officials in Springfield, Illinois, said."
    )
    marks = [("Cairo", "GPE"), ("Peoria", "GPE"), ("Naperville", "GPE"), ("Alexander County", "GPE"),
             ("Cairo#2", "GPE"), ("Springfield", "GPE"), ("Illinois", "GPE")]  # fmt: skip
    tags = tag(gaz, text, *marks)
    assert codes(tags) == {"US"}
    assert kinds(tags, "US").count("city") >= 3
    # ... unless the article names the capital's country some other way
    text += " An Egyptian delegation visited Cairo last year."
    more = [*marks, ("Egyptian", "NORP"), ("Cairo#3", "GPE")]
    assert codes(tag(gaz, text, *more)) == {"US", "EG"}


def test_a_national_story_keeps_the_world_capital(gaz):
    # towns of four different states are no home state: Paris stays in France
    text = "Boston beat Milwaukee and Chicago lost at Denver. The rookie grew up near Paris."
    marks = [("Boston", "GPE"), ("Milwaukee", "GPE"), ("Chicago", "GPE"), ("Denver", "GPE"), ("Paris", "GPE")]
    assert codes(tag(gaz, text, *marks)) == {"US", "FR"}


def test_a_name_before_river_or_rivers_is_no_town(gaz):
    text = "Herders along the Juba and Shabelle rivers lost cattle, officials in Mogadishu said."
    assert codes(tag(gaz, text, ("Juba", "GPE"), ("Shabelle", "GPE"), ("Mogadishu", "GPE"))) == {"SO"}
    text = "Boats on the Hudson River were stopped near Albany."
    assert codes(tag(gaz, text, ("Hudson", "LOC"), ("Albany", "GPE"))) == {"US"}
    # an airport or a road keeps its town's country
    assert codes(tag(gaz, "Flights left Kabul airport.", ("Kabul", "GPE"))) == {"AF"}
    # a state or country before "River": the river, in that country (data/geo_features.json)
    assert codes(tag(gaz, "Barges on the Ohio River.", ("Ohio", "LOC"))) == {"US"}


def test_a_list_of_counties_stays_in_the_articles_country(gaz):
    text = "Frost hit Lambton, Middlesex and Huron counties, and growers across Ontario, Canada, worried."
    marks = [("Lambton", "GPE"), ("Middlesex", "GPE"), ("Huron", "GPE"), ("Ontario", "GPE"), ("Canada", "GPE")]
    tags = tag(gaz, text, *marks)
    assert codes(tags) == {"CA"}
    assert kinds(tags, "CA").count("admin2") == 3
    text = "Flooding closed roads in Middlesex and Monmouth counties, New Jersey officials said."
    assert codes(tag(gaz, text, ("Middlesex", "GPE"), ("Monmouth", "GPE"), ("New Jersey", "GPE"))) == {"US"}
    # a county name of another country, with nothing else naming that country, is dropped
    text = "Police in Kent and Essex counties of England, Britain, said."
    assert codes(tag(gaz, text, ("Kent", "GPE"), ("Essex", "GPE"), ("England", "GPE"))) == {"GB"}


def test_english_regions(gaz):
    text = "Buses in the West Midlands, East Anglia and Yorkshire ran late."
    marks = [("the West Midlands", "LOC"), ("East Anglia", "GPE"), ("Yorkshire", "GPE")]
    tags = tag(gaz, text, *marks)
    assert codes(tags) == {"GB"} and kinds(tags, "GB") == ["region"] * 3
    # a region name two countries share follows the article
    text = "Mines near Gweru in the Midlands reopened, Harare said."
    assert codes(tag(gaz, text, ("Gweru", "GPE"), ("Midlands", "LOC"), ("Harare", "GPE"))) == {"ZW"}
    text = "Factories in the Midlands closed, Birmingham and Coventry councils said."
    assert codes(tag(gaz, text, ("Midlands", "LOC"), ("Birmingham", "GPE"), ("Coventry", "GPE"))) == {"GB"}


# -- datelines: context --------------------------------------------------------------------------


def test_dateline_country_with_the_articles_text(gaz):
    d = Dateline("Perth:", "Perth", None, None, None, 0, 6)
    assert dateline_country(d, gaz) == "AU"
    assert dateline_country(d, gaz, "Perth: Miners in Western Australia struck.") == "AU"
    assert dateline_country(d, gaz, "Perth: Farmers across Scotland said the Scottish harvest failed.") == "GB"
    # a capital keeps its country whatever else the story names
    d = Dateline("London:", "London", None, None, None, 0, 7)
    assert dateline_country(d, gaz, "London: Canadian miners listed shares.") == "GB"
    assert dateline_country(Dateline("Brussels:", "Brussels", None, None, None, 0, 9), gaz) == "BE"
