"""Which pipeline reads an article: its language -> a NER pipeline, country names only, or nothing.

Why: a NER model reads only its own language; run on French the English model called "La
Pologne" a person and "États-Unis" an organisation. So an article goes to the pipeline of
its language; a language without one gets no entities (and says so in the record) and, when
pycountry translates country names into it, country tags from those names alone.

The language is the producer's declared one (``language`` of the raw record, "fr", "fr-FR")
unless the detector is confident (``CONFIDENT``) of another; without either it is "und",
read by the English pipeline as before (titles of a few words, garbled text).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from streams.core.geo.localized import has_country_names

#: Detection at least this sure overrides the declared language (a feed mislabelled "en").
CONFIDENT = 0.90
#: The language read by the English pipeline when none can be told.
UNDETERMINED = "und"
ENGLISH = "en"
#: ``Route.pipeline`` of articles read for country names only, and of those not read at all.
COUNTRY_NAMES = "country-names"
NO_PIPELINE = "none"
_DECLARED = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True, slots=True)
class Route:
    """How one article is read."""

    language: str  # ISO 639-1, or "und"
    basis: str  # "declared", "detected" or "default" (neither told it)
    pipeline: str  # "ner-en", "ner-fr", "country-names" or "none"
    ner: str | None  # the language of the NER pipeline that reads it, if any
    reason: str | None  # why entities are empty, when no NER pipeline reads it

    def as_dict(self) -> dict[str, str | None]:
        return {"language": self.language, "basis": self.basis, "pipeline": self.pipeline, "reason": self.reason}


def declared_language(value: object) -> str | None:
    """The ISO 639-1 code of a producer's ``language`` ("fr", "fr-FR", "FR"), else None."""
    if not isinstance(value, str):
        return None
    match = _DECLARED.fullmatch(value.strip())
    return match.group(1).lower() if match else None


def choose_language(declared: object, detected: str, score: float) -> tuple[str, str]:
    """(language, basis): the declared language unless detection is confident of another."""
    code = declared_language(declared)
    if code is not None and (detected in (UNDETERMINED, code) or score < CONFIDENT):
        return code, "declared"
    if detected != UNDETERMINED:
        return detected, "detected"
    return UNDETERMINED, "default"


def route(declared: object, detected: str, score: float, ner_languages: Collection[str]) -> Route:
    """The route of an article, given the languages that have a NER pipeline here."""
    language, basis = choose_language(declared, detected, score)
    if language in ner_languages:
        return Route(language, basis, f"ner-{language}", language, None)
    if language == UNDETERMINED and ENGLISH in ner_languages:
        return Route(language, basis, f"ner-{ENGLISH}", ENGLISH, None)
    if language != UNDETERMINED and has_country_names(language):
        return Route(language, basis, COUNTRY_NAMES, None,
                     f"no NER pipeline for language {language!r}: no entities; country tags from country names only")
    return Route(language, basis, NO_PIPELINE, None,
                 f"no NER pipeline and no country names for language {language!r}: no entities, no country tags")


def unavailable(route_: Route, error: str) -> Route:
    """The route of an article whose NER pipeline could not be loaded: country names only."""
    return Route(route_.language, route_.basis, COUNTRY_NAMES if has_country_names(route_.language) else NO_PIPELINE,
                 None, f"the {route_.ner!r} NER pipeline could not be loaded ({error}): no entities")
