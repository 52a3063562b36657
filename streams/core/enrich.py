"""enrich_batch: raw Kafka record values in, enriched articles or dead letters out.

The one call the shell makes. A batch of records is decoded and validated one by one,
cleaned, run through spaCy NER together (``nlp.pipe``: the expensive part), and then
each article's entities are merged and its countries tagged. A failure of one record
becomes a dead letter for that record; the rest of the batch goes on.

``enrich_batch`` is ``tag_batch(read_batch(items))``: the two stages can run in two
processes (``streams.core_process``), so one batch's tagging never holds up the next one's NER.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from streams import __version__
from streams.core import nlp as nlp_mod
from streams.core.clean import CleanedArticle, clean_article
from streams.core.entities import map_labels, merge_entities
from streams.core.geo import Gazetteer, locate, resolved_dateline_place
from streams.core.geo.kinds import FEATURE_KINDS
from streams.core.geo.localized import (
    blank,
    demonym_spans,
    localized,
    mask_elisions,
    not_country_spans,
    without_article,
)
from streams.core.geo.names import normalize_name
from streams.core.geo.nearby import nearby_places
from streams.core.geo.places import to_tag
from streams.core.geo.world import world_mentions, world_places
from streams.core.language import detect_language
from streams.core.ner_cache import ParagraphCache
from streams.core.outcomes import BatchReport, Incoming, Outcome, dead_outcome
from streams.core.provenance import data_version
from streams.core.records import (
    SCHEMA_VERSION,
    ErrorCode,
    RecordError,
    article_id,
    content_hash,
    parse_raw,
    utc_now,
)
from streams.core.routing import ENGLISH, Route, route, unavailable

log = logging.getLogger(__name__)

#: Raw fields copied into the enriched record (the title then cleaned, see _enriched).
PASSTHROUGH_FIELDS = ("title", "body", "url", "source", "published_at", "metadata")


LANGUAGE_MODELS = nlp_mod.LANGUAGE_MODELS


#: What an Enricher holds: ``read`` (spaCy, for read_batch), ``tag`` (the gazetteer, for
#: tag_batch) or ``all`` (both, for enrich_batch).
Stage = Literal["all", "read", "tag"]


@dataclass(slots=True)
class _Work:
    index: int
    item: Incoming
    article: dict[str, Any]
    cleaned: CleanedArticle
    route: Route | None = None
    language: tuple[str, float] = ("und", 0.0)
    mentions: list[nlp_mod.Mention] = field(default_factory=list)
    pipeline: dict[str, Any] = field(default_factory=dict)  # the record's ``pipeline`` field


@dataclass(slots=True)
class Reading:
    """A batch after ``read_batch``: the dead letters so far (by input position) and the articles
    read, with their entity mentions. It is pickled from the reading process to the tagging one."""

    outcomes: list[Outcome | None]
    work: list[_Work]
    seconds: dict[str, float]
    ner_cache: dict[str, int]


class Enricher:
    """Holds the loaded model and gazetteer; turns raw records into enriched ones."""

    def __init__(
        self,
        *,
        model: str = nlp_mod.DEFAULT_MODEL,
        nlp=None,
        gazetteer: Gazetteer | None = None,
        max_record_bytes: int = 1024 * 1024,
        nlp_batch_size: int = 64,
        ner_cache_bytes: int = 32 * 1024 * 1024,
        nlp_enabled: bool = True,
        languages: Iterable[str] = (ENGLISH, "fr"),
        preload: Iterable[str] = (),
        models: Mapping[str, Any] | None = None,
        stage: Stage = "all",
    ):
        """``nlp_enabled=False`` validates and passes articles through with no cleaning, NER,
        language or country tags: it measures what the pipeline around the NLP costs.

        ``languages``: those read by a NER pipeline (English always); the pipelines of the
        others than English are loaded when their first article arrives, or here for those in
        ``preload``. ``models``: loaded pipelines by language (tests). ``ner_cache_bytes``:
        the bound of the NER cache per paragraph (``streams.core.ner_cache``); 0 for none.
        ``stage``: ``read`` loads no gazetteer, ``tag`` no NER pipeline (``Stage``)."""
        self.nlp_enabled = nlp_enabled
        reads, tags = nlp_enabled and stage != "tag", nlp_enabled and stage != "read"
        self.nlp = None if not reads else nlp if nlp is not None else nlp_mod.load_pipeline(model)
        self.gazetteer = None if not tags else gazetteer if gazetteer is not None else Gazetteer.load()
        self.max_record_bytes = max_record_bytes
        self.nlp_batch_size = nlp_batch_size
        self.ner_cache = ParagraphCache(ner_cache_bytes) if ner_cache_bytes and reads else None
        info = nlp_mod.model_info(self.nlp) if self.nlp is not None else {"model": "none", "version": "none"}
        self.pipeline_info = {**info, "newsstream": __version__, "data": data_version()}
        self.ner_languages = frozenset({ENGLISH, *languages}) & (set(LANGUAGE_MODELS) | set(models or ()))
        self._pipelines: dict[str, Any] = {ENGLISH: self.nlp, **(models or {})}
        self._pipeline_errors: dict[str, str] = {}
        self._infos: dict[str, dict[str, Any]] = {ENGLISH: self.pipeline_info}
        self._load_lock = threading.Lock()
        for language in preload:
            if reads and language in self.ner_languages and self._pipeline(language) is None:
                raise nlp_mod.ModelError(self._pipeline_errors[language])

    def _pipeline(self, language: str):
        """The NER pipeline of ``language``, loaded on first use (in the NLP thread); None when
        it cannot be loaded (the error is kept, logged once, and its articles get no entities)."""
        if language in self._pipelines or language in self._pipeline_errors:
            return self._pipelines.get(language)
        with self._load_lock:
            if language not in self._pipelines and language not in self._pipeline_errors:
                started = time.perf_counter()
                try:
                    self._pipelines[language] = nlp_mod.load_pipeline(LANGUAGE_MODELS[language])
                except Exception as exc:  # noqa: BLE001 - a missing model: its articles lose entities, not the worker
                    self._pipeline_errors[language] = str(exc)
                    log.error("NER pipeline for %r not loaded: %s", language, exc)
                else:
                    log.info("NER pipeline for %r loaded in %.1f s", language, time.perf_counter() - started)
        return self._pipelines.get(language)

    def loaded_languages(self) -> list[str]:
        """The languages whose NER pipeline is in memory."""
        return sorted(self._pipelines)

    def _info(self, language: str | None) -> dict[str, Any]:
        """The ``pipeline`` field of a record read by the NER pipeline of ``language`` (None: none)."""
        if language not in self._infos:
            nlp = self._pipelines.get(language) if language else None
            info = nlp_mod.model_info(nlp) if nlp is not None else {"model": "none", "version": "none"}
            self._infos[language] = {**info, "newsstream": __version__, "data": data_version()}  # type: ignore[index]
        return self._infos[language]  # type: ignore[index]

    # -- public API ------------------------------------------------------------------

    def enrich_batch(self, items: Sequence[Incoming]) -> BatchReport:
        """Enrich many records at once; never raises for a bad record."""
        return self.tag_batch(self.read_batch(items))

    def read_batch(self, items: Sequence[Incoming]) -> Reading:
        """Decode, validate, clean and detect the language of every record, then NER for the batch."""
        started = time.perf_counter()
        outcomes: list[Outcome | None] = [None] * len(items)
        work: list[_Work] = []
        for index, item in enumerate(items):
            try:
                article = parse_raw(item.value, max_bytes=self.max_record_bytes)
                cleaned = (clean_article if self.nlp_enabled else _unchanged)(
                    article.get("title") or "", article.get("body") or ""
                )
            except RecordError as exc:
                outcomes[index] = self._dead(item, exc.code, exc.reason)
                continue
            unit = _Work(index, item, article, cleaned)
            if self.nlp_enabled:
                unit.language = detect_language(cleaned.text)
                unit.route = route(article.get("language"), *unit.language, self.ner_languages)
            work.append(unit)
        clean_done = time.perf_counter()

        cache_before = self.ner_cache.stats() if self.ner_cache is not None else None
        read: list[_Work] = []
        for unit, unit_mentions in zip(work, self._ner(work), strict=True):
            if isinstance(unit_mentions, Exception):
                outcomes[unit.index] = self._dead(
                    unit.item, ErrorCode.ENRICHMENT_FAILED, f"NER failed: {unit_mentions!r}"
                )
                continue
            unit.mentions = unit_mentions
            unit.pipeline = self._info(unit.route.ner) if unit.route is not None else self.pipeline_info
            read.append(unit)
        ner_done = time.perf_counter()
        return Reading(outcomes, read, {"clean": clean_done - started, "ner": ner_done - clean_done},
                       _cache_change(cache_before, self.ner_cache))

    def tag_batch(self, reading: Reading) -> BatchReport:
        """Entities merged, places and countries tagged, records built: the batch's report."""
        outcomes = reading.outcomes
        tag_seconds = 0.0
        for unit in reading.work:
            tag_started = time.perf_counter()
            try:
                outcomes[unit.index] = Outcome(key=article_id(unit.article), record=self._enriched(unit))
            except Exception as exc:  # a bug or data the taggers choke on: dead-letter, go on
                log.exception("enrichment failed for %s", unit.item.source)
                outcomes[unit.index] = self._dead(unit.item, ErrorCode.ENRICHMENT_FAILED, f"tagging failed: {exc!r}")
            tag_seconds += time.perf_counter() - tag_started
        seconds = {**reading.seconds, "tag": tag_seconds}
        seconds["total"] = seconds["clean"] + seconds["ner"] + tag_seconds
        return BatchReport(outcomes=[o for o in outcomes if o is not None], seconds=seconds,
                           ner_cache=reading.ner_cache)

    def enrich_article(self, article: dict[str, Any]) -> Outcome:
        """Enrich one decoded article (the `enrich` command and the evaluation use this)."""
        from streams.core.records import dumps

        return self.enrich_batch([Incoming(dumps(article))]).outcomes[0]

    # -- stages ----------------------------------------------------------------------

    def _ner(self, work: list[_Work]) -> list[list[nlp_mod.Mention] | Exception]:
        """NER for the batch: one nlp.pipe per language; articles of a language without a
        pipeline (or whose pipeline cannot be loaded) get no mentions."""
        results: list[list[nlp_mod.Mention] | Exception] = [[] for _ in work]
        if not self.nlp_enabled:
            return results
        by_language: dict[str, list[int]] = {}
        for position, unit in enumerate(work):
            if unit.route is not None and unit.route.ner is not None:
                by_language.setdefault(unit.route.ner, []).append(position)
        for language, positions in by_language.items():
            nlp = self._pipeline(language)
            if nlp is None:
                for position in positions:
                    work[position].route = unavailable(work[position].route, self._pipeline_errors[language])
                continue
            found = self._ner_one_language(nlp, [work[position].cleaned.text for position in positions])
            for position, mentions in zip(positions, found, strict=True):
                results[position] = mentions
        return results

    def _ner_one_language(self, nlp, texts: list[str]) -> list[list[nlp_mod.Mention] | Exception]:
        """NER for texts of one language in one nlp.pipe; if that raises, isolate the culprit."""
        try:
            return list(nlp_mod.extract_mentions(nlp, texts, batch_size=self.nlp_batch_size, cache=self.ner_cache))
        except Exception:  # noqa: BLE001 - any failure of spaCy: isolate the record that causes it
            log.warning("nlp.pipe failed on a batch of %d; retrying one by one", len(texts), exc_info=True)
        results: list[list[nlp_mod.Mention] | Exception] = []
        for text in texts:
            try:
                results.append(nlp_mod.extract_mentions(nlp, [text], cache=self.ner_cache)[0])
            except Exception as exc:  # noqa: BLE001 - this record's failure, kept for its dead letter
                results.append(exc)
        return results

    def _read_places(self, unit: _Work, mentions: list[nlp_mod.Mention]):
        """(text, mentions, gazetteer) the place tagger reads for the unit's language: English
        as is; French with its elisions masked, articles trimmed off NER spans, nationality
        adjectives as NORP mentions and the French gazetteer; other languages country names only."""
        text, language = unit.cleaned.text, unit.route.language if unit.route else ENGLISH
        if unit.route is None or unit.route.ner == ENGLISH:
            return text, mentions, self.gazetteer
        no_country = not_country_spans(text, language)
        masked = blank(mask_elisions(text), no_country)
        if unit.route.ner is None:
            return masked, [], localized(self.gazetteer, language, names_only=True)
        gaz = localized(self.gazetteer, language)
        trimmed: list[nlp_mod.Mention] = []
        dl_end = unit.cleaned.dateline.end if unit.cleaned.dateline is not None else -1
        for mention in mentions:
            if any(s < mention.end and mention.start < e for s, e in no_country):
                continue  # "golfe du Mexique", "Nouvelle-Écosse": no country
            if mention.start < dl_end < mention.end:  # "(Reuters) - Le Royaume-Uni": the part after the dateline
                rest = text[dl_end : mention.end]
                if not rest.strip():
                    continue
                start = dl_end + len(rest) - len(rest.lstrip())
                mention = nlp_mod.Mention(text[start : mention.end], mention.label, start, mention.end)
            if mention.label == "MISC":  # events, works, institutions: read like organisations ("Foreign Office")
                mention = nlp_mod.Mention(mention.text, "ORG", mention.start, mention.end)
            mention = _demonym_as_norp(mention, gaz)
            cut = without_article(mention.text, gaz)
            trimmed.append(nlp_mod.Mention(mention.text[cut:], mention.label, mention.start + cut, mention.end)
                           if cut else mention)
        nationalities = demonym_spans(masked, gaz, language)
        # a span made only of nationalities ("italo-suisse" as MISC) is read as them
        inside = {m for m in trimmed if m.label != "NORP" and not gaz.lookup(m.text)  # "Suisse": a country
                  and all(any(s <= ds and de <= e for ds, de in nationalities) for s, e in _words(m))}
        trimmed = [m for m in trimmed if m not in inside]
        covered = bytearray(len(text) + 1)
        for mention in trimmed:
            covered[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
        trimmed += [nlp_mod.Mention(text[s:e], "NORP", s, e) for s, e in nationalities if not any(covered[s:e])]
        return masked, sorted(trimmed, key=lambda m: m.start), gaz

    def _enriched(self, unit: _Work) -> dict[str, Any]:
        article, cleaned, mentions = unit.article, unit.cleaned, unit.mentions
        dateline, dateline_point = cleaned.dateline, None
        analysis = unit.route.as_dict() if unit.route is not None else None
        if self.nlp_enabled:
            language = unit.route.language if unit.route else ENGLISH
            if unit.route is not None and unit.route.ner not in (None, ENGLISH):
                gaz = localized(self.gazetteer, language)
                mentions = map_labels(mentions, language, is_place=lambda span: _is_place(span, gaz),
                                      is_demonym=lambda span: normalize_name(span) in gaz.demonyms)
            text, place_mentions, gaz = self._read_places(unit, mentions)
            world = world_mentions(cleaned.text, place_mentions) if unit.route and unit.route.ner else []
            if world:  # no country tag from "the Strait of Taiwan", "the Indian Ocean"
                text = blank(text, [(w.start, w.end) for w in world])
                place_mentions = [m for m in place_mentions
                                  if not any(w.start < m.end and m.start < w.end for w in world)]
            language, language_score = unit.language
            entities = merge_entities(mentions)
            located = locate(
                text,
                place_mentions,
                gaz,
                dateline=dateline,
                source=article.get("source"),
                url=article.get("url"),
                names_only=unit.route is not None and unit.route.ner is None,
            ) if unit.route is None or unit.route.pipeline != "none" else None
            countries, places = (located.countries, located.places) if located else ([], [])
            if places and (unit.route is None or unit.route.ner == ENGLISH):  # "Paradise Creek" near Moscow, Idaho
                places = places + nearby_places(text, place_mentions, places, [(w.start, w.end) for w in world],
                                                  skip=lambda name: _no_place_name(name, gaz),
                                                  known=lambda name: bool(gaz.lookup(name)))
            if dateline is not None:  # resolved with the article's places ("BELGRADE —" over Bozeman)
                place = located.dateline_place if located else resolved_dateline_place(dateline, gaz, text)
                dateline = replace(dateline, country=place.code if place is not None else None)
                dateline_point = _place_dict(to_tag(place, gaz), short=True) if place is not None else None
        else:
            language, language_score, entities, countries, places, world = "und", 0.0, [], [], [], []
        record: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "id": article_id(article)}
        record.update({name: article[name] for name in PASSTHROUGH_FIELDS if name in article})
        if self.nlp_enabled and "title" in article:
            record["title"] = cleaned.title  # as shown to readers: no HTML, entities decoded
        if analysis is not None:
            record["analysis"] = analysis
        record.update(
            {
                "declared_language": article.get("language"),
                "language": language,
                "language_score": round(language_score, 4),
                "text": cleaned.text,
                "dateline": _dateline_dict(dateline, dateline_point),
                "entities": [_entity_dict(e) for e in entities],
                "countries": [_country_dict(c) for c in countries],
                "places": [_place_dict(p) for p in places],
                "world_places": world_places(world),
                "content_hash": content_hash(article),
                "source_offset": unit.item.source.as_dict() if unit.item.source else None,
                "pipeline": unit.pipeline,
                "enriched_at": utc_now(),
            }
        )
        return record

    def _dead(self, item: Incoming, code: ErrorCode, reason: str) -> Outcome:
        """A record over the size limit keeps only its first ``max_record_bytes`` in the dead letter."""
        return dead_outcome(item, code, reason,
                            max_payload_bytes=self.max_record_bytes if code is ErrorCode.TOO_LARGE else None)


