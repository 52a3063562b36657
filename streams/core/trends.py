"""Trends: tumbling windows and per-window counts that stay exact when articles are replayed.

Pure: no Kafka, no Faust. The shell (``streams.agents.trends``) feeds ``TrendState`` with
``Contribution``s and persists what ``offer`` accepted; after a crash it feeds the persisted
contributions back through ``restore``, which rebuilds exactly the same counts.

Why counts are exact: a window counts an article id once. Each window keeps the contribution
of every article id it holds; an article seen again with the same ``content_hash`` is a
duplicate and changes nothing, one with another hash replaces its old contribution (the old
one is subtracted). The counts are therefore a function of the set of (window, id) members,
whatever the order and number of replays.

Windows are aligned to the Unix epoch; every size must divide the largest one (the *route
window*), so that all windows an article falls into lie inside one route window: the shell
sends all of a route window's articles to one partition, and one process counts them.
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

KINDS = ("country", "focus_country", "place", "entity", "country_pair")
#: Version of the trends records this code writes (schemas/trends.v1.json).
TRENDS_SCHEMA_VERSION = "1.0"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class BadTrendInput(ValueError):
    """An enriched record the trends cannot use (the reason is logged, the record skipped)."""


def parse_duration(text: str) -> int:
    """'15m' -> 900, '1h' -> 3600, '90' -> 90 (seconds); a positive whole number of seconds."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"not a duration like 30s, 15m, 1h or 1d: {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def format_duration(seconds: int) -> str:
    """900 -> '15m': the largest unit that divides it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def window_sizes(text: str) -> tuple[int, ...]:
    """'15m,1h' -> (900, 3600); every size must divide the largest (see the module docstring)."""
    sizes = tuple(sorted({parse_duration(part) for part in str(text).split(",") if part.strip()}))
    if not sizes:
        raise ValueError("no window size given")
    if any(sizes[-1] % size for size in sizes):
        raise ValueError(f"every window size must divide the largest ({format_duration(sizes[-1])}): {text!r}")
    return sizes


def rfc3339(ms: int) -> str:
    """Milliseconds since the epoch as RFC 3339 UTC, e.g. 2024-05-01T12:15:00Z."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ms % 1000:03d}Z" if ms % 1000 else "Z")


