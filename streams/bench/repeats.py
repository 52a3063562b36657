"""What a repeated article costs: syndicated copies of the benchmark articles through the core.

Feeds carry the same wire story in many outlets, each with its own headline and intro and its
page furniture around the same paragraphs. The NER cache per paragraph
(``streams.core.ner_cache``) should make such a copy cost a fraction of a new article; this
run measures that fraction as NER seconds of the copies over NER seconds of the originals.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from streams.config import Settings

#: The outlets the copies come from: each gives its own headline, intro and furniture.
OUTLETS = ("The Daily Ledger", "Northern Star", "Coastal Herald", "Metro Tribune")
#: What outlets add around a wire story; the cleaner removes some, the rest is text of the copy.
FURNITURE = (
    "Leave a comment. You must be logged in to post.",
    "Share this article",
    "© 2026 {outlet}. All rights reserved. This material may not be published or rewritten.",
)


def syndicated(article: dict, number: int) -> dict:
    """A copy of ``article`` as another outlet runs it: a new headline, a new intro in place of
    the first paragraph, the same other paragraphs, and the outlet's furniture added."""
    outlet = OUTLETS[number % len(OUTLETS)]
    first, _, rest = (article.get("body") or "").partition("\n\n")
    lede = first.split(". ")[0].rstrip(".")
    intro = f"{outlet} has learned the following, as first reported on wire services: {lede}."
    furniture = "\n\n".join(line.format(outlet=outlet) for line in FURNITURE)
    title = f"{outlet}: {(article.get('title') or 'News').rstrip('.')}, reports say"
    return {**article, "id": f"{article['id']}-copy-{number}", "title": title,
            "body": f"{intro}\n\n{rest}\n\n{furniture}" if rest else f"{intro}\n\n{furniture}"}


@dataclass(frozen=True)
class RepeatCost:
    """NER seconds of new articles and of their syndicated copies, and the cache's work."""

    articles: int
    new_seconds: float
    repeat_seconds: float
    paragraphs_cached: int
    paragraphs_read: int
    cache_bytes: int

    @property
    def ratio(self) -> float:
        return self.repeat_seconds / self.new_seconds if self.new_seconds else float("nan")


def distinct(articles: list[dict]) -> list[dict]:
    """The articles whose title and body differ (the benchmark sends each article twice)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for article in articles:
        text = (article.get("title") or "", article.get("body") or "")
        if text not in seen:
            seen.add(text)
            kept.append(article)
    return kept


def repeat_cost(articles: list[dict], settings: Settings, enricher=None) -> RepeatCost:
    """The articles through the core with an empty cache, then one syndicated copy of each.

    ``enricher`` (to reuse a loaded model over several turns) gets a new, empty cache of
    ``settings.ner_cache_bytes``.
    """
    from streams.core.enrich import Enricher, Incoming
    from streams.core.ner_cache import ParagraphCache

    if enricher is None:
        enricher = Enricher(model=settings.spacy_model, nlp_batch_size=settings.nlp_batch_size)
    enricher.enrich_batch([Incoming(orjson.dumps({"title": "Warm-up", "body": "Lazy loads happen here."}))])
    enricher.ner_cache = ParagraphCache(settings.ner_cache_bytes or Settings.model_fields["ner_cache_bytes"].default)
    originals = distinct(articles)
    copies = [syndicated(article, number) for number, article in enumerate(originals)]
    seconds, hits, misses = [], 0, 0
    for group in (originals, copies):
        records = [Incoming(orjson.dumps(article)) for article in group]
        total = 0.0
        for batch in settings.batch_policy().batches(records, lambda record: len(record.value)):
            report = enricher.enrich_batch(batch)
            total += report.seconds["ner"]
            if group is copies:
                hits += report.ner_cache["hit"]
                misses += report.ner_cache["miss"]
        seconds.append(total)
    return RepeatCost(len(originals), seconds[0], seconds[1], hits, misses, enricher.ner_cache.bytes)
