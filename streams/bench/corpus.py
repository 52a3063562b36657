"""The benchmark articles: the seeds plus news stories, grouped into articles of about 600 words.

The stories are gensim's Lee corpus (300 Australian news stories shipped in gensim's wheel:
``pip install -e '.[bench]'``). Without gensim, only what this package ships is at hand: the
seed articles' paragraphs, repeated into as many articles, so the figures still measure
NER over news prose of the same length, just less varied.
"""

from __future__ import annotations

import itertools
from pathlib import Path

WORDS_PER_ARTICLE = 600
#: Articles made from the seeds without gensim: about as many as the Lee corpus gives.
SEED_ARTICLES = 80


def load_articles(seeds: Path, words_per_article: int = WORDS_PER_ARTICLE) -> tuple[list[dict], str]:
    """(articles with ids ``bench-<i>``, the corpus they came from, for the report)."""
    from streams.inputs import read_records, seed_files

    articles = [r.article for f in seed_files(seeds) for r in read_records(str(f)) if r.article]
    try:
        stories = lee_stories()
        articles += grouped(stories, words_per_article)
        source = "seeds + gensim Lee corpus (300 news stories)"
    except ImportError:
        paragraphs = [p for a in articles for p in (a.get("body") or "").split("\n\n") if p.strip()]
        made = grouped(itertools.cycle(paragraphs), words_per_article, limit=SEED_ARTICLES) if paragraphs else []
        articles += made
        source = (f"seeds + {len(made)} articles repeating the seeds' paragraphs "
                  "(gensim not installed: pip install -e '.[bench]' for 300 real news stories)")
    return [{**a, "id": f"bench-{i}"} for i, a in enumerate(articles)], source


def lee_stories() -> list[str]:
    """gensim's Lee background corpus, one story a line; ImportError without gensim."""
    from gensim.test.utils import datapath

    return Path(datapath("lee_background.cor")).read_text(encoding="utf-8", errors="replace").splitlines()


def grouped(stories, words_per_article: int, limit: int | None = None) -> list[dict]:
    """Consecutive stories joined into articles of at least ``words_per_article`` words
    (a last, shorter group is dropped), titled by the first sentence; at most ``limit``."""
    articles: list[dict] = []
    group: list[str] = []
    for story in (s.strip() for s in stories if s.strip()):
        group.append(story)
        if sum(len(s.split()) for s in group) >= words_per_article:
            first_sentence = group[0].split(". ")[0][:120]
            articles.append({"title": first_sentence, "body": "\n\n".join(group)})
            group = []
            if limit is not None and len(articles) >= limit:
                break
    return articles


def words(article: dict) -> int:
    return len((article.get("title") or "").split()) + len((article.get("body") or "").split())
