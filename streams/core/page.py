"""What the live page shows, derived from records alone: pure, so it is tested without a browser or Kafka.

The page counts the current window itself with the trends' own functions (``contribution_of``,
``WindowCounts``): the same definition of "articles mentioning a country" as the trends topic,
with the same window boundaries, but updated with every enriched record rather than every
``trends_update_interval`` seconds. Everything kept is bounded: the latest ``latest`` articles,
one window's counts and points, ``series_seconds`` of per-second figures.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from streams.core.trends import BadTrendInput, WindowCounts, contribution_of, rfc3339, window_start

#: Entity labels worth a place in an article's row (dates and numbers are not "who is in it").
ROW_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW")


class BadPageInput(ValueError):
    """A record the page cannot show (the follower logs why and goes on)."""


@dataclass(frozen=True, slots=True)
class Point:
    """A place dot: where it is, and what to call it."""

    name: str
    lat: float
    lon: float
    country: str


@dataclass(slots=True)
class Article:
    """One article as the page keeps it: its row, and what its detail view needs."""

    row: dict[str, Any]
    title: str
    text: str
    spans: list[dict[str, Any]]


def article_row(record: dict[str, Any]) -> dict[str, Any]:
    """The article list's row: title, source, time, country codes (focus first), top entities."""
    countries = sorted((tag for tag in record.get("countries") or () if tag.get("code")),
                       key=lambda tag: (not tag.get("focus"), -int(tag.get("count") or 0), str(tag["code"])))
    entities = [entity for entity in record.get("entities") or () if entity.get("label") in ROW_LABELS]
    title = str(record.get("title") or "").strip() or str(record.get("text") or "")[:120]
    return {
        "id": record["id"],
        "title": title,
        "source": str(record.get("source") or ""),
        "time": str(record.get("published_at") or record.get("enriched_at") or ""),
        "countries": [str(tag["code"]) for tag in countries],
        "entities": [{"text": str(e["text"]), "label": str(e["label"])} for e in entities[:4]],
    }


