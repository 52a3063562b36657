"""The benchmark articles: the seeds plus news stories, grouped into articles of about 600 words.

The stories are gensim's Lee corpus (300 Australian news stories shipped in gensim's wheel:
``pip install -e '.[bench]'``). Without gensim, only what this package ships is at hand: the
seed articles' paragraphs, repeated into as many articles, so the figures still measure
NER over news prose of the same length, just less varied.
"""

from __future__ import annotations

import itertools
import re
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
        group.append("\n\n".join(paragraphs(story)))
        if sum(len(s.split()) for s in group) >= words_per_article:
            first_sentence = group[0].split(". ")[0][:120]
            articles.append({"title": first_sentence, "body": "\n\n".join(group)})
            group = []
            if limit is not None and len(articles) >= limit:
                break
    return articles


#: A sentence ends at . ! or ? (maybe closing a quote) before a capital or a quote, but not
#: after an initial or a title ("U.S.", "Mr.", "Mrs.").
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])(?<![A-Z]\.)(?<!\b[A-Z][a-z]\.)(?<!\bMrs\.)|(?<=[.!?][\"']))\s+(?=[A-Z\"'])"
)


def paragraphs(story: str) -> list[str]:
    """A story as a wire service cuts it: a lede of one sentence, then paragraphs of two.

    The Lee corpus keeps each story on one line; real news comes in short paragraphs, and the
    NER cache and the pipeline's batches work per paragraph, so the benchmark must too.
    """
    sentences = [s for s in _SENTENCE_END.split(story) if s.strip()]
    if len(sentences) <= 1:
        return [story]
    return [sentences[0]] + [" ".join(sentences[i : i + 2]) for i in range(1, len(sentences), 2)]


def words(article: dict) -> int:
    return len((article.get("title") or "").split()) + len((article.get("body") or "").split())
