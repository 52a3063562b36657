"""`newsstream status`: one screen of what the workers' /metrics say, for a human.

Two scrapes of every endpoint, ``window`` seconds apart: rates and "top" lists come from
what changed in between (the last seconds or minutes), totals from the second scrape.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Endpoint:
    url: str
    up: bool = False
    ready: bool = False
    samples: Samples = field(default_factory=dict)


def parse(text: str) -> Samples:
    """Prometheus text format -> {(sample name, sorted labels): value}."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def fetch(url: str, timeout: float = 3.0) -> tuple[int, bytes] | None:
    """(status, body) of a GET, or None when nothing that speaks HTTP answers.

    None too for an answer that is not HTTP: asking a local port that nothing listens on
    yet (a worker starting) can connect the client to itself, when the system gives its
    end that same port, and it then reads its own request back.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:  # an answer: 503 from /readyz, say
        return exc.code, exc.read()
    except (OSError, http.client.HTTPException):
        return None


def scrape(url: str, timeout: float = 3.0) -> Endpoint:
    endpoint = Endpoint(url)
    metrics = fetch(f"{url}/metrics", timeout)
    if metrics is not None and metrics[0] == 200:
        endpoint.samples = parse(metrics[1].decode())
        endpoint.up = True
        readyz = fetch(f"{url}/readyz", timeout)
        endpoint.ready = readyz is not None and readyz[0] == 200
    return endpoint


def total(samples: Samples, name: str, **match: str) -> float:
    """Sum of a sample over all label sets that contain ``match``."""
    return sum(v for (n, labels), v in samples.items() if n == name and set(match.items()) <= set(labels))


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (n, labels), value in samples.items():
        if n == name:
            out[dict(labels).get(label, "")] += value
    return dict(out)


def merged(endpoints: list[Endpoint]) -> Samples:
    """Samples summed over processes (counters and lag add up across a consumer group)."""
    out: Samples = defaultdict(float)
    for endpoint in endpoints:
        for key, value in endpoint.samples.items():
            out[key] += value
    return dict(out)


def quantile(samples: Samples, name: str, q: float) -> float | None:
    """A quantile from cumulative histogram buckets (upper bound of the bucket it falls in)."""
    buckets = sorted(
        (float(dict(labels)["le"]), value) for (n, labels), value in samples.items() if n == f"{name}_bucket"
    )
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    return next(bound for bound, count in buckets if count >= rank)


def difference(after: Samples, before: Samples) -> Samples:
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


def top(counts: dict[str, float], n: int) -> list[tuple[str, float]]:
    return sorted(((k, v) for k, v in counts.items() if v > 0), key=lambda kv: -kv[1])[:n]


@dataclass
class Status:
    """What the screen shows: computed from two scrapes, printable and testable."""

    endpoints: list[Endpoint]
    window: float
    rates: dict[str, float]
    totals: dict[str, float]
    lag: dict[str, float]
    dead_letters: list[tuple[str, float]]
    countries: list[tuple[str, float]]
    labels: list[tuple[str, float]]
    latency: dict[str, float | None]


def status(urls: list[str], window: float) -> Status:
    first = merged([scrape(url) for url in urls])
    time.sleep(window)
    endpoints = [scrape(url) for url in urls]
    now = merged(endpoints)
    delta = difference(now, first)
    names = {
        "consumed": "newsstream_articles_consumed_total",
        "enriched": "newsstream_articles_enriched_total",
        "dead-lettered": "newsstream_articles_deadlettered_total",
    }
    lag = {
        f"{dict(labels)['topic']}[{dict(labels)['partition']}]": value
        for (n, labels), value in now.items()
        if n == "newsstream_consumer_lag_records"
    }
    latency_name = "newsstream_end_to_end_latency_seconds"
    recent = any(v > 0 for (n, _), v in delta.items() if n == f"{latency_name}_count")
    latency_source = delta if recent else now
    return Status(
        endpoints=endpoints,
        window=window,
        rates={k: total(delta, v) / window for k, v in names.items()},
        totals={k: total(now, v) for k, v in names.items()},
        lag=lag,
        dead_letters=top(by_label(delta, names["dead-lettered"], "code"), 10)
        or top(by_label(now, names["dead-lettered"], "code"), 10),
        countries=top(by_label(delta, "newsstream_country_tags_total", "country"), 10)
        or top(by_label(now, "newsstream_country_tags_total", "country"), 10),
        labels=top(by_label(delta, "newsstream_entities_total", "label"), 10)
        or top(by_label(now, "newsstream_entities_total", "label"), 10),
        latency={f"p{int(q * 100)}": quantile(latency_source, latency_name, q) for q in (0.5, 0.95, 0.99)},
    )
