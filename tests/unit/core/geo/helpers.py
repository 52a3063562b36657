"""Hand-built mention lists for the country tagging tests (no spaCy)."""

from __future__ import annotations

import re

from streams.core.dateline import Dateline
from streams.core.geo import CountryTag, Gazetteer, tag_countries
from streams.core.nlp import Mention


def spans(text: str, *marks: tuple[str, str]) -> list[Mention]:
    """Mentions for (substring, label) pairs, in order; "Athens#2" is the 2nd "Athens"."""
    mentions = []
    for mark, label in marks:
        word, _, nth = mark.partition("#")
        found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
        pos = found[int(nth or 1) - 1]
        mentions.append(Mention(word, label, pos, pos + len(word)))
    return sorted(mentions, key=lambda m: m.start)


def dl(text: str, dateline_text: str, location: str, region: str | None = None) -> Dateline:
    start = text.index(dateline_text)
    return Dateline(dateline_text, location, region, None, None, start, start + len(dateline_text))


def codes(tags: list[CountryTag]) -> set[str]:
    return {t.code for t in tags}


def tag(gaz: Gazetteer, text: str, *marks: tuple[str, str], dateline: Dateline | None = None) -> list[CountryTag]:
    tags = tag_countries(text, spans(text, *marks), gaz, dateline=dateline)
    for t in tags:  # every evidence offset points at its own text
        for e in t.evidence:
            assert text[e.start : e.end] == e.text, e
    return tags


def kinds(tags: list[CountryTag], code: str) -> list[str]:
    return [e.kind for t in tags if t.code == code for e in t.evidence]

