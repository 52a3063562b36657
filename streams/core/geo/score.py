"""Tags: evidence grouped by country, rated for how much the article is *about* each one.

score = 0.35 * count / count of the most-mentioned country
      + 0.20 if named in the title
      + 0.15 if named in the lead (the first body paragraph, dateline included)
      + 0.15 * spread (share of the paragraphs naming any country that name this one)
      + 0.15 if it is the dateline's country

A country is a *focus* when its score is at least 0.45 and at least 0.7 of the top
score, or when it is the top country with at least 3 mentions and a score of at least
0.35 (a sports report naming only towns of one country, none in the title). A single
mention outside the title, of a country other than the dateline's, is never a focus
("... run by NASA and the Canadian Space Agency"). At most three, best first. The
numbers are in ``weights.py``, set on ``tests/eval/articles.jsonl``.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from streams.core.geo.gazetteer import Gazetteer
from streams.core.geo.items import Item
from streams.core.geo.kinds import PlaceKind
from streams.core.geo.layout import title_end
from streams.core.geo.weights import (
    FOCUS_MIN_SCORE,
    FOCUS_MIN_SHARE_OF_TOP,
    FOCUS_TOP_MIN_COUNT,
    FOCUS_TOP_MIN_SCORE,
    MAX_FOCUS,
    SCORE_COUNT,
    SCORE_DATELINE,
    SCORE_LEAD,
    SCORE_SPREAD,
    SCORE_TITLE,
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One span of the tagged text that points to a country, and what kind of name it is."""

    text: str
    start: int
    end: int
    kind: PlaceKind


@dataclass(frozen=True, slots=True)
class CountryTag:
    """A country the article mentions: ISO alpha-2 code, evidence, salience score, focus flag."""

    code: str
    name: str
    count: int
    score: float
    focus: bool
    evidence: tuple[Evidence, ...]


def score_tags(text: str, items: list[Item], gaz: Gazetteer, dl_code: str | None) -> list[CountryTag]:
    """Group evidence by country, score each one, flag the focus (module docstring);
    ``dl_code``: the country of the dateline's place, as the article resolved it."""
    by_code: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.chosen is not None:
            by_code[item.chosen.code].append(item)
    if not by_code:
        return []
    end_of_title = title_end(text)
    starts = [0, *(m.end() for m in re.finditer(r"\n+", text))]
    lead = bisect.bisect_right(starts, end_of_title) - 1 + (1 if end_of_title else 0)
    paragraph = {id(item): bisect.bisect_right(starts, item.start) - 1 for item in items}
    n_paragraphs = max(1, len({paragraph[id(item)] for items_ in by_code.values() for item in items_}))
    max_count = max(len(v) for v in by_code.values())

    scored = []
    for code, country_items in by_code.items():
        paragraphs = {paragraph[id(item)] for item in country_items}
        in_title = any(item.start < end_of_title for item in country_items)
        score = (
            SCORE_COUNT * len(country_items) / max_count
            + SCORE_TITLE * in_title
            + SCORE_LEAD * (lead in paragraphs)
            + SCORE_SPREAD * len(paragraphs) / n_paragraphs
            + SCORE_DATELINE * (code == dl_code)
        )
        evidence = tuple(
            Evidence(item.text, item.start, item.end, item.kind or item.chosen.kind)  # type: ignore[union-attr]
            for item in sorted(country_items, key=lambda i: i.start)
        )
        more_than_passing = len(country_items) >= 2 or in_title or code == dl_code
        scored.append((round(min(1.0, score), 4), len(country_items), code, evidence, more_than_passing))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))

    top = scored[0][0]
    tags = []
    for rank, (score, count, code, evidence, more_than_passing) in enumerate(scored):
        focus = rank < MAX_FOCUS and more_than_passing and (
            (score >= FOCUS_MIN_SCORE and score >= FOCUS_MIN_SHARE_OF_TOP * top)
            or (rank == 0 and count >= FOCUS_TOP_MIN_COUNT and score >= FOCUS_TOP_MIN_SCORE)
        )
        tags.append(CountryTag(code, gaz.country_name(code), count, score, focus, evidence))
    return tags
