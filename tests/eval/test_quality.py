"""Quality floor of country tagging on the labelled sets (never a timing).

Runs the production path (Enricher: clean -> spaCy NER -> tag_countries) over
tests/eval/articles.jsonl and holdout.jsonl and asserts floors a little below what the
tagger achieves (see evaluate.py for the figures), plus the seed article's exact
expectations. A change that costs more than ~2 points of F1 fails here.
"""

from __future__ import annotations

import pytest

from tests.eval.evaluate import SETS, evaluate, make_enricher

SEED_ID = "seed-000-3c4133359b8940df"

# Achieved (evaluate.py): articles P=1.000 R=0.996 F1=0.998, focus exact 0.873 top-1 0.964, dateline 1.000;
# holdout P=0.986 R=1.000 F1=0.993, focus exact 0.824 top-1 1.000, dateline 1.000; blind P=1.000 R=1.000
# F1=1.000, focus exact 0.960, dateline 1.000 (its first run, before the fixes it prompted: P=0.948 F1=0.974);
# blind2 (never used for changes) P=0.942 R=0.942 F1=0.942, focus exact 0.833 top-1 0.967, dateline 0.933.
# Floors: F1/precision about 0.02-0.03 below; focus, which moves with small NER changes, 0.03-0.07 below.
FLOORS = {
    "articles": {"precision": 0.98, "f1": 0.975, "focus_top1": 0.92, "focus_exact": 0.84, "dateline_accuracy": 0.98},
    "holdout": {"precision": 0.96, "f1": 0.97, "focus_top1": 0.88, "focus_exact": 0.70, "dateline_accuracy": 0.94},
    "blind": {"precision": 0.97, "f1": 0.97, "focus_top1": 0.92, "focus_exact": 0.88, "dateline_accuracy": 0.94},
    "blind2": {"precision": 0.93, "f1": 0.92, "focus_top1": 0.93, "focus_exact": 0.78, "dateline_accuracy": 0.90},
}


@pytest.fixture(scope="module")
def enricher():
    return make_enricher()  # loads the spaCy model and the gazetteer once for the module


@pytest.fixture(scope="module")
def results(enricher):
    return {name: evaluate(path, enricher=enricher) for name, path in SETS.items()}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_quality_floor(results, name):
    result = results[name]
    failures = {
        metric: round(result[metric], 3) for metric, floor in FLOORS[name].items() if result[metric] < floor
    }
    assert not failures, f"{name}: below floor {failures}; errors: {result['errors']}"


@pytest.mark.parametrize("name", ["holdout", "blind2"])
def test_issue_target_on_unseen_text(results, name):
    """The issue's acceptance target, on the sets never used for tuning."""
    unseen = results[name]
    assert unseen["f1"] >= 0.90 and unseen["precision"] >= 0.93


def test_seed_article(results):
    seed = results["articles"]["predictions"][SEED_ID]
    assert set(seed["mentioned"]) == {"RU", "IR", "UA", "TR", "SY", "US", "IL", "SA", "CN", "IN"}
    assert set(seed["focus"]) == {"RU", "IR"}
    assert seed["dateline_country"] == "PK"
    evidence = [e["text"] for country in seed["countries"] for e in country["evidence"]]
    for not_a_country in ("Kurdistan", "Black Sea", "Western", "West", "NATO", "ISIS", "Soviet Union", "Middle East"):
        assert not any(not_a_country in text for text in evidence), not_a_country
    assert not any("ISLAMABAD" in text for text in evidence)  # the dateline is not evidence
    china = next(c for c in seed["countries"] if c["code"] == "CN")
    assert any(e["text"] == "Sino" and e["kind"] == "demonym" for e in china["evidence"])  # "Sino-Iranian"
