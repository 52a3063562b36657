"""Figures of the live page, printed, never asserted (README "Live page"): run by hand on a quiet machine.

    python -m tests.integration.web_figures paint [--runs 5]
    python -m tests.integration.web_figures heap [--seconds 300] [--rate 20]
    python -m tests.integration.web_figures throughput [--articles 3000] [--runs 3] [--nlp]

paint: first contentful paint and map drawn, fresh browser context each run; then the delay from
producing one article to its row on the page (NLP worker). heap: one page open while articles
arrive at ``--rate`` a second (synthetic enriched records, many countries and places, read by a
page server in this process): the page's JS heap after a forced GC and its DOM nodes, every 30 s.
throughput: a worker (no NLP unless ``--nlp``) drains a backlog of ``--articles``, with the page off, with it on and
no browser, and with two browsers watching, in turns.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from streams import kafka_io
from streams.broker import EmbeddedBroker
from streams.inputs import text_article
from streams.processes import free_port, spawn_worker
from streams.topics import ensure_topics
from tests.conftest import SEED, isolated_settings
from tests.integration.test_web_page import CHROMIUM_ARGS


def start(broker_url: str, workdir: Path, *, web: bool, nlp: bool, **settings_overrides):
    settings = isolated_settings(broker_url, workdir / uuid.uuid4().hex[:6], **settings_overrides)
    ensure_topics(settings)
    port = free_port()
    overrides = {"NEWSSTREAM_NLP_ENABLED": "true" if nlp else "false"}
    if web:
        overrides["NEWSSTREAM_WEB_PORT"] = str(port)
    worker = spawn_worker(settings, env_overrides=overrides, log=workdir / f"worker-{port}.log").wait_ready()
    return settings, worker, f"http://127.0.0.1:{port}/"


def send(settings, articles: list[dict]) -> None:
    producer = kafka_io.producer(settings)
    for article in articles:
        producer.send(settings.topic_raw, key=article["id"].encode(), value=orjson.dumps(article))
    producer.flush()
    producer.close()


def sample(n: int, tag: str) -> list[dict]:
    seed = text_article(SEED.read_text(encoding="utf-8"))
    return [{"id": f"{tag}-{i}", **seed, "source": "figures"} for i in range(n)]


def live_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.locator("#countries path[data-country]").nth(149).wait_for(state="attached")
    page.wait_for_selector("#connection:text-is('live')")  # selectors: the page's CSP forbids eval
    return page


def spread(values: list[float]) -> str:
    return (f"median {statistics.median(values):.2f}, min {min(values):.2f}, max {max(values):.2f} "
            f"(n={len(values)}: {', '.join(f'{v:.2f}' for v in values)})")


def paint(browser, broker_url: str, workdir: Path, runs: int) -> None:
    settings, worker, url = start(broker_url, workdir, web=True, nlp=True)
    fcp, drawn, delays = [], [], []
    try:
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(url)
            page.locator("#countries path[data-country]").nth(149).wait_for(state="attached")
            drawn.append(page.evaluate("performance.now()"))
            fcp.append(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
            context.close()
        page = live_page(browser, url)
        for i in range(runs):
            produced = time.monotonic()
            send(settings, sample(1, f"delay-{i}"))
            page.wait_for_selector(f"#articles [data-article-id='delay-{i}-0']", timeout=60_000)
            delays.append(time.monotonic() - produced)
            time.sleep(1.0)
    finally:
        worker.stop()
    print(f"first contentful paint, ms: {spread(fcp)}")
    print(f"map drawn (>= 150 shapes), ms since navigation: {spread(drawn)}")
    print(f"produce -> row on the page, s (NLP worker, includes enrichment): {spread(delays)}")


def enriched_seed() -> dict:
    """The seed article enriched in this process (NLP on): a realistic record to vary."""
    from streams.config import load_settings
    from streams.core.enrich import Enricher
    from streams.core.outcomes import Incoming

    defaults = load_settings()
    enricher = Enricher(model=defaults.spacy_model, max_record_bytes=defaults.max_record_bytes, nlp_batch_size=4)
    raw = orjson.dumps({"id": "seed", **text_article(SEED.read_text(encoding="utf-8")), "source": "figures"})
    return enricher.enrich_batch([Incoming(raw)]).outcomes[0].record


def varied(seed: dict, n: int, rng) -> dict:
    """The ``n``-th synthetic enriched record: the seed's text, 1-6 of 40 countries, 1-4 of 400 places."""
    codes = ["AR", "AU", "BR", "CA", "CN", "DE", "EG", "ES", "FR", "GB", "IN", "IR", "IT", "JP", "KE", "MX", "NG",
             "PK", "RU", "SA", "SY", "TR", "UA", "US", "ZA", "ID", "KR", "PL", "SE", "NO", "CL", "PE", "CO", "VE",
             "IL", "IQ", "AF", "TH", "VN", "PH"]
    countries = [{"code": c, "name": c, "count": 1, "score": 0.5, "focus": i == 0, "evidence": []}
                 for i, c in enumerate(rng.sample(codes, rng.randint(1, 6)))]
    places = [{"geonameid": 10_000 + k, "name": f"Place {k}", "feature": "town", "lat": (k * 37) % 140 - 60,
               "lon": (k * 73) % 340 - 170, "country": countries[0]["code"], "count": 1, "score": 0.5,
               "focus": False, "mentions": []} for k in rng.sample(range(400), rng.randint(1, 4))]
    source = {"topic": "articles.raw", "partition": 0, "offset": n, "timestamp_ms": int(time.time() * 1000)}
    return seed | {"id": f"heap-{n}", "title": f"{n}: {seed.get('title', '')}", "countries": countries,
                   "places": places, "source_offset": source}


