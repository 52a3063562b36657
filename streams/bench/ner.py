"""The NER figures of ``newsstream bench``: what a syndicated repeat costs, and what sorting gains.

Repeats: every benchmark article as a wire story (paragraphs of two sentences, as agencies
write them), then as other outlets' copies of it (the outlet's headline, a rewritten first
paragraph, the outlet's boilerplate at the end; every other paragraph the same). The NER
time of a copy relative to the story's first run is what the cache leaves of the work.

Sorting: the same texts through ``extract_mentions`` with and without sorting paragraphs
by length, in turns (no cache), so the machine's drift falls on both alike.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from streams.config import Settings

#: Records per batch, as the worker's default ``NEWSSTREAM_BATCH_SIZE``.
BATCH = 32
OUTLETS = ("The Courier", "Northern Star", "Daily Ledger")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


@dataclass
class NerFigures:
    """Per turn: NER seconds of the new stories and of each outlet's copies; sorted and unsorted seconds."""

    new: list[float]
    copies: list[list[float]]
    sorted_seconds: list[float]
    unsorted_seconds: list[float]
    cache_bytes: int
    cache_entries: int
    articles: int
    new_text: float = 0.0  # characters of a copy in no paragraph of its story / the story's characters

    def repeat_ratios(self) -> list[float]:
        """NER time of a copy / of a new article, per turn and outlet."""
        return [seconds / new for new, turn in zip(self.new, self.copies, strict=True) for seconds in turn]

    def sort_gains(self) -> list[float]:
        """1 - sorted / unsorted, per turn."""
        return [1 - s / u for s, u in zip(self.sorted_seconds, self.unsorted_seconds, strict=True)]


def wire_story(article: dict) -> dict:
    """The article with paragraphs of at most two sentences."""
    paragraphs = []
    for paragraph in (article.get("body") or "").split("\n\n"):
        sentences = _SENTENCE_END.split(paragraph.strip())
        paragraphs += [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2) if sentences[i].strip()]
    return {**article, "body": "\n\n".join(paragraphs)}


def syndicated(story: dict, outlet: str) -> dict:
    """``outlet``'s copy of a wire story: its headline, its own first paragraph, its boilerplate."""
    first, *rest = story["body"].split("\n\n")
    sentences = _SENTENCE_END.split(first)
    intro = f"{outlet.upper()} - " + " ".join([*sentences[1:], sentences[0]])  # the lead rewritten: reordered
    boilerplate = [f"This story was first published by an agency and is republished by {outlet} with permission.",
                   f"Sign up for {outlet}'s morning newsletter to get the day's top stories in your inbox."]
    return {**story, "id": f"{story['id']}@{outlet}", "title": f"{story.get('title', '')} | {outlet}",
            "body": "\n\n".join([intro, *rest, *boilerplate])}


def new_text_share(stories: list[dict]) -> float:
    """What the cache cannot save: the copies' characters in paragraphs their story lacks (headline,
    intro, each outlet's boilerplate), over the stories' characters (the floor of the repeat cost)."""
    from streams.core.clean import clean_article
    from streams.core.nlp import paragraphs

    def parts(article: dict) -> list[str]:
        return [p for _, p in paragraphs(clean_article(article.get("title") or "", article.get("body") or "").text)]

    seen = {p for story in stories for p in parts(story)}
    new = 0
    for outlet in OUTLETS:
        for story in stories:
            fresh = [p for p in parts(syndicated(story, outlet)) if p not in seen]
            new += sum(map(len, fresh))
            seen.update(fresh)
    return new / len(OUTLETS) / sum(len(p) for story in stories for p in parts(story))


def ner_figures(articles: list[dict], settings: Settings, *, turns: int = 3,
                say: Callable[[str], None] = print) -> NerFigures:
    """Repeat cost and sort gain over ``articles`` (the benchmark's, each once), ``turns`` times."""
    from streams.core import nlp as nlp_mod
    from streams.core.clean import clean_article
    from streams.core.enrich import Enricher
    from streams.core.outcomes import Incoming

    unique = {(a.get("title"), a.get("body")): a for a in articles}  # the benchmark sends each article twice
    stories = [wire_story(a) for a in unique.values()]
    enricher = Enricher(model=settings.spacy_model, nlp_batch_size=settings.nlp_batch_size,
                        ner_cache_bytes=settings.ner_cache_bytes or 32 * 1024 * 1024)
    cache = enricher.ner_cache("en")

    def ner_seconds(batch: list[dict]) -> float:
        records = [Incoming(orjson.dumps(a)) for a in batch]
        return sum(enricher.enrich_batch(records[i : i + BATCH]).seconds["ner"] for i in range(0, len(records), BATCH))

    texts = [clean_article(a.get("title") or "", a.get("body") or "").text for a in stories]
    ner_seconds(stories[:2])  # warm up
    figures = NerFigures([], [], [], [], 0, 0, len(stories), new_text=new_text_share(stories))
    for turn in range(1, turns + 1):
        cache.clear()
        figures.new.append(ner_seconds(stories))
        figures.copies.append([ner_seconds([syndicated(s, outlet) for s in stories]) for outlet in OUTLETS])
        figures.cache_bytes, figures.cache_entries = cache.bytes, len(cache)
        for sort in (turn % 2 == 1, turn % 2 == 0):  # which goes first alternates
            started = time.perf_counter()
            for i in range(0, len(texts), BATCH):
                nlp_mod.extract_mentions(enricher.nlp, texts[i : i + BATCH], batch_size=settings.nlp_batch_size,
                                         sort=sort)
            (figures.sorted_seconds if sort else figures.unsorted_seconds).append(time.perf_counter() - started)
        ratios = figures.repeat_ratios()[-len(OUTLETS):]
        say(f"NER turn {turn}: new stories {figures.new[-1]:.2f} s, copies " +
            ", ".join(f"{r:.1%}" for r in ratios) + f" of that; sorted by length {figures.sorted_seconds[-1]:.2f} s, "
            f"as they come {figures.unsorted_seconds[-1]:.2f} s ({figures.sort_gains()[-1]:+.1%})")
    return figures


def ner_summary(figures: NerFigures) -> list[str]:
    """The lines the benchmark ends its NER part with: ranges over turns, never one turn alone."""
    ratios, gains = figures.repeat_ratios(), figures.sort_gains()
    per_turn = [sum(turn) / len(turn) / new for new, turn in zip(figures.new, figures.copies, strict=True)]
    return [
        f"repeat NER time / new article ({figures.articles} stories x {len(OUTLETS)} outlets' copies, "
        f"{len(figures.new)} turns): {min(ratios):.1%}-{max(ratios):.1%} "
        f"(mean per turn {', '.join(f'{r:.1%}' for r in per_turn)})",
        f"text of a copy in no paragraph seen before: {figures.new_text:.1%} of a new story's (the floor)",
        f"NER cache after the copies: {figures.cache_entries} paragraphs, {figures.cache_bytes / 1e6:.2f} MB",
        f"sorting paragraphs by length in nlp.pipe batches: {min(gains):+.1%} to {max(gains):+.1%} of NER time saved "
        f"(turns: {', '.join(f'{g:+.1%}' for g in gains)})",
    ]
