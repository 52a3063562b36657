"""Hypothesis strategies for raw records: random JSON, article-like objects, and plain bytes."""

from __future__ import annotations

import orjson
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
#: Mostly valid raw articles, with wrong types and bad dates mixed in.
article_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=20) | st.integers(0, 10**6),
        "title": st.text(max_size=200) | st.integers(0, 10**6),
        "body": st.text(max_size=600),
        "url": st.text(max_size=30),
        "published_at": st.sampled_from(["2022-07-19T06:00:00Z", "yesterday", ""]),
        "metadata": json_values,
    },
)
#: What a producer might put in a record value.
raw_values = st.binary(max_size=300) | json_values.map(orjson.dumps) | article_like.map(orjson.dumps)