def _cache_change(before: dict[str, int] | None, cache: ParagraphCache | None) -> dict[str, int]:
    """Paragraphs this batch found in the NER cache and read anew, and the cache's size after it."""
    if before is None or cache is None:
        return {}
    after = cache.stats()
    return {"hit": after["hit"] - before["hit"], "miss": after["miss"] - before["miss"], "bytes": after["bytes"]}


def _words(mention: nlp_mod.Mention) -> list[tuple[int, int]]:
    """(start, end) of the parts of a mention between spaces and hyphens."""
    return [(mention.start + m.start(), mention.start + m.end()) for m in re.finditer(r"[^\s-]+", mention.text)]


def _demonym_as_norp(mention: nlp_mod.Mention, gaz: Gazetteer) -> nlp_mod.Mention:
    """A French NER span that is, or opens with, a nationality ("Colombien" as a person, "Danois
    Mads Berg" as a place): the nationality, as NORP (WikiNER has no such label)."""
    first = mention.text.split(" ", 1)[0]
    if mention.label == "NORP" or normalize_name(first) not in gaz.demonyms or not first[:1].isupper():
        return mention
    if gaz.lookup(first):  # "Suisse" is Switzerland as well as Swiss: a place NER found stays one
        return mention
    return nlp_mod.Mention(first, "NORP", mention.start, mention.start + len(first))


