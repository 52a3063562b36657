"""locate / tag_countries: the pipeline of the overview, from NER mentions to places and
country tags, both from the same resolved items so that they never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streams.core.dateline import Dateline
from streams.core.geo.cues import after_direction, locative_before
from streams.core.geo.dateline_place import resolved_dateline_place
from streams.core.geo.evidence import mention_items, split_lines, whole_hyphenated, whole_spaced
from streams.core.geo.evidence_near import uncovered_place_items
from streams.core.geo.evidence_scan import drop_common_nouns, scan_items
from streams.core.geo.gazetteer import Gazetteer
from streams.core.geo.items import Item
from streams.core.geo.kinds import FEATURE_KINDS
from streams.core.geo.locality import source_hints
from streams.core.geo.place import Place
from streams.core.geo.places import PlaceTag, place_tags
from streams.core.geo.resolve import resolve
from streams.core.geo.score import CountryTag, score_tags
from streams.core.nlp import Mention


@dataclass(frozen=True, slots=True)
class Located:
    """What the article says about where it is: country tags and places."""

    countries: list[CountryTag]
    places: list[PlaceTag]
    dateline_place: Place | None = None  # the dateline's place, resolved with the rest


def locate(
    text: str,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    *,
    dateline: Dateline | None = None,
    source: str | None = None,
    url: str | None = None,
    names_only: bool = False,
) -> Located:
    """The countries and places ``text`` names, most salient first.

    ``mentions`` are NER spans with offsets into ``text``; ``dateline`` (offsets into
    ``text`` too, as ``clean_article`` gives them) keeps its own span from being tagged
    and is context for ambiguous names, as are the producer's ``source`` and ``url``.
    Evidence and mention offsets are offsets into ``text``. ``names_only``: only names the
    gazetteer's scanner lists (a language read without NER, ``localized.py``), no other
    capitalised words.
    """
    dl_start, dl_end = (dateline.start, dateline.end) if dateline is not None else (-1, -1)
    items: list[Item] = []
    covered = bytearray(len(text) + 1)
    for mention in whole_spaced(text, whole_hyphenated(text, list(split_lines(mentions)), gazetteer), gazetteer):
        covered[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
        if dl_start <= mention.start < dl_end:
            continue
        items.extend(mention_items(text, mention, gazetteer))
    items.extend(scan_items(text, covered, gazetteer, dl_start, dl_end))
    if not names_only:
        items.extend(uncovered_place_items(text, covered, gazetteer, dl_start, dl_end))
    items = drop_common_nouns(text, items)
    for item in items:
        item.after_direction = after_direction(text, item.start)
    for item in items:  # a river or region across borders names no country on its own (kinds.FEATURE_KINDS)
        major = [p for p in item.candidates if not p.minor]  # a small town needs context (resolve.py)
        if major and all(p.kind in FEATURE_KINDS for p in major):
            item.confirm = len({p.code for p in major}) > 1
        if item.confirm and not item.locative:  # only weak items are held to a distance (refine.py)
            item.locative = locative_before(text, item.start)
    if not items:
        return Located([], [], resolved_dateline_place(dateline, gazetteer, text) if dateline is not None else None)
    dl_place = resolve(items, gazetteer, dateline, source_hints(source, url, gazetteer) if source or url else None)
    countries = score_tags(text, items, gazetteer, dl_place.code if dl_place is not None else None)
    places = place_tags(text, items, gazetteer, {tag.code for tag in countries if tag.focus})
    return Located(countries, places, dl_place)


def tag_countries(
    text: str,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    *,
    dateline: Dateline | None = None,
) -> list[CountryTag]:
    """The countries ``text`` mentions, most salient first (see :func:`locate`)."""
    return locate(text, mentions, gazetteer, dateline=dateline).countries
