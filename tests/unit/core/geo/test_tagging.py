"""The contract of tag_countries, and properties that hold for any input."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.dateline import Dateline
from streams.core.geo import CountryTag, Evidence, tag_countries
from streams.core.nlp import Mention

# -- contract -------------------------------------------------------------------------


def test_contract_types_are_frozen_slotted_dataclasses(gaz):
    for cls in (Evidence, CountryTag):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        assert hasattr(cls, "__slots__")
    assert [f.name for f in dataclasses.fields(Evidence)] == ["text", "start", "end", "kind"]
    assert [f.name for f in dataclasses.fields(CountryTag)] == ["code", "name", "count", "score", "focus", "evidence"]


def test_no_mentions_no_tags(gaz):
    assert tag_countries("Walking 7,000 steps a day may be enough.", [], gaz) == []


# -- robustness ----------------------------------------------------------------------------------

LABELS = ["GPE", "LOC", "NORP", "ORG", "FAC", "PERSON", "EVENT", "DATE"]
WORDS = [
    "Georgia", "Athens", "Ga.", "U.S.", "Sino-Iranian", "Kremlin", "Turkey", "turkey", "NATO", "Paris", "Texas",
    ",", "the", "Gulf of Oman", "\n\n", "Washington\n\nDowning Street", "Iran's", "-", "Mali", "X",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=0, max_size=25),
    picks=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4), st.sampled_from(LABELS)), max_size=12),
    dateline_len=st.integers(0, 20),
)
def test_never_raises_and_offsets_hold(gaz, words, picks, dateline_len):
    text = " ".join(words)
    tokens = [m.span() for m in re.finditer(r"\S+", text)]
    mentions = []
    for first, length, label in picks:
        if first < len(tokens):
            last = tokens[min(len(tokens) - 1, first + length - 1)]
            start, end = tokens[first][0], last[1]
            mentions.append(Mention(text[start:end], label, start, end))
    d = None
    if dateline_len and text:
        end = min(len(text), dateline_len)
        d = Dateline(text[:end], text[:end].split()[0] if text[:end].split() else "X", None, None, None, 0, end)
    tags = tag_countries(text, mentions, gaz, dateline=d)
    assert len({t.code for t in tags}) == len(tags)
    for t in tags:
        assert t.count == len(t.evidence) >= 1 and 0.0 <= t.score <= 1.0 and len(t.code) == 2
        for e in t.evidence:
            assert text[e.start : e.end] == e.text
            assert d is None or not d.start <= e.start < d.end