def _no_place_name(name: str, gaz: Gazetteer) -> bool:
    """A name the gazetteer knows as a nationality or as never a place ("Sierra Leonean", "Golan Heights")."""
    key = normalize_name(name)
    return key in gaz.demonyms or key in gaz.excluded


def _is_place(span: str, gaz: Gazetteer) -> bool:
    """Whether a LOC span names a country, state or town (a GPE in the English labels)."""
    cut = without_article(span, gaz)
    return any(p.kind not in FEATURE_KINDS for p in gaz.lookup(span[cut:]))


def _unchanged(title: str, body: str) -> CleanedArticle:
    """The article as it came, for runs with NLP switched off."""
    return CleanedArticle(title, body, "\n\n".join(part for part in (title, body) if part), None, ())


def _dateline_dict(dateline, place: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if dateline is None:
        return None
    return {
        "place": place,
        "text": dateline.text,
        "location": dateline.location,
        "region": dateline.region,
        "country": dateline.country,
        "date": dateline.date,
        "agency": dateline.agency,
        "start": dateline.start,
        "end": dateline.end,
    }


def _entity_dict(entity) -> dict[str, Any]:
    return {
        "text": entity.text,
        "label": entity.label,
        "count": entity.count,
        "first": entity.first,
        "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in entity.mentions],
    }


def _country_dict(tag) -> dict[str, Any]:
    return {
        "code": tag.code,
        "name": tag.name,
        "count": tag.count,
        "score": round(tag.score, 4),
        "focus": tag.focus,
        "evidence": [{"text": e.text, "start": e.start, "end": e.end, "kind": e.kind} for e in tag.evidence],
    }


def _place_dict(tag, *, short: bool = False) -> dict[str, Any]:
    """A place of the record; ``short``: only where it is (the dateline's)."""
    where = {
        "geonameid": tag.geonameid,
        "name": tag.name,
        "feature": tag.feature,
        "lat": tag.lat,
        "lon": tag.lon,
        "country": tag.country,
        "admin1": tag.admin1,
    }
    if short:
        return where
    placed = {"near": {"geonameid": tag.near[0], "name": tag.near[1]}} if tag.near is not None else {}
    return {
        **where,
        **placed,
        "population": tag.population,
        "count": tag.count,
        "score": round(tag.score, 4),
        "focus": tag.focus,
        "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in tag.mentions],
    }
