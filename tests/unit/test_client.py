"""The typed client's models against the schema, and the filters a subscriber gives."""

from __future__ import annotations

import copy

import pytest

from streams.client import EnrichedArticle
from streams.filters import ArticleFilter, UnknownCountry, country_code
from tests.schema_check import assert_valid, validator

EXAMPLES = validator("enriched").schema["examples"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["id"])
def test_every_schema_example_loads_into_the_model_and_dumps_back_valid(example):
    article = EnrichedArticle.model_validate(example)
    dumped = article.to_record()
    assert_valid("enriched", dumped)
    assert EnrichedArticle.model_validate(dumped) == article
    assert set(dumped) == set(example)  # absent fields stay absent, nothing is lost


def test_fields_of_a_newer_minor_version_are_kept():
    record = {**copy.deepcopy(EXAMPLES[0]), "schema_version": "1.9", "sentiment": {"score": 0.2}}
    assert EnrichedArticle.model_validate(record).to_record()["sentiment"] == {"score": 0.2}


def test_places_are_typed_when_present():
    record = {**copy.deepcopy(EXAMPLES[0]), "places": [{"geonameid": 112931, "name": "Tehran", "country": "IR"}]}
    (tehran,) = EnrichedArticle.model_validate(record).places
    assert tehran.geonameid == 112931 and tehran.name == "Tehran"


def test_a_curated_region_without_a_geonameid_loads():
    """The schema lets ``geonameid`` be null (a curated region: "West Midlands"); so must the model."""
    region = {"geonameid": None, "name": "West Midlands", "feature": "region", "lat": 52.5, "lon": -1.9,
              "country": "GB"}
    record = {**copy.deepcopy(EXAMPLES[0]), "places": [region]}
    (place,) = EnrichedArticle.model_validate(record).places
    assert place.geonameid is None and place.name == "West Midlands"
    assert EnrichedArticle.model_validate(record).to_record()["places"][0]["geonameid"] is None


def test_a_record_that_is_no_enriched_article_is_skipped_and_logged(caplog):
    import orjson

    from streams.client import _article_of, _record_of

    class Message:
        topic, partition, offset = "articles.enriched", 3, 41

    good, bad, junk = Message(), Message(), Message()
    good.value = orjson.dumps(EXAMPLES[0])
    bad.value = orjson.dumps({**EXAMPLES[0], "places": [{"name": "Nowhere"}]})
    junk.value = b"{not json"
    assert _article_of(good, _record_of(good)).id == EXAMPLES[0]["id"]
    assert _article_of(bad, _record_of(bad)) is None and _record_of(junk) is None
    assert caplog.text.count("articles.enriched/3@41") == 2


@pytest.mark.parametrize(("typed", "code"), [("es", "ES"), ("UK", "GB"), ("gbr", "GB"), ("Spain", "ES"),
                                             ("EL", "GR"), ("XK", "XK"), (" ir ", "IR")])
def test_country_codes_aliases_and_names(typed, code):
    assert country_code(typed) == code


def test_an_unknown_country_is_one_clear_error():
    with pytest.raises(UnknownCountry, match=r"unknown country 'XX': use an ISO 3166-1 code"):
        country_code("XX")


MADRID = {"countries": [{"code": "FR"}], "dateline": {"country": "ES"},
          "entities": [{"text": "Pedro Sánchez"}], "places": [{"geonameid": 3117735, "name": "Madrid"}]}


def test_a_country_matches_the_dateline_unless_mentioned_only():
    assert ArticleFilter.of(country=["ES"])(MADRID)
    assert not ArticleFilter.of(country=["ES"], mentioned_only=True)(MADRID)
    assert ArticleFilter.of(country=["FR"], mentioned_only=True)(MADRID)
    assert not ArticleFilter.of(country=["DE"])(MADRID)


def test_places_match_by_name_or_geonames_id_and_records_without_places_match_none():
    assert ArticleFilter.of(place=["madrid"])(MADRID)
    assert ArticleFilter.of(place=["3117735"])(MADRID)
    assert not ArticleFilter.of(place=["Paris"])(MADRID)
    assert not ArticleFilter.of(place=["Madrid"])({k: v for k, v in MADRID.items() if k != "places"})


def test_every_criterion_must_match_and_none_given_matches_everything():
    assert ArticleFilter()(MADRID)
    assert ArticleFilter.of(country=["ES"], entity=["sánchez"])(MADRID)
    assert not ArticleFilter.of(country=["ES"], entity=["putin"])(MADRID)
