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


def test_a_story_is_cut_into_wire_paragraphs_that_keep_every_word():
    from streams.bench.corpus import paragraphs

    story = ('Fires burn near Sydney. A new blaze closed the Hume Highway. "We are ready," Mr. Smith said. '
             "About 500 residents left. The U.S. sent help! Crews stayed?")
    cut = paragraphs(story)
    assert cut[0] == "Fires burn near Sydney."
    assert cut[1] == 'A new blaze closed the Hume Highway. "We are ready," Mr. Smith said.'
    assert " ".join(cut).split() == story.split() and len(cut) == 4
    assert paragraphs("One sentence only") == ["One sentence only"]


def test_a_syndicated_copy_keeps_every_paragraph_but_its_headline_and_intro():
    from streams.bench.repeats import distinct, syndicated

    original = {"id": "a", "title": "Fires burn near Sydney", "body": "Lede here. More.\n\nSecond.\n\nThird."}
    copy = syndicated(original, 5)
    assert copy["id"] == "a-copy-5" and copy["title"] != original["title"]
    kept = copy["body"].split("\n\n")
    assert kept[1:3] == ["Second.", "Third."] and "Lede here" in kept[0] and kept[0] != "Lede here. More."
    assert "logged in" in copy["body"]
    assert distinct([original, {**original, "id": "b"}, copy]) == [original, copy]


def test_the_targets_table_reads_every_figure_from_the_results():
    from streams.bench import Results, Run
    from streams.bench.repeats import RepeatCost
    from streams.bench.suite import targets

    def run(seconds, processes=1):
        return Run("r", 100, 60_000, seconds, processes)

    results = Results(
        processes=2, stages={"ner": 10.0, "beyond NER": 0.5, "total": 10.5},
        best={("bare", 1): run(10.0), ("e2e", 1): run(10.2), ("bare", 2): run(5.0, 2), ("e2e", 2): run(5.4, 2),
              ("untrended", 1): run(10.1)},
        no_nlp=Run("n", 60_000, 0, 10.0, 1), ceiling=Run("c", 90_000, 0, 10.0, 1), steady=run(30.0, 2),
        steady_rate=9.5, steady_seconds=30.0, latencies=[0.1 * i for i in range(1, 11)],
        repeated=[RepeatCost(83, 6.0, 0.6, 1400, 160, 500_000), RepeatCost(83, 6.0, 0.5, 1400, 160, 500_000)],
        rss=[300.0, 320.0],
    )
    rows = {name.split(" (")[0]: (measured, met) for name, measured, _, met in targets(results)}
    assert rows["(e) pipeline / bare spaCy, 1 process"] == ("0.980", True)
    assert rows["(e) pipeline / bare spaCy, 2 process(es)"] == ("0.926", False)
    assert rows["(b) 2 processes / 1 process"] == ("1.89x", True)
    assert rows["trends agents: throughput lost, 1 process"] == ("1.0%", True)
    assert rows["NER of a syndicated copy / a new article"] == ("8.3%", True)
    assert rows["(d) peak RSS per process"] == ("300 MB, 320 MB", True)
    latency = next(measured for name, measured, _, _ in targets(results) if name.startswith("(c)"))
    assert latency == "p50 0.60 s, p95 1.00 s, p99 1.00 s"
