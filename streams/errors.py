"""The root of newsstream's own errors.

Every failure the project itself names (a bad record, a broker it cannot reach, outputs
not acknowledged, a model that will not load, an embedded broker that will not start)
derives from ``NewsstreamError``, so the shell can tell an expected failure, reported in
one line, from a bug, reported with its traceback. Each also keeps the built-in base it
had (``ValueError``, ``RuntimeError``), so existing ``except`` clauses still hold.
"""

from __future__ import annotations


class NewsstreamError(Exception):
    """A failure newsstream names and explains itself."""
