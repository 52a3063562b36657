"""Language routing: declared vs detected language, and which pipeline reads each language."""

from __future__ import annotations

import pytest

from streams.core.routing import choose_language, declared_language, route, unavailable

NER = frozenset({"en", "fr"})


@pytest.mark.parametrize(("value", "code"), [("fr", "fr"), ("fr-FR", "fr"), ("FR", "fr"), (" es_MX ", "es"),
                                             ("french", None), ("", None), (None, None), (3, None)])
def test_declared_language(value, code):
    assert declared_language(value) == code


def test_declared_wins_unless_detection_is_confident_of_another():
    assert choose_language("fr", "fr", 0.99) == ("fr", "declared")
    assert choose_language("fr", "und", 0.0) == ("fr", "declared")
    assert choose_language("fr", "en", 0.6) == ("fr", "declared")
    assert choose_language("en", "fr", 0.98) == ("fr", "detected")  # a feed mislabelled "en"
    assert choose_language(None, "de", 0.7) == ("de", "detected")
    assert choose_language(None, "und", 0.0) == ("und", "default")


def test_routes():
    assert route(None, "fr", 0.98, NER).pipeline == "ner-fr"
    english = route(None, "en", 0.99, NER)
    assert (english.pipeline, english.ner, english.reason) == ("ner-en", "en", None)
    assert route(None, "und", 0.0, NER).ner == "en"  # too short to tell: read as before
    spanish = route("es", "es", 0.95, NER)
    assert (spanish.pipeline, spanish.ner) == ("country-names", None) and "'es'" in spanish.reason
    french_off = route(None, "fr", 0.98, frozenset({"en"}))
    assert french_off.pipeline == "country-names" and french_off.ner is None
    assert route(None, "ja", 0.99, NER).pipeline in ("country-names", "none")
    assert route(None, "zz", 0.99, NER).pipeline == "none"  # no such locale: nothing read


def test_a_pipeline_that_cannot_be_loaded_leaves_country_names():
    lost = unavailable(route(None, "fr", 0.98, NER), "not installed")
    assert lost.pipeline == "country-names" and lost.ner is None and "not installed" in lost.reason
