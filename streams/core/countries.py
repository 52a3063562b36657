"""Country tagging: gazetteer lookup and disambiguation -> ISO 3166-1 alpha-2 tags.

CONTRACT (used by streams.core.enrich):

    Gazetteer.load() -> Gazetteer                       (once per process; cached)
    tag_countries(text, mentions, gazetteer, dateline=None) -> list[CountryTag]
    dateline_country(dateline, gazetteer) -> str | None
"""
