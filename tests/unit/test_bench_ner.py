"""The benchmark's syndicated copies: realistic (headline, intro, boilerplate changed) and otherwise the same."""

from __future__ import annotations

from streams.bench.ner import OUTLETS, NerFigures, ner_summary, new_text_share, syndicated, wire_story

STORY = {"id": "s", "title": "Floods in Sindh",
         "body": "Rain fell. The Indus rose! Kotri is at risk. Troops came.\n\nKarachi waits. Nothing else."}


def test_a_wire_story_has_paragraphs_of_two_sentences():
    assert wire_story(STORY)["body"].split("\n\n") == [
        "Rain fell. The Indus rose!", "Kotri is at risk. Troops came.", "Karachi waits. Nothing else."]


def test_a_copy_changes_headline_and_intro_adds_boilerplate_and_keeps_the_rest():
    story = wire_story(STORY)
    copy = syndicated(story, OUTLETS[0])
    original, copied = story["body"].split("\n\n"), copy["body"].split("\n\n")
    assert copy["title"] != story["title"] and copy["id"] != story["id"]
    assert copied[0] != original[0] and "Rain fell." in copied[0]
    assert copied[1 : len(original)] == original[1:]
    assert len(copied) == len(original) + 2
    assert syndicated(story, OUTLETS[1])["body"].split("\n\n")[-1] != copied[-1]  # each outlet its own


def test_the_new_text_share_counts_what_no_story_holds():
    share = new_text_share([wire_story(STORY)])
    assert 0 < share < 2


def test_the_summary_gives_ranges_over_turns():
    figures = NerFigures(new=[10.0, 20.0], copies=[[1.0, 1.0, 1.0], [1.0, 3.0, 2.0]], sorted_seconds=[9.0, 10.0],
                         unsorted_seconds=[10.0, 10.0], cache_bytes=2_000_000, cache_entries=10, articles=5)
    lines = ner_summary(figures)
    assert "5.0%-15.0%" in lines[0] and "10.0%, 10.0%" in lines[0]
    assert "+0.0% to +10.0%" in lines[-1]
