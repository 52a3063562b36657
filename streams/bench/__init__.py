"""`newsstream bench`: how close the pipeline comes to bare spaCy, and how it scales.

(a) bare ``nlp.pipe`` over the benchmark articles, same model and components, one process
    per core; (b) the same articles end to end through the broker with 1 and N worker
    processes, from the first send until every enriched record is read back; (c) a steady
    50% of the measured maximum rate for a while, with end-to-end latency percentiles;
    (d) peak RSS of every worker process; (e) the ratio (b)/(a). Figures are printed, never
    asserted: a benchmark informs, a timed test would only flake.

``corpus`` makes the articles, ``runs`` times each kind of run, ``suite`` runs them all in
order and builds the tables.
"""

from streams.bench.corpus import load_articles, words
from streams.bench.runs import Run, even_partitions, percentile
from streams.bench.suite import Results, run_benchmark, runs_table, targets_table

__all__ = ["Results", "Run", "even_partitions", "load_articles", "percentile", "run_benchmark", "runs_table",
           "targets_table", "words"]