def mention_spans(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every entity and place mention as {start, end, labels, geonameid}, offsets into the record's ``text``.

    A mention whose offsets do not point at its text in ``text`` is left out (shown unhighlighted),
    never trusted: the page highlights only what the record really says.
    """
    text = str(record.get("text") or "")
    by_span: dict[tuple[int, int], dict[str, Any]] = {}

    def add(mention: Any, label: str, geonameid: Any = None) -> None:
        if not isinstance(mention, dict):
            return
        start, end = mention.get("start"), mention.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            return
        if "text" in mention and text[start:end] != mention["text"]:
            return
        span = by_span.setdefault((start, end), {"start": start, "end": end, "labels": [], "geonameid": None})
        if label not in span["labels"]:
            span["labels"].append(label)
        if geonameid is not None:
            span["geonameid"] = geonameid
    for entity in record.get("entities") or ():
        if entity.get("label") in ROW_LABELS:  # names, not dates and numbers
            for mention in entity.get("mentions") or ():
                add(mention, str(entity["label"]))
    for place in record.get("places") or ():
        for mention in place.get("mentions") or ():
            add(mention, "place", place.get("geonameid"))
    return sorted(by_span.values(), key=lambda span: (span["start"], -span["end"]))


def segments(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``text`` cut into plain and marked pieces, in order; of overlapping spans the first (longest) wins.

    The browser turns each piece into a text node or a ``<mark>`` whose textContent is the piece:
    article text never becomes markup.
    """
    pieces, at = [], 0
    for span in spans:
        if span["start"] < at:
            continue
        if span["start"] > at:
            pieces.append({"text": text[at:span["start"]]})
        pieces.append({"text": text[span["start"]:span["end"]], "labels": span["labels"],
                       **({"geonameid": span["geonameid"]} if span["geonameid"] is not None else {})})
        at = span["end"]
    if at < len(text):
        pieces.append({"text": text[at:]})
    return pieces


def place_points(record: dict[str, Any]) -> dict[str, Point]:
    """Dots of the record's places by GeoNames id; countries are shaded, not dotted."""
    points = {}
    for place in record.get("places") or ():
        geonameid, lat, lon = place.get("geonameid"), place.get("lat"), place.get("lon")
        if not geonameid or place.get("feature") == "country":
            continue
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            points[str(geonameid)] = Point(str(place.get("name") or ""), float(lat), float(lon),
                                           str(place.get("country") or ""))
    return points


@dataclass
class PageState:
    """The page's state: the latest articles, the current window's counts, per-second figures."""

    window_size: int
    latest: int = 50
    basis: str = "ingestion"
    series_seconds: int = 60
    top: int = 10
    version: int = 0
    window: WindowCounts | None = None
    articles: OrderedDict[str, Article] = field(default_factory=OrderedDict)
    points: dict[str, Point] = field(default_factory=dict)
    enriched_per_second: dict[int, int] = field(default_factory=dict)
    dead_per_second: dict[int, int] = field(default_factory=dict)
    enriched_total: int = 0
    dead_total: int = 0
    skipped_total: int = 0
    lag: float | None = None

    def add_enriched(self, record: Any, now_ms: int) -> None:
        """Count and list one enriched record; BadPageInput (the state unchanged) when it cannot be shown."""
        try:
            contribution = contribution_of(record, basis=self.basis)
            row, spans, points = article_row(record), mention_spans(record), place_points(record)
        except (BadTrendInput, AttributeError, KeyError, TypeError, ValueError) as exc:
            self.skipped_total += 1
            raise BadPageInput(f"not an enriched article the page can show: {exc}") from None
        self.roll(now_ms)  # the wall clock moves the window, as it closes the trends' windows
        assert self.window is not None
        if window_start(contribution.t_ms, self.window_size) == self.window.start_ms:  # else listed, not counted
            self.window.put(contribution)
            self.points.update(points)
        self.articles.pop(row["id"], None)
        self.articles[row["id"]] = Article(row, row["title"], str(record.get("text") or ""), spans)
        while len(self.articles) > self.latest:
            self.articles.popitem(last=False)
        self.enriched_total += 1
        self._tick(self.enriched_per_second, now_ms)

    def add_dead_letter(self, now_ms: int) -> None:
        self.dead_total += 1
        self._tick(self.dead_per_second, now_ms)

    def set_lag(self, lag: float | None) -> None:
        if lag != self.lag:
            self.lag = lag
            self.version += 1

    def roll(self, now_ms: int) -> None:
        """Start the window holding ``now_ms`` when the current one has ended (or none was started)."""
        start = window_start(now_ms, self.window_size)
        if self.window is None or start > self.window.start_ms:
            self.window = WindowCounts(size=self.window_size, start_ms=start)
            self.points = {}
            self.version += 1

    def _tick(self, series: dict[int, int], now_ms: int) -> None:
        second = now_ms // 1000
        series[second] = series.get(second, 0) + 1
        for old in [s for s in series if s <= second - self.series_seconds]:
            del series[old]
        self.version += 1

    def _series(self, series: dict[int, int], now_ms: int) -> list[int]:
        last = now_ms // 1000
        return [series.get(second, 0) for second in range(last - self.series_seconds + 1, last + 1)]

    def snapshot(self, now_ms: int) -> dict[str, Any]:
        """Everything the page draws, as JSON-ready data (article texts only through ``article``)."""
        self.roll(now_ms)
        assert self.window is not None
        window = self.window
        place_counts = window.counts["place"]
        return {
            "version": self.version,
            "now": rfc3339(now_ms),
            "window": {"start": rfc3339(window.start_ms), "end": rfc3339(window.end_ms), "seconds": self.window_size,
                       "articles": len(window.members)},
            "countries": dict(window.counts["country"]),
            "names": {code: name for code, name in window.labels.items() if code in window.counts["country"]},
            "places": [{"geonameid": key, "name": point.name, "lat": point.lat, "lon": point.lon,
                        "country": point.country, "count": place_counts[key]}
                       for key, point in self.points.items() if key in place_counts],
            "top_countries": window.top("country", self.top),
            "top_entities": self.top_entities(),
            "articles": [article.row for article in reversed(self.articles.values())],
            "figures": {"enriched_total": self.enriched_total, "dead_total": self.dead_total, "lag": self.lag,
                        "enriched_per_second": self._series(self.enriched_per_second, now_ms),
                        "dead_per_second": self._series(self.dead_per_second, now_ms)},
        }

    def top_entities(self) -> list[dict[str, Any]]:
        """The window's most mentioned names (``ROW_LABELS``), as the trends rank them: by count, then key."""
        counts = self.window.counts["entity"] if self.window else {}
        best = heapq.nsmallest(self.top, ((key, n) for key, n in counts.items() if key[1] in ROW_LABELS),
                               key=lambda item: (-item[1], item[0]))
        return [{"key": key[0], "label": key[1], "count": count} for key, count in best]

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One listed article's detail view: its row and its text in plain and highlighted pieces."""
        article = self.articles.get(article_id)
        if article is None:
            return None
        return article.row | {"segments": segments(article.text, article.spans)}