def parse_time_ms(text: str) -> int:
    """RFC 3339 (a naive time is taken as UTC) -> milliseconds since the epoch; ValueError if not one."""
    moment = datetime.fromisoformat(str(text).strip().replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def window_start(t_ms: int, size: int) -> int:
    """Start (ms) of the window of ``size`` seconds holding ``t_ms``."""
    return t_ms - t_ms % (size * 1000)


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one article adds to a window: the keys of each kind it is counted under, once each.

    ``labels`` names keys for display (country and place names); entities carry their label
    in the key, since one name may be a PERSON and an ORG. ``accepted`` are the window sizes
    it was counted in (the others had closed when it came), so a restore counts it the same.
    """

    id: str
    content_hash: str
    t_ms: int
    countries: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    entities: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    accepted: tuple[int, ...] = ()

    def keys(self, kind: str) -> Iterable[Any]:
        if kind == "country_pair":
            return (f"{a}-{b}" for a, b in combinations(self.countries, 2))
        return {"country": self.countries, "focus_country": self.focus, "place": self.places,
                "entity": self.entities}[kind]

    def as_dict(self) -> dict[str, Any]:
        """The compact form persisted and sent between the two stages."""
        return {"id": self.id, "h": self.content_hash, "t": self.t_ms, "c": self.countries, "f": self.focus,
                "p": self.places, "e": self.entities, "l": self.labels, "a": self.accepted}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contribution:
        try:
            return cls(id=str(data["id"]), content_hash=str(data.get("h") or ""), t_ms=int(data["t"]),
                       countries=tuple(data.get("c") or ()), focus=tuple(data.get("f") or ()),
                       places=tuple(data.get("p") or ()), entities=tuple(tuple(e) for e in data.get("e") or ()),
                       labels=tuple(tuple(pair) for pair in data.get("l") or ()),
                       accepted=tuple(int(a) for a in data.get("a") or ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadTrendInput(f"not a trends contribution: {exc!r}") from None


def event_time_ms(record: dict[str, Any], *, basis: str) -> int:
    """The time that places an article in its windows: the raw record's Kafka timestamp (ingestion),
    or ``published_at`` when ``basis`` is 'published' and it parses (else the timestamp)."""
    if basis == "published" and record.get("published_at"):
        try:
            return parse_time_ms(record["published_at"])
        except (TypeError, ValueError):
            pass
    source = record.get("source_offset")
    timestamp = source.get("timestamp_ms") if isinstance(source, dict) else None
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise BadTrendInput("no source_offset.timestamp_ms")
    return timestamp


def contribution_of(record: Any, *, basis: str = "ingestion") -> Contribution:
    """The contribution of one enriched article; BadTrendInput says why a record is unusable."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
        raise BadTrendInput("not an enriched article (no id)")
    try:
        tags = [tag for tag in record.get("countries") or () if tag.get("code")]
        countries = tuple(sorted({str(tag["code"]) for tag in tags}))
        focus = tuple(sorted({str(tag["code"]) for tag in tags if tag.get("focus")}))
        labels = {str(tag["code"]): str(tag["name"]) for tag in tags if tag.get("name")}
        places_field = record.get("places")
        if places_field:  # GeoNames places, when the enrichment provides them
            found = {str(p["geonameid"]): str(p.get("name") or "") for p in places_field if p.get("geonameid")}
            places = tuple(sorted(found))
            labels.update({key: name for key, name in found.items() if name})
        else:
            places = countries
        entities = tuple(sorted({(" ".join(str(e["text"]).split()), str(e["label"]))
                                 for e in record.get("entities") or () if str(e.get("text", "")).strip()}))
    except (AttributeError, KeyError, TypeError) as exc:
        raise BadTrendInput(f"malformed countries, places or entities: {exc!r}") from None
    return Contribution(id=record["id"], content_hash=str(record.get("content_hash") or ""),
                        t_ms=event_time_ms(record, basis=basis), countries=countries, focus=focus, places=places,
                        entities=entities, labels=tuple(sorted(labels.items())))


@dataclass(slots=True)
class Member:
    """A window's record of one article: its content hash and the numbers of its keys in the
    window's vocabulary: enough to count it out again when a replay brings other content, in
    about 500 bytes per window, where its keys as Python objects took about 7 KB."""

    digest: bytes
    keys: array


def content_digest(content_hash: str) -> bytes:
    """A content hash as bytes (hex decoded: half the size), to compare replays with."""
    try:
        return bytes.fromhex(content_hash)
    except ValueError:
        return content_hash.encode()


@dataclass(slots=True)
class WindowCounts:
    """One window of one size: its member articles and, derived from them, the counts per kind."""

    size: int
    start_ms: int
    members: dict[str, Member] = field(default_factory=dict)
    counts: dict[str, dict[Any, int]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    labels: dict[str, str] = field(default_factory=dict)
    dirty: bool = True
    final: bool = False
    final_ids: frozenset[str] = frozenset()  # a final window's members, to tell replays from late articles
    vocabulary: list[tuple[str, Any]] = field(default_factory=list)  # (kind, key) by number
    numbers: dict[tuple[str, Any], int] = field(default_factory=dict)  # (kind, key) -> its number

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.size * 1000

    def holds(self, article_id: str) -> bool:
        return article_id in self.members or article_id in self.final_ids

    def put(self, item: Contribution) -> bool:
        """Make ``item`` this window's contribution of its id; False when it was already (a duplicate)."""
        digest = content_digest(item.content_hash)
        old = self.members.get(item.id)
        if old is not None and old.digest == digest:
            return False
        keys = array("I", (self._number(kind, key) for kind in KINDS for key in item.keys(kind)))
        if old is not None:
            self._count(old.keys, -1)
        self.members[item.id] = Member(digest, keys)
        self._count(keys, +1)
        for key, label in item.labels:
            self.labels.setdefault(key, label)
        self.dirty = True
        return True

    def _number(self, kind: str, key: Any) -> int:
        entry = (kind, key)
        number = self.numbers.get(entry)
        if number is None:
            number = self.numbers[entry] = len(self.vocabulary)
            self.vocabulary.append(entry)
        return number

    def _count(self, numbers: Iterable[int], step: int) -> None:
        for number in numbers:
            kind, key = self.vocabulary[number]
            counts = self.counts[kind]
            left = counts.get(key, 0) + step
            if left:
                counts[key] = left
            else:
                del counts[key]

    def top(self, kind: str, n: int) -> list[dict[str, Any]]:
        """The ``n`` most counted keys, descending; ties by key, so every run agrees."""
        best = heapq.nsmallest(n, self.counts[kind].items(), key=lambda item: (-item[1], item[0]))
        rows = []
        for key, count in best:
            if kind == "entity":
                rows.append({"key": key[0], "label": key[1], "count": count})
            else:
                label = self.labels.get(key)
                rows.append({"key": key, "count": count} | ({"label": label} if label else {}))
        return rows


@dataclass
class TrendState:
    """Every open window of every size, the route windows they lie in, and what the shell persisted."""

    sizes: tuple[int, ...]
    grace_ms: int
    horizon_ms: int = 86_400_000  # event times further ahead than this are refused (a wrong clock)
    windows: dict[tuple[int, int], WindowCounts] = field(default_factory=dict)
    chunks: dict[int, set[Any]] = field(default_factory=dict)  # route start -> the shell's keys of its chunks

    @property
    def route_size(self) -> int:
        return self.sizes[-1]

    def route_of(self, t_ms: int) -> int:
        """Start of the route window: the largest window holding ``t_ms``."""
        return window_start(t_ms, self.route_size)

    def closes_at(self, size: int, start_ms: int) -> int:
        """When a window is final: its end plus the grace period."""
        return start_ms + size * 1000 + self.grace_ms

    def offer(self, item: Contribution, now_ms: int) -> tuple[Contribution | None, list[int]]:
        """Count ``item`` in every window of it still open. Returns (what to persist or None, sizes it
        came too late for). A duplicate persists nothing and is not late."""
        if item.t_ms > now_ms + self.horizon_ms:
            return None, list(self.sizes)
        accepted, late = [], []
        for size in self.sizes:
            start = window_start(item.t_ms, size)
            window = self.windows.get((size, start))
            if self.closes_at(size, start) <= now_ms:  # closed, whether or not its final record is out yet
                if window is None or not window.holds(item.id):
                    late.append(size)
                continue
            if window is None:
                window = self.windows[(size, start)] = WindowCounts(size, start)
            if window.put(item):
                accepted.append(size)
        return (replace(item, accepted=tuple(accepted)) if accepted else None), late

    def restore(self, item: Contribution) -> None:
        """Count a persisted contribution again, in the windows it was accepted in (recovery)."""
        for size in item.accepted:
            start = window_start(item.t_ms, size)
            self.windows.setdefault((size, start), WindowCounts(size, start)).put(item)

    def add_chunk(self, route_ms: int, key: Any) -> None:
        self.chunks.setdefault(route_ms, set()).add(key)

    def due(self, now_ms: int) -> Iterator[tuple[WindowCounts, bool]]:
        """(window, final) for every window to publish now: changed since last time, or just closed."""
        for (size, start), window in sorted(self.windows.items()):
            closed = self.closes_at(size, start) <= now_ms
            if window.final:
                continue
            if closed or window.dirty:
                yield window, closed

    def published(self, window: WindowCounts, final: bool) -> None:
        """A window's records are out: a final window keeps no members (it accepts nothing more)."""
        window.dirty = False
        if final:
            window.final = True
            window.final_ids = frozenset(window.members)
            window.members.clear()
            window.counts = {kind: {} for kind in KINDS}
            window.labels.clear()
            window.vocabulary.clear()
            window.numbers.clear()

    def closed_routes(self, now_ms: int) -> list[int]:
        """Route windows whose every window is final and published: their chunks can go."""
        routes = {window_start(start, self.route_size) for (_, start) in self.windows} | set(self.chunks)
        return sorted(route for route in routes
                      if self.closes_at(self.route_size, route) <= now_ms
                      and all(w.final for (_, s), w in self.windows.items() if self.route_of(s) == route))

    def drop_route(self, route_ms: int) -> set[Any]:
        """Forget a closed route window; returns its chunk keys for the shell to delete."""
        for key in [key for key in self.windows if self.route_of(key[1]) == route_ms]:
            del self.windows[key]
        return self.chunks.pop(route_ms, set())

    def open_windows(self) -> int:
        return sum(1 for window in self.windows.values() if not window.final)

    def tracked_articles(self) -> int:
        return sum(len(window.members) for window in self.windows.values())


def trend_records(window: WindowCounts, *, top: int, final: bool, now_ms: int) -> list[tuple[str, dict[str, Any]]]:
    """The published records of a window: one per kind, keyed by window start, size and kind."""
    start = rfc3339(window.start_ms)
    shape = {"start": start, "end": rfc3339(window.end_ms), "size": window.size}
    return [(trend_key(window.start_ms, window.size, kind), {
        "schema_version": TRENDS_SCHEMA_VERSION, "window": shape, "kind": kind, "articles": len(window.members),
        "distinct_keys": len(window.counts[kind]), "top": window.top(kind, top), "final": final,
        "updated_at": rfc3339(now_ms)}) for kind in KINDS]


def trend_key(start_ms: int, size: int, kind: str) -> str:
    """'2024-05-01T12:15:00Z/900/country': the key of a window's record of one kind."""
    return f"{rfc3339(start_ms)}/{size}/{kind}"
