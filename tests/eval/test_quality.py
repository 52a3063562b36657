"""Quality floor of country tagging on the labelled sets (never a timing).

Runs the production path (Enricher: clean -> spaCy NER -> tag_countries) over
tests/eval/articles.jsonl and holdout.jsonl and asserts floors a little below what the
tagger achieves (see evaluate.py for the figures), plus the seed article's exact
expectations. A change that costs more than ~2 points of F1 fails here.
"""

from __future__ import annotations

import os

import pytest

from tests.eval.evaluate import SETS, evaluate, make_enricher

SEED_ID = "seed-000-3c4133359b8940df"

# Achieved (evaluate.py): articles P=1.000 R=0.996 F1=0.998, focus exact 0.873 top-1 0.964, dateline 1.000;
# holdout P=0.986 R=1.000 F1=0.993, focus exact 0.824 top-1 1.000, dateline 1.000; blind P=1.000 R=1.000
# F1=1.000, focus exact 0.960, dateline 1.000 (its first run, before the fixes it prompted: P=0.948 F1=0.974);
# blind2 (never used for changes) P=0.942 R=0.942 F1=0.942, focus exact 0.833 top-1 0.967, dateline 0.933.
# Floors: F1/precision about 0.02-0.03 below; focus, which moves with small NER changes, 0.03-0.07 below.
# Places (schema 1.1) and the lone-demonym rule: articles P=1.000 R=0.979 F1=0.989 (the rule costs 4 demonym-only
# countries its labels count); places coverage 0.998, acc@161 found 0.968 / end to end 0.966 (its place labels
# were drafted from the tagger's output and corrected by hand: optimistic). Unseen, nothing tuned on them:
# us_local P=0.944 R=0.971 F1=0.957 (first run, before the lone-demonym rule: P=0.863 F1=0.926),
# places coverage 0.730, acc@161 found 0.883 / end to end 0.645;
# intl (first 20 articles) P=0.940 R=1.000 F1=0.969, places coverage 0.776, acc@161 found 0.799 / end to end 0.620.
# Dev sets (written for tuning places, tuned on): dev_us_local P=R=F1=1.000, places coverage 0.923, acc@161 found 0.982
# / end to end 0.907 (first run, before this round's rules: 0.692 / 0.921 / 0.637); dev_intl P=R=F1=1.000, places
# coverage 0.896, acc@161 found 0.957 / end to end 0.857 (first run: 0.747 / 0.896 / 0.669).
# Unseen, run once at the end of the places2 round (nothing tuned on them): us_local P=0.971 R=0.986 F1=0.978, places
# coverage 0.833, acc@161 found 0.897 / end to end 0.748; intl (all 30) P=0.963 R=1.000 F1=0.981, places coverage
# 0.814, acc@161 found 0.800 / end to end 0.651 (30 of its 49 errors are countries whose hand-placed point lies
# 190-800 km from the package's country point).
FLOORS = {
    "articles": {"precision": 0.98, "f1": 0.975, "focus_top1": 0.92, "focus_exact": 0.84, "dateline_accuracy": 0.98},
    "holdout": {"precision": 0.96, "f1": 0.97, "focus_top1": 0.88, "focus_exact": 0.70, "dateline_accuracy": 0.94},
    "blind": {"precision": 0.97, "f1": 0.97, "focus_top1": 0.92, "focus_exact": 0.88, "dateline_accuracy": 0.94},
    "blind2": {"precision": 0.93, "f1": 0.92, "focus_top1": 0.93, "focus_exact": 0.78, "dateline_accuracy": 0.90},
    "us_local": {"precision": 0.92, "f1": 0.93, "focus_top1": 0.94, "dateline_accuracy": 0.94},
    "intl": {"precision": 0.91, "f1": 0.94, "focus_top1": 0.95},
    "dev_us_local": {"precision": 0.96, "f1": 0.96, "focus_top1": 0.95, "dateline_accuracy": 0.96},
    "dev_intl": {"precision": 0.95, "f1": 0.96, "focus_top1": 0.95, "dateline_accuracy": 0.90},
    # French and other languages (written for tuning, tuned on): dev_fr (16) P=1.000 R=0.968 F1=0.984, focus top-1
    # 0.938, dateline 1.000, places coverage 0.949, acc@161 found 0.925 / end to end 0.878; dev_multi (es, de, it;
    # country names only) P=R=F1=1.000, focus top-1 1.000.
    "dev_fr": {"precision": 0.96, "f1": 0.95, "focus_top1": 0.84, "dateline_accuracy": 0.92},
    "dev_multi": {"precision": 0.95, "f1": 0.93, "focus_top1": 0.83},
    # Unseen, run once at the end of the French round (2026-12-02, nothing tuned on them): fr (44) P=0.977 R=0.949
    # F1=0.963, focus exact 0.773 top-1 0.977, dateline 0.864; multi (18: es, de, it, country names only) P=0.957
    # R=0.484 F1=0.643, focus top-1 0.167 (no towns, no demonyms: recall is given up for precision), dateline 0.556.
    # Rerun after the datelines of dev_fr_datelines.jsonl (brackets, weekdays, French bylines and time stamps):
    # fr P=0.971 R=0.943 F1=0.957, focus exact 0.773 top-1 0.955, dateline 0.932.
    "fr": {"precision": 0.95, "f1": 0.94, "focus_top1": 0.93, "dateline_accuracy": 0.90},
    "multi": {"precision": 0.92, "f1": 0.61, "focus_top1": 0.11, "dateline_accuracy": 0.50},
    # Round of 2026-12-07 (tests/eval/README.md, "The places3 round"). us_local and intl became dev sets (their
    # errors had been read). us_local3 / intl3 by independent evaluators, first run P=0.829 R=1.000 F1=0.906 /
    # P=0.912 R=0.912 F1=0.912, then tuned on: P=0.935 F1=0.967 / P=0.926 F1=0.926. us_local4 / intl4 by three
    # more evaluators, never tuned on, run on the round's final code (5e9b180, b55fc55): P=0.931 R=0.964 F1=0.947
    # (focus top-1 1.000, dateline 0.958) / P=0.989 R=0.948 F1=0.968 (focus top-1 1.000, dateline 1.000).
    "us_local3": {"precision": 0.90, "f1": 0.93, "focus_top1": 0.95, "dateline_accuracy": 0.91},
    "intl3": {"precision": 0.89, "f1": 0.89, "focus_top1": 0.95, "dateline_accuracy": 0.85},
    "us_local4": {"precision": 0.89, "f1": 0.91, "focus_top1": 0.95, "dateline_accuracy": 0.91},
    "intl4": {"precision": 0.95, "f1": 0.93, "focus_top1": 0.95, "dateline_accuracy": 0.92},
    # Round of 2026-12-08 (tests/eval/README.md, "The places5 round"), one more evaluator, never tuned on, first run
    # at 758ee2f: us_local5 P=0.808 R=1.000 F1=0.894 (focus top-1 1.000, dateline 0.833); intl5 P=0.924 R=0.955
    # F1=0.939 (focus top-1 0.938, dateline 1.000).
    "us_local5": {"precision": 0.78, "f1": 0.87, "focus_top1": 0.95, "dateline_accuracy": 0.80},
    "intl5": {"precision": 0.90, "f1": 0.91, "focus_top1": 0.90, "dateline_accuracy": 0.94},
}
PLACE_FLOORS = {
    "articles": {"coverage": 0.97, "accuracy_found": 0.94, "accuracy": 0.93},
    "us_local": {"coverage": 0.89, "accuracy_found": 0.92, "accuracy": 0.85},
    "intl": {"coverage": 0.83, "accuracy_found": 0.92, "accuracy": 0.78},
    "dev_us_local": {"coverage": 0.92, "accuracy_found": 0.96, "accuracy": 0.90},
    "dev_intl": {"coverage": 0.89, "accuracy_found": 0.93, "accuracy": 0.85},
    "dev_fr": {"coverage": 0.91, "accuracy_found": 0.89, "accuracy": 0.84},
    # unseen fr: coverage 0.800, acc@161 found 0.893 / end to end 0.715, datelines parsed 0.895; multi: 0.287 / 0.739 /
    # 0.212, parsed 0.429
    # (rerun after the dateline changes: 0.798 / 0.887 / 0.708, parsed 1.000)
    "fr": {"coverage": 0.79, "accuracy_found": 0.90, "accuracy": 0.73, "dateline_parsed": 0.97},
    "multi": {"coverage": 0.25, "accuracy_found": 0.69, "accuracy": 0.18, "dateline_parsed": 0.38},
    # 2026-12-07, scored with the same-GeoNames-entry rule: us_local3 first run coverage 0.710, acc@161 found 0.880
    # / end to end 0.625, tuned 0.710 / 0.913 / 0.649; intl3 first 0.760 / 0.889 / 0.676, tuned 0.782 / 0.903 /
    # 0.707; never tuned on: us_local4 0.696 / 0.923 / 0.642, intl4 0.723 / 0.929 / 0.671 (b55fc55: 0.719 / 0.929 /
    # 0.668). After the second places round (b93f6df): us_local 0.882 / 0.944 / 0.833, intl 0.867 / 0.946 /
    # 0.821, dev_us_local 0.956 / 0.989 / 0.945, dev_intl 0.929 / 0.958 / 0.890, fr 0.824 / 0.934 / 0.770,
    # us_local3 0.745 / 0.938 / 0.699, intl3 0.809 / 0.912 / 0.738, us_local4 0.731 / 0.948 / 0.693, intl4
    # 0.729 / 0.944 / 0.688: the floors sit 0.02-0.04 under them. With the features placed near (nearby.py,
    # 2026-12-08): us_local 0.924 / 0.952 / 0.880, us_local3 0.915 / 0.954 / 0.873, intl3 0.862 / 0.881 / 0.760,
    # us_local4 0.889 / 0.932 / 0.829, intl4 0.777 / 0.921 / 0.716; with 125 more features: us_local 0.934 / 0.953 /
    # 0.890, us_local3 0.919 / 0.954 / 0.876, intl3 0.884 / 0.889 / 0.787, us_local4 0.902 / 0.933 / 0.842, intl4
    # 0.788 / 0.922 / 0.726.
    "us_local3": {"coverage": 0.86, "accuracy_found": 0.92, "accuracy": 0.81},
    "intl3": {"coverage": 0.83, "accuracy_found": 0.85, "accuracy": 0.74},
    "us_local4": {"coverage": 0.86, "accuracy_found": 0.90, "accuracy": 0.79},
    "intl4": {"coverage": 0.75, "accuracy_found": 0.89, "accuracy": 0.69},
    # first run at 758ee2f: us_local5 0.891 / 0.872 / 0.776, intl5 0.804 / 0.871 / 0.700; after the review of the
    # features placed near: us_local 0.929 / 0.947 / 0.880, us_local3 0.892 / 0.944 / 0.842, intl3 0.876 / 0.893 /
    # 0.782, us_local4 0.889 / 0.929 / 0.826, intl4 0.781 / 0.921 / 0.719, us_local5 0.871 / 0.874 / 0.761, intl5
    # 0.793 / 0.873 / 0.692
    "us_local5": {"coverage": 0.84, "accuracy_found": 0.84, "accuracy": 0.73},
    "intl5": {"coverage": 0.76, "accuracy_found": 0.84, "accuracy": 0.66},
}


