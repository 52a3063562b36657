"""The pure core: text cleaning, NER, entity merging and country tagging.

Nothing under ``streams.core`` imports Kafka, Faust or Prometheus: every function here
takes plain Python values and returns plain Python values, so it can be unit-tested
and benchmarked alone. The shell (``streams.app``, ``streams.cli``) wraps it.
"""
