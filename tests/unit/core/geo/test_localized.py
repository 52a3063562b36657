"""The gazetteer read in other languages: translated country names, French demonyms, elisions."""

from __future__ import annotations

import pytest

from streams.core.geo import Gazetteer, normalize_name
from streams.core.geo.localized import (
    demonym_spans,
    french_forms,
    localized,
    mask_elisions,
    translated_country_names,
    without_article,
)


@pytest.fixture(scope="module")
def base():
    return Gazetteer.load()


def codes(gaz, name):
    return {p.code for p in gaz.lookup(name)}


def test_country_names_come_from_pycountry_translations():
    french = dict(translated_country_names("fr"))
    assert french["Allemagne"] == "DE" and french["États-Unis"] == "US" and french["Pologne"] == "PL"
    assert "Corée" not in french  # the head of "Corée, République de" is also North Korea's
    assert dict(translated_country_names("de"))["Frankreich"] == "FR"
    assert translated_country_names("zz") == ()


def test_french_view(base):
    fr = localized(base, "fr")
    assert "DE" in codes(fr, "Allemagne") and "CN" in codes(fr, "Chine") and "KR" in codes(fr, "Corée du Sud")
    assert fr.lookup("Pékin")[-1].name == "Beijing" or any(p.name == "Beijing" for p in fr.lookup("Pékin"))
    assert fr.metonyms["maison blanche"] == "US" and fr.metonyms["elysee"] == "FR"
    assert fr.demonyms["iraniennes"] == "IR" and fr.demonyms["francaise"] == "FR" and fr.demonyms["turque"] == "TR"
    assert not base.lookup("Allemagne") and "maison blanche" not in base.metonyms  # English unchanged
    assert localized(base, "fr") is fr  # built once


def test_names_only_view_knows_country_names_and_nothing_else(base):
    es = localized(base, "es", names_only=True)
    text = "España y Francia firmaron con Estados Unidos. La ministra española viajó a Sevilla."
    found = [text[s:e] for s, e in es.scanner.finditer(text)]
    assert found == ["España", "Francia", "Estados Unidos"]
    assert es.demonyms == {} and es.metonyms == {}


@pytest.mark.parametrize(("word", "forms"), [
    ("français", ["français", "française", "françaises"]),
    ("iranien", ["iranien", "iranienne", "iraniens", "iraniennes"]),
    ("américain", ["américain", "américaine", "américains", "américaines"]),
    ("belge", ["belge", "belges"]),
])
def test_french_forms(word, forms):
    assert french_forms(word) == forms


def test_elisions_are_masked_outside_names():
    text = "L'Allemagne et l'Italie, d'Iran, jusqu'à Moscou; la Côte d'Ivoire et le Quai d'Orsay."
    masked = mask_elisions(text)
    assert len(masked) == len(text)
    assert masked.startswith("  Allemagne et   Italie,   Iran,")
    assert "Côte d'Ivoire" in masked and "Quai d'Orsay" in masked


def test_articles_are_dropped_from_spans_unless_part_of_the_name(base):
    fr = localized(base, "fr")
    assert without_article("La Pologne", fr) == 3
    assert without_article("l'Allemagne", fr) == 2
    assert without_article("Le Caire", fr) == 0 and without_article("La Paz", fr) == 0


def test_demonyms_but_not_languages_or_dishes(base):
    fr = localized(base, "fr")
    text = ("Le ministre français a parlé en anglais avec les Iraniens, devant des frites belges et une "
            "délégation sud-coréenne.")
    assert [text[s:e] for s, e in demonym_spans(text, fr, "fr")] == ["français", "Iraniens", "sud-coréenne"]


def test_seas_and_regions_named_after_countries_are_no_country(base):
    from streams.core.geo.localized import blank, not_country_spans

    text = "Dans le golfe du Mexique et en Nouvelle-Angleterre, loin du Mexique."
    spans = not_country_spans(text, "fr")
    assert [text[s:e] for s, e in spans] == ["golfe du Mexique", "Nouvelle-Angleterre"]
    masked = blank(text, spans)
    assert len(masked) == len(text)
    assert [masked[s:e] for s, e in localized(base, "fr").scanner.finditer(masked)] == ["Mexique"]
    assert not_country_spans("Golfo de México", "es") == [(0, 15)]


def test_french_subdivision_and_feature_names(base):
    fr = localized(base, "fr")
    assert {(p.code, p.kind.value) for p in fr.lookup("Nouvelle-Écosse")} == {("CA", "admin1")}
    assert ("US", "admin1") in {(p.code, p.kind.value) for p in fr.lookup("Louisiane")}
    assert fr.lookup("lac Léman")[0].name == "Lake Geneva" and fr.lookup("Mexico")[0].name == "Mexico City"
    text = "En Nouvelle-Écosse."  # consumed whole by the scan: no Scotland
    assert list(fr.scanner.finditer(text)) == []


def test_german_genitive_and_short_names(base):
    de = localized(base, "de", names_only=True)
    text = "Russlands Präsident sprach mit den Vereinigten Staaten und Vertretern Frankreichs."
    assert [text[s:e] for s, e in de.scanner.finditer(text)] == ["Russlands", "Vereinigten Staaten", "Frankreichs"]


def test_compound_nationalities_name_each_country(base):
    fr = localized(base, "fr")
    text = "Le groupe italo-suisse et le couple franco-allemand, mais une filière agro-alimentaire."
    spans = [text[s:e] for s, e in demonym_spans(text, fr, "fr")]
    assert spans == ["italo", "suisse", "franco", "allemand"]
    assert [fr.demonyms[normalize_name(s)] for s in spans] == ["IT", "CH", "FR", "DE"]


def test_names_that_mean_something_else_in_a_language_are_vetoed(base):
    es, it = localized(base, "es", names_only=True), localized(base, "it", names_only=True)
    text = "América Latina y Granada, con Estados Unidos."
    assert [text[s:e] for s, e in es.scanner.finditer(text)] == ["Estados Unidos"]
    text = "Il Bayern Monaco a Monaco di Baviera."
    assert list(it.scanner.finditer(text)) == []