@pytest.fixture(scope="module")
def enricher():
    return make_enricher()  # loads the spaCy model and the gazetteer once for the module


@pytest.fixture(scope="module")
def results(enricher):
    # NEWSSTREAM_EVAL_SETS="articles dev_us_local": only those sets (the others skip), so that
    # work in progress is checked without running the unseen sets
    chosen = os.environ.get("NEWSSTREAM_EVAL_SETS", "").split() or list(SETS)
    return {name: evaluate(path, enricher=enricher) for name, path in SETS.items() if name in chosen}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_quality_floor(results, name):
    if name not in results:
        pytest.skip(f"{name} set not present")
    result = results[name]
    failures = {
        metric: round(result[metric], 3) for metric, floor in FLOORS[name].items() if result[metric] < floor
    }
    assert not failures, f"{name}: below floor {failures}; errors: {result['errors']}"


@pytest.mark.parametrize("name", sorted(PLACE_FLOORS))
def test_place_quality_floor(results, name):
    if name not in results:
        pytest.skip(f"{name} set not present")
    places = results[name]["places"]
    failures = {m: round(places[m], 3) for m, floor in PLACE_FLOORS[name].items() if places[m] < floor}
    assert not failures, f"{name}: places below floor {failures}; wrong: {places['wrong']}"


def test_seed_places_have_coordinates(results):
    if "articles" not in results:
        pytest.skip("articles set not chosen")
    seed = results["articles"]["predictions"][SEED_ID]
    by_name = {place["name"]: place for place in seed["places"]}
    for name, lat, lon in (("Tehran", 35.69, 51.42), ("Moscow", 55.75, 37.62), ("Washington", 38.90, -77.04),
                           ("Beijing", 39.91, 116.40)):
        assert abs(by_name[name]["lat"] - lat) < 0.05 and abs(by_name[name]["lon"] - lon) < 0.05, name
    assert seed["dateline_place"]["name"] == "Islamabad" and seed["dateline_place"]["country"] == "PK"


@pytest.mark.parametrize("name", ["holdout", "blind2", "intl4"])
def test_issue_target_on_unseen_text(results, name):
    """The issue's acceptance target, on the sets never used for tuning."""
    if name not in results:
        pytest.skip(f"{name} set not chosen")
    unseen = results[name]
    assert unseen["f1"] >= 0.90 and unseen["precision"] >= 0.93


def test_seed_article(results):
    if "articles" not in results:
        pytest.skip("articles set not chosen")
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
