"""Merging NER mentions of one entity under a canonical name, and dropping junk spans.

CONTRACT (used by streams.core.enrich):

    merge_entities(mentions: list[Mention]) -> list[Entity]
"""
