"""Scores and focus."""

from __future__ import annotations

from tests.unit.core.geo.helpers import codes, dl, tag

# -- score and focus --------------------------------------------------------------------------


ARTICLE = (
    "Iran and Russia sign gas deal\n\n"
    "TEHRAN (Reuters) - Iran and Russia signed a gas deal on Tuesday, Iranian media said.\n\n"
    "The deal was criticised in Washington. Iran said it would export more gas to Russia.\n\n"
    "Turkey was not consulted. Iranian and Russian officials declined to comment."
)


def test_scores_and_focus(gaz):
    marks = [("Iran", "GPE"), ("Russia", "GPE"), ("TEHRAN", "GPE"), ("Reuters", "ORG"), ("Iran#2", "GPE"),
             ("Russia#2", "GPE"), ("Iranian", "NORP"), ("Washington", "GPE"), ("Iran#3", "GPE"),
             ("Russia#3", "GPE"), ("Turkey", "GPE"), ("Iranian#2", "NORP"), ("Russian", "NORP")]  # fmt: skip
    d = dl(ARTICLE, "TEHRAN (Reuters) -", "Tehran")
    tags = tag(gaz, ARTICLE, *marks, dateline=d)
    assert [t.code for t in tags] == ["IR", "RU", "TR", "US"]  # ties: by code
    assert [t.count for t in tags] == [5, 4, 1, 1]
    assert [t.focus for t in tags] == [True, True, False, False]
    assert all(0.0 <= t.score <= 1.0 for t in tags)
    assert tags[0].score == 1.0  # most mentioned, title, lead, every paragraph, dateline
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def test_at_most_three_focus_countries(gaz):
    names = ["France", "Germany", "Italy", "Spain", "Poland"]
    text = " and ".join(names) + " agree\n\n" + " and ".join(names) + " signed a deal."
    marks = [(n, "GPE") for n in names] + [(f"{n}#2", "GPE") for n in names]
    tags = tag(gaz, text, *marks)
    assert len(tags) == 5 and sum(t.focus for t in tags) == 3


def test_a_passing_mention_is_not_the_focus(gaz):
    text = "Astronomers find water vapour\n\nThe telescope is run by NASA and the Canadian Space Agency."
    tags = tag(gaz, text, ("NASA", "ORG"), ("the Canadian Space Agency", "ORG"))
    assert codes(tags) == {"CA"} and not tags[0].focus
