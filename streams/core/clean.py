"""Cleaning scraped article text: boilerplate removal, Unicode and white-space normalisation.

CONTRACT (used by streams.core.enrich):

    clean_article(title: str, body: str) -> CleanedArticle

CleanedArticle.text is the text the enriched record carries and that every entity offset
refers to: the cleaned title, a blank line, then the cleaned body (subheadings kept).
"""
