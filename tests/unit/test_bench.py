"""The benchmark's pure helpers: its articles, how they are spread over partitions, and percentiles."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import streams
from streams.bench import even_partitions, load_articles, percentile, words
from streams.bench.corpus import SEED_ARTICLES, WORDS_PER_ARTICLE

#: The seeds as installed with the package (not the checkout's tests/ or a corpus).
PACKAGED_SEEDS = Path(streams.__file__).parent / "seeds"


def article(n_words: int) -> dict:
    return {"title": "", "body": " ".join(["word"] * n_words)}


def loads(articles: list[dict], plan: list[int], partitions: int) -> list[int]:
    totals = [0] * partitions
    for item, partition in zip(articles, plan, strict=True):
        totals[partition] += words(item)
    return totals


def test_every_partition_gets_about_as_many_words():
    rng = random.Random(7)
    articles = [article(rng.randint(600, 1000)) for _ in range(166)]
    plan = even_partitions(articles, 8)
    totals = loads(articles, plan, 8)
    assert len(plan) == len(articles) and set(plan) == set(range(8))
    assert max(totals) - min(totals) <= 10  # round robin over counts: hundreds of words apart
    # so any even split of the partitions between two processes is even too
    halves = [sum(totals[p] for p in half) for half in itertools.combinations(range(8), 4)]
    assert max(halves) / (sum(totals) / 2) < 1.001


def test_one_long_article_gets_a_partition_of_its_own():
    articles = [article(5000)] + [article(100) for _ in range(20)]
    plan = even_partitions(articles, 2)
    assert plan.count(plan[0]) == 1
    assert sorted(loads(articles, plan, 2)) == [2000, 5000]


def test_fewer_articles_than_partitions():
    plan = even_partitions([article(5), article(9)], 4)
    assert len(set(plan)) == 2 and set(plan) <= set(range(4))
    assert even_partitions([], 4) == []


def test_percentile():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 51.0 and percentile(values, 99) == 100.0
    assert percentile([], 50) != percentile([], 50)  # NaN when nothing was measured


def test_without_gensim_the_articles_come_from_what_the_package_ships(monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim", None)  # `import gensim...` raises ImportError
    articles, source = load_articles(PACKAGED_SEEDS)
    assert "gensim not installed" in source
    assert len(articles) > SEED_ARTICLES  # the seeds themselves, then the articles made of them
    made = articles[-SEED_ARTICLES:]
    assert all(words(a) >= WORDS_PER_ARTICLE for a in made)
    assert all(words(a) < 2 * WORDS_PER_ARTICLE for a in made)
    assert len({a["id"] for a in articles}) == len(articles)