def heap(browser, broker_url: str, workdir: Path, seconds: float, rate: float) -> None:
    """The page server in this process, fed synthetic enriched records (varied countries and places) at ``rate``."""
    import random

    from streams.web.server import PageServer

    settings = isolated_settings(broker_url, workdir / "heap")
    ensure_topics(settings)
    seed, rng = enriched_seed(), random.Random(1)
    server = PageServer(settings, metrics_urls=[], port=0).start()
    try:
        page = live_page(browser, server.url)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        producer = kafka_io.producer(settings)
        started, sent, next_sample = time.monotonic(), 0, 0.0
        print("seconds  sent  JS heap used MB (after GC)  DOM nodes  listeners  dots")
        while (elapsed := time.monotonic() - started) < seconds + 1:
            if elapsed >= next_sample:
                cdp.send("HeapProfiler.collectGarbage")
                used = cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                nodes, listeners = metrics["Nodes"], metrics["JSEventListeners"]
                dots = page.locator("#places circle").count()
                print(f"{elapsed:7.0f} {sent:5d}  {used:26.2f}  {nodes:9.0f}  {listeners:9.0f}  {dots:4d}", flush=True)
                next_sample += 30
            while sent < int(elapsed * rate) + 1:
                record = varied(seed, sent, rng)
                producer.send(settings.topic_enriched, key=record["id"].encode(), value=orjson.dumps(record))
                sent += 1
            producer.flush()
            time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        producer.close()
    finally:
        server.stop()


def drain(settings, worker, n: int, tag: str) -> float:
    before = worker.metric("newsstream_articles_enriched_total")
    started = time.monotonic()
    send(settings, sample(n, tag))
    while worker.metric("newsstream_articles_enriched_total") < before + n:
        time.sleep(0.1)
    return n / (time.monotonic() - started)


def throughput(browser, broker_url: str, workdir: Path, n: int, runs: int, nlp: bool) -> None:
    results: dict[str, list[float]] = {"page off": [], "page on, no browser": [], "page on, two browsers": []}
    off = start(broker_url, workdir, web=False, nlp=nlp)
    on = start(broker_url, workdir, web=True, nlp=nlp)
    try:
        drain(*off[:2], 200, "warm-off"), drain(*on[:2], 200, "warm-on")
        for run in range(runs):
            results["page off"].append(drain(*off[:2], n, f"off-{run}"))
            results["page on, no browser"].append(drain(*on[:2], n, f"on-{run}"))
            pages = [live_page(browser, on[2]) for _ in range(2)]
            results["page on, two browsers"].append(drain(*on[:2], n, f"watched-{run}"))
            for page in pages:
                page.close()
    finally:
        off[1].stop(), on[1].stop()
    for name, values in results.items():
        print(f"{name:24s} articles/s: {spread(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=("paint", "heap", "throughput"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--nlp", action="store_true", help="throughput: workers with NLP (default: without)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="newsstream-web-figures-"))
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        if args.figure == "paint":
            paint(browser, broker.url, workdir, args.runs)
        elif args.figure == "heap":
            heap(browser, broker.url, workdir, args.seconds, args.rate)
        else:
            throughput(browser, broker.url, workdir, args.articles, args.runs, args.nlp)
        browser.close()


if __name__ == "__main__":
    main()
