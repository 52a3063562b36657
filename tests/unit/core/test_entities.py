"""merge_entities and is_junk: each merge and junk rule, and the real model on the seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.core.clean import clean_article
from streams.core.entities import Entity, is_junk, merge_entities
from streams.core.nlp import Mention, extract_mentions, load_pipeline

SEED = Path(__file__).parents[3] / "seeds" / "000_3c4133359b8940df.txt"


def mentions_in(text: str, spans: list[tuple[str, str]]) -> list[Mention]:
    """Mentions with real offsets: each (span, label) is searched after the previous one."""
    found, position = [], 0
    for span, label in spans:
        start = text.index(span, position)
        found.append(Mention(span, label, start, start + len(span)))
        position = start + 1
    return found


def by_text(entities: list[Entity]) -> dict[tuple[str, str], Entity]:
    return {(e.text, e.label): e for e in entities}


# -- junk -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("", "ORG"),
        ("  ", "PERSON"),
        ("A", "ORG"),  # single character, name label
        ("I", "PERSON"),
        ("$", "MONEY"),  # single non-alphanumeric character, any label
        ("2018", "ORG"),  # no letters in a name
        ("--", "PERSON"),
        ("(20)", "GPE"),
        ("Supreme", "ORG"),  # lone title word
        ("President", "PERSON"),
        ("Minister", "ORG"),
        ("Sen.", "PERSON"),
        ("Ayatollah Seyyed", "PERSON"),  # only title words
        ("Prime Minister", "ORG"),
        ("Secretary of State", "PERSON"),
        ("The Iranian Supreme Leader", "ORG"),  # "the" + nationality + titles
        ("Russian President", "PERSON"),
        ("sanctions\n\nPutin", "PERSON"),  # across a blank line
        ("Attempts at alternative measures\nPutin", "ORG"),  # across a line break, long
        ("July 19\n\nAttempts", "DATE"),
    ],
)
def test_junk(text, label):
    assert is_junk(Mention(text, label, 0, len(text)))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("5", "CARDINAL"),  # single digit is a fine number
        ("2018", "DATE"),
        ("US", "GPE"),
        ("UN", "ORG"),
        ("Vladimir Putin", "PERSON"),
        ("Vladimir\nPutin", "PERSON"),  # hard-wrapped name
        ("Supreme Court", "ORG"),
        ("Justice Department", "ORG"),
        ("Pope Francis", "PERSON"),
        ("President", "WORK_OF_ART"),  # the title rule is for ORG and PERSON only
        ("Iranian", "NORP"),
        ("the Black Sea", "LOC"),
        ("G7", "ORG"),
    ],
)
def test_not_junk(text, label):
    assert not is_junk(Mention(text, label, 0, len(text)))


def test_junk_mentions_are_dropped():
    text = "Iran's Supreme Leader met Putin."
    entities = merge_entities(mentions_in(text, [("Iran", "GPE"), ("Supreme", "ORG"), ("Putin", "PERSON")]))
    assert [(e.text, e.label) for e in entities] == [("Iran", "GPE"), ("Putin", "PERSON")]


# -- PERSON merging -----------------------------------------------------------------------


def test_person_titles_and_surname_merge():
    text = (
        "Russian President Vladimir Putin met Iran's leader. Vladimir Putin said that "
        "Putin's trip mattered. President Putin left. Mr. Putin, VLADIMIR PUTIN."
    )
    mentions = mentions_in(
        text,
        [
            ("Russian President Vladimir Putin", "PERSON"),
            ("Vladimir Putin", "PERSON"),
            ("Putin's", "PERSON"),
            ("President Putin", "PERSON"),
            ("Mr. Putin", "PERSON"),
            ("VLADIMIR PUTIN", "PERSON"),
        ],
    )
    [entity] = merge_entities(mentions)
    assert (entity.text, entity.label, entity.count, entity.first) == ("Vladimir Putin", "PERSON", 6, 0)
    assert entity.mentions == tuple(mentions)  # the original objects, in text order


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Supreme Leader Ayatollah Ali Khamenei", "Ali Khamenei"),
        ("Dr. Anthony Fauci", "Anthony Fauci"),
        ("Sen. Bernie Sanders", "Bernie Sanders"),
        ("Gov. Gavin Newsom", "Gavin Newsom"),
        ("King Charles III", "Charles III"),
        ("Prime Minister Shehbaz Sharif", "Shehbaz Sharif"),
        ("former US President Donald Trump", "Donald Trump"),
        ("Secretary of State Antony Blinken", "Antony Blinken"),
        ("Martin Luther King Jr.", "Martin Luther King Jr."),  # King is the name here
        ("Billie Jean King", "Billie Jean King"),
    ],
)
def test_person_title_stripping(written, canonical):
    [entity] = merge_entities([Mention(written, "PERSON", 0, len(written))])
    assert entity.text == canonical


def test_surname_joins_the_only_full_name_ending_with_it():
    text = "Recep Tayyip Erdogan spoke. Tayyip Erdogan left. Erdogan's plan. Bashar al-Assad and Assad."
    entities = by_text(
        merge_entities(
            mentions_in(
                text,
                [
                    ("Recep Tayyip Erdogan", "PERSON"),
                    ("Tayyip Erdogan", "PERSON"),
                    ("Erdogan's", "PERSON"),
                    ("Bashar al-Assad", "PERSON"),
                    ("Assad", "PERSON"),
                ],
            )
        )
    )
    assert set(entities) == {("Recep Tayyip Erdogan", "PERSON"), ("Bashar al-Assad", "PERSON")}
    assert entities[("Recep Tayyip Erdogan", "PERSON")].count == 3
    assert entities[("Bashar al-Assad", "PERSON")].count == 2


def test_ambiguous_surname_stays_alone():
    text = "Joe Biden and Hunter Biden. Biden said."
    entities = by_text(
        merge_entities(mentions_in(text, [("Joe Biden", "PERSON"), ("Hunter Biden", "PERSON"), ("Biden", "PERSON")]))
    )
    assert set(entities) == {("Joe Biden", "PERSON"), ("Hunter Biden", "PERSON"), ("Biden", "PERSON")}


def test_surname_does_not_join_another_label():
    text = "Henry Ford was born. Ford shares rose."
    entities = by_text(merge_entities(mentions_in(text, [("Henry Ford", "PERSON"), ("Ford", "ORG")])))
    assert set(entities) == {("Henry Ford", "PERSON"), ("Ford", "ORG")}


def test_first_name_does_not_join():
    text = "Vladimir Putin and Vladimir."
    entities = merge_entities(mentions_in(text, [("Vladimir Putin", "PERSON"), ("Vladimir", "PERSON")]))
    assert len(entities) == 2


# -- other labels ---------------------------------------------------------------------------


def test_names_merge_after_normalisation():
    text = "the United Nations, The United Nations. UNITED NATIONS; United Nations' staff. Iran's Iran, Iran."
    mentions = mentions_in(
        text,
        [
            ("the United Nations", "ORG"),
            ("The United Nations", "ORG"),
            ("UNITED NATIONS", "ORG"),
            ("United Nations'", "ORG"),
            ("Iran's", "GPE"),
            ("Iran,", "GPE"),
            ("Iran.", "GPE"),
        ],
    )
    entities = merge_entities(mentions)
    assert [(e.text, e.label, e.count) for e in entities] == [("United Nations", "ORG", 4), ("Iran", "GPE", 3)]


def test_abbreviation_periods_are_kept_in_the_text_but_ignored_for_merging():
    text = "The U.S. and the U.S said"
    [entity] = merge_entities(mentions_in(text, [("U.S.", "GPE"), ("U.S", "GPE")]))
    assert (entity.text, entity.count) == ("U.S.", 2)


def test_other_labels_merge_only_on_identical_text():
    text = "July 19 and July 19; july 19. 40 and forty."
    entities = merge_entities(
        mentions_in(
            text,
            [("July 19", "DATE"), ("July 19", "DATE"), ("july 19", "DATE"), ("40", "CARDINAL"), ("forty", "CARDINAL")],
        )
    )
    assert [(e.text, e.count) for e in entities] == [("July 19", 2), ("july 19", 1), ("40", 1), ("forty", 1)]


def test_majority_label_wins_for_a_multi_word_name():
    text = "Recep Tayyip Erdogan met. Recep Tayyip Erdogan said. Recep Tayyip Erdogan left."
    entities = merge_entities(
        mentions_in(
            text,
            [("Recep Tayyip Erdogan", "PERSON"), ("Recep Tayyip Erdogan", "ORG"), ("Recep Tayyip Erdogan", "PERSON")],
        )
    )
    assert [(e.text, e.label, e.count) for e in entities] == [("Recep Tayyip Erdogan", "PERSON", 3)]
    assert [m.label for m in entities[0].mentions] == ["PERSON", "ORG", "PERSON"]  # mentions unchanged


def test_labels_stay_separate_on_a_tie_or_a_single_word():
    text = "Gazprom Company and Gazprom Company. Ford, Ford and Ford."
    entities = by_text(
        merge_entities(
            mentions_in(
                text,
                [
                    ("Gazprom Company", "ORG"),
                    ("Gazprom Company", "PRODUCT"),
                    ("Ford", "PERSON"),
                    ("Ford", "ORG"),
                    ("Ford", "ORG"),
                ],
            )
        )
    )
    assert set(entities) == {
        ("Gazprom Company", "ORG"), ("Gazprom Company", "PRODUCT"), ("Ford", "PERSON"), ("Ford", "ORG"),
    }  # fmt: skip


def test_sorted_by_count_then_first_position():
    text = "Syria Iran Turkey Iran Turkey"
    entities = merge_entities(
        mentions_in(text, [("Syria", "GPE"), ("Iran", "GPE"), ("Turkey", "GPE"), ("Iran", "GPE"), ("Turkey", "GPE")])
    )
    assert [(e.text, e.count, e.first) for e in entities] == [("Iran", 2, 6), ("Turkey", 2, 11), ("Syria", 1, 0)]


def test_empty():
    assert merge_entities([]) == []


# -- the real model on the seed article --------------------------------------------------


@pytest.fixture(scope="module")
def seed_entities() -> tuple[str, list[Mention], list[Entity]]:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    text = clean_article(title, body).text
    mentions = extract_mentions(load_pipeline(), [text])[0]
    return text, mentions, merge_entities(mentions)


def test_seed_article_with_the_real_model(seed_entities):
    text, mentions, entities = seed_entities
    assert all(text[m.start : m.end] == m.text for m in mentions)
    found = by_text(entities)

    putin = found[("Vladimir Putin", "PERSON")]
    assert {m.text for m in putin.mentions} == {"Vladimir Putin", "Putin"}
    assert putin.count == sum(m.text in ("Vladimir Putin", "Putin") for m in mentions if m.label == "PERSON")
    assert not any(e.text == "Putin" for e in entities)

    erdogan = found[("Recep Tayyip Erdogan", "PERSON")]
    # the model yields the full name (twice PERSON, once ORG) and "Tayyip Erdogan"
    assert {m.text for m in erdogan.mentions} == {"Recep Tayyip Erdogan", "Tayyip Erdogan"}
    assert not any("Erdogan" in e.text for e in entities if e is not erdogan)

    # the model's fragments of "Iran's Supreme Leader Ayatollah Seyyed Ali Khamenei"
    assert any(m.text == "Supreme" and m.label == "ORG" for m in mentions)
    assert not any(e.text in ("Supreme", "Ayatollah Seyyed", "Iranian Supreme Leader") for e in entities)
    assert ("Ali Khamenei", "PERSON") in found

    assert [(e.text, e.label) for e in entities[:3]] == [("Iran", "GPE"), ("Ukraine", "GPE"), ("Syria", "GPE")]
    assert sum(e.count for e in entities) == sum(not is_junk(m) for m in mentions)


def test_french_labels_are_mapped_onto_the_project_labels():
    from streams.core.entities import map_labels

    mentions = [Mention("Jean-Noël Barrot", "PER", 0, 16), Mention("Berlin", "LOC", 20, 26),
                Mention("Alpes", "LOC", 30, 35), Mention("Français", "MISC", 40, 48),
                Mention("Tour de France", "MISC", 50, 64), Mention("AFP", "ORG", 70, 73)]
    mapped = map_labels(mentions, "fr", is_place=lambda span: span == "Berlin", is_demonym=lambda s: s == "Français")
    assert [m.label for m in mapped] == ["PERSON", "GPE", "LOC", "NORP", "MISC", "ORG"]
    assert [(m.start, m.end) for m in mapped] == [(m.start, m.end) for m in mentions]
    assert map_labels(mentions, "en") == mentions  # English: unchanged
