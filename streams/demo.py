"""`newsstream demo`: an embedded broker and one worker; the sample articles through both.

Plain functions: the command line prints what ``run_demo`` reports and decides the exit code.
"""

from __future__ import annotations

import contextlib
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from prometheus_client.utils import floatToGoString

from streams.inputs import InputRecord

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
FLUSH_SECONDS = 10.0  # the trickle's writes to a broker that stopped answering are given up after this
HEADLINE_METRICS = ("newsstream_articles_consumed_total", "newsstream_articles_enriched_total",
                    "newsstream_articles_deadlettered_total")


@dataclass
class DemoResult:
    sent: int
    workdir: Path
    enriched: list[dict] = field(default_factory=list)
    dead: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    metrics: list[str] = field(default_factory=list)
    page_url: str = ""

    @property
    def finished(self) -> bool:
        """Every article came back, enriched or dead-lettered."""
        return len(self.enriched) + len(self.dead) >= self.sent

    @property
    def worker_log(self) -> Path:
        return self.workdir / "worker.log"


def run_demo(
    records: list[InputRecord],
    *,
    timeout: float,
    say: Callable[[str], None],
    show: Callable[[dict, bool], None],
    serve: bool = False,
    trickle: float = 0.0,
    trickle_articles: list[dict] | None = None,
) -> DemoResult:
    """Send ``records`` through a fresh broker and worker and read every result back.

    ``say`` gets progress lines, ``show`` each output record as it arrives (True: enriched,
    False: a dead letter). Gives up after ``timeout`` seconds or when the worker exits.
    The worker serves the live page; ``serve``: keep the broker, the worker and the page up
    afterwards until Ctrl-C, sending ``trickle`` of ``trickle_articles`` a second meanwhile.
    """
    from streams import kafka_io
    from streams.broker import EmbeddedBroker
    from streams.config import load_settings
    from streams.core.records import article_id
    from streams.processes import free_port, spawn_worker
    from streams.topics import ensure_topics

    workdir = Path(tempfile.mkdtemp(prefix="newsstream-demo-"))
    result = DemoResult(sent=len(records), workdir=workdir)
    started = time.monotonic()
    with EmbeddedBroker(log_path=workdir / "broker.log") as embedded:
        settings = load_settings(broker=embedded.url, app_id="newsstream-demo", data_dir=str(workdir / "data"))
        say(f"embedded broker at {embedded.url}; logs in {workdir}")
        ensure_topics(settings)
        web_port = free_port()
        worker = spawn_worker(settings, log=result.worker_log, env_overrides={"NEWSSTREAM_WEB_PORT": str(web_port)},
                              own_group=True)  # stopped by us, before the broker
        result.page_url = f"http://127.0.0.1:{web_port}/"
        say(f"live page: {result.page_url}" + ("" if serve else " (while the demo runs; --serve keeps it up)"))
        try:
            producer = kafka_io.producer(settings)
            for record in records:
                producer.send(settings.topic_raw, key=article_id(record.article).encode(), value=record.raw)
            producer.flush()
            producer.close()
            say(f"sent {len(records)} sample article(s) to {settings.topic_raw}; waiting for the worker...")
            consumer = kafka_io.consumer(settings, list(settings.output_topics().values()), from_beginning=True)
            deadline = time.monotonic() + timeout
            while not result.finished and time.monotonic() < deadline:
                if worker.poll() is not None:
                    break
                left = len(records) - len(result.enriched) - len(result.dead)
                for message in kafka_io.tail(consumer, idle_timeout=1.0, max_records=left):
                    value = orjson.loads(message.value)
                    enriched = message.topic == settings.topic_enriched
                    (result.enriched if enriched else result.dead).append(value)
                    show(value, enriched)
            consumer.close()
            result.metrics = headline_metrics(worker.metrics_port, expect_enriched=len(result.enriched))
            if serve and worker.poll() is None:
                keep_serving(settings, worker, trickle=trickle, articles=trickle_articles or [], say=say,
                             url=result.page_url)
        finally:
            worker.stop(15.0)
    result.seconds = time.monotonic() - started
    return result


def keep_serving(settings, worker, *, trickle: float, articles: list[dict], say: Callable[[str], None],
                 url: str) -> None:
    """Until Ctrl-C (or the worker exits): ``trickle`` articles a second, cycling ``articles`` under new ids.

    Ctrl-C sets a flag rather than raising KeyboardInterrupt: raised inside the Kafka client's
    network code, it can be caught there and the demo would never stop. The broker and the worker
    are in process groups of their own, so they are still up for the last flush.
    """
    from kafka.errors import KafkaError

    from streams import kafka_io

    paced = trickle > 0 and bool(articles)
    say(f"serving the live page at {url} until Ctrl-C" +
        (f"; sending {trickle:g} sample article(s) a second" if paced else ""))
    stopping = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stopping.set()) for signum in STOP_SIGNALS}
    producer = kafka_io.producer(settings) if paced else None
    sent, started = 0, time.monotonic()
    try:
        while worker.poll() is None and not stopping.is_set():
            if producer is None:
                stopping.wait(0.5)
                continue
            due = int((time.monotonic() - started) * trickle) + 1
            while sent < due and not stopping.is_set():
                article = trickled_article(articles, sent)
                producer.send(settings.topic_raw, key=article["id"].encode(), value=orjson.dumps(article))
                sent += 1
            producer.flush(timeout=FLUSH_SECONDS)
            stopping.wait(max(0.0, started + sent / trickle - time.monotonic()))
    except KafkaError as error:
        say(f"the trickle stopped: {error}")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        say(f"stopping (sent {sent} trickled article(s))")
        if producer is not None:
            with contextlib.suppress(KafkaError):
                producer.close(timeout=FLUSH_SECONDS)


def trickled_article(articles: list[dict], n: int) -> dict:
    """The ``n``-th trickled article: the samples in turn, each time under a new id (so each is counted)."""
    article = articles[n % len(articles)]
    return article | {"id": f"trickle-{n}-{article.get('id') or 'article'}"}


def headline_metrics(port: int, expect_enriched: int, timeout: float = 5.0) -> list[str]:
    """Headline samples of the worker's /metrics as text lines, once they count what was read back.

    The worker counts a batch just after the broker acknowledged it, so a fast reader
    can see the records a moment before the counters move. Zero dead-letter series are left out.
    """
    from streams.status import fetch, parse, total

    deadline = time.monotonic() + timeout
    while True:
        answer = fetch(f"http://127.0.0.1:{port}/metrics", timeout=5)
        if answer is None or answer[0] != 200:
            return []
        samples = {key: value for key, value in parse(answer[1].decode()).items() if key[0] in HEADLINE_METRICS}
        if total(samples, HEADLINE_METRICS[1]) >= expect_enriched or time.monotonic() > deadline:
            return [sample_line(name, labels, value) for (name, labels), value in samples.items()
                    if value != 0 or name in HEADLINE_METRICS[:2]]
        time.sleep(0.2)


def sample_line(name: str, labels: tuple[tuple[str, str], ...], value: float) -> str:
    """One sample as the Prometheus text format writes it."""
    selector = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}" if labels else ""
    return f"{name}{selector} {floatToGoString(value)}"
