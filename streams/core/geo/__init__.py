"""Country tagging: gazetteer lookup and disambiguation -> ISO 3166-1 alpha-2 tags.

CONTRACT (used by streams.core.enrich):

    Gazetteer.load() -> Gazetteer                       (once per process; cached)
    tag_countries(text, mentions, gazetteer, dateline=None) -> list[CountryTag]
    dateline_country(dateline, gazetteer, text=None) -> str | None

How a country gets tagged, and why each step is there:

1. **Lookup** (``evidence.py``, ``evidence_org.py``, ``evidence_scan.py``). Every NER
   mention becomes *candidate places* by dictionary lookups on a normalised name
   (``names.py``: case, accents, dots, hyphens, a leading "the", a trailing "'s"), so
   tagging is a few dict probes per mention: GPE/LOC mentions against countries and
   aliases ("U.S.", "Britain"; never a bare "States", "Emirates", "Kingdom"), capitals
   and cities, states and provinces, English region names and counties; NORP mentions
   against demonyms; ORG/FAC mentions against metonyms ("Kremlin"), a dominant capital
   ("Niamey"), country names inside the span and states heading it ("Illinois
   Senate"). NER misses are recovered conservatively, from PERSON mentions ("Mali") and
   text no mention covers ("the U.S.-led coalition"). *Weak* items (a town NER called
   an organisation, an unlabelled demonym) only confirm a country other evidence names;
   they are never context for other names.
2. **Exclusions.** Alliances, regions, seas, historical states and stateless homelands
   (NATO, EU, ISIS, Middle East, Gulf, Black Sea, Soviet Union, Kurdistan, Somaliland)
   never produce a tag; neither does Antarctica. A capitalised "Turkey" is the bird when
   the article also writes "turkey" in lower case (``evidence_scan.py``).
3. **Disambiguation** (``resolve.py``, with the prior of ``prior.py``), strongest clue
   first: a qualifier ("Athens, Ga."), one sense per article and a dominant sense,
   country against same-named state ("Georgia"), prior + context, the article's home
   state ("Cairo" among Peoria and Naperville), then lone small towns are dropped.
4. **Dateline** (``dateline_place.py``). Mentions inside the dateline never produce
   tags, but the dateline is context for 3.

Then ``score.py`` rates each country and flags the one to three the article is about.
``tagging.py`` runs the steps; ``gazetteer.py`` builds the indexes; ``kinds.py`` names
the kinds of places and evidence; ``weights.py`` names the tuned numbers.

Data (``streams/core/data``, each file with a ``_source`` saying where it comes from):

* ``geo_aliases.json``: other names of countries ("U.S.", "Britain") -> code;
* ``geo_demonyms.json``: demonyms, irregular plurals, combining forms ("Sino-");
* ``geo_metonyms.json``: seats of government standing for a country ("Kremlin");
* ``geo_not_countries.json``: names that never produce a tag (NATO, Gulf of Oman);
* ``geo_regions.json``: English region names, Canadian counties;
* ``geo_world.json``: oceans, seas, straits and regions of several countries, which no
  country holds (``world.py``: the record's ``world_places``, never a country tag);
* ``geo_state_abbreviations.json``: "Ga.", "Ont." after a town name;
* ``geo_extra_codes.json``, ``geo_non_country_codes.json``, ``geo_display_names.json``:
  which codes are countries and what a tag calls them;
* ``geo_scan_ambiguous.json``, ``geo_inner_ambiguous.json``, ``geo_camel_skip.json``,
  ``geo_common_noun_countries.json``: country names that are also words, and where
  they are not trusted; ``geo_scan_skip_metonyms.json``: metonyms trusted only in a
  mention;
* ``geo_generic_country_words.json``, ``geo_generic_place_words.json``,
  ``geo_feature_words.json``: words that are never a place alone, or that make the
  name before them a river or county; ``geo_org_prefix_countries.json``: countries
  whose states head organisation names;
* ``geo_weights.json``: priors, context bonuses, score and focus weights.
* ``geo_nearby.json``: the head words that make a name a creek, lake or park ("Paradise Creek",
  "Lake Karapiro"), placed at the town named nearest when no table holds it (``nearby.py``).
* ``geo_lang_<code>.json`` (fr, es, de, it, pt): what pycountry's translations lack for
  text in that language (short names, seas that are no country; for French demonyms,
  metonyms, towns and features), read by ``localized.py``, the gazetteer's view per language.

The gazetteer refuses, at load, a curated entry it would have to ignore (an alias that
``geo_not_countries.json`` vetoes, an unknown code, two entries meeting on one key, a
word-list entry that names no country): a :class:`DataError` naming the entry and the
conflicting file. So adding a country alias takes two files: the alias in
``geo_aliases.json`` and a case in the alias test (``tests/unit/core/geo/
test_gazetteer.py``).
"""

from streams.core.geo.data import DataError
from streams.core.geo.dateline_place import dateline_country, resolved_dateline_place
from streams.core.geo.gazetteer import Gazetteer, Place
from streams.core.geo.kinds import PlaceKind
from streams.core.geo.names import normalize_name
from streams.core.geo.places import PlaceTag
from streams.core.geo.score import CountryTag, Evidence
from streams.core.geo.tagging import Located, locate, tag_countries

__all__ = [
    "CountryTag",
    "DataError",
    "Evidence",
    "Gazetteer",
    "Located",
    "Place",
    "PlaceKind",
    "PlaceTag",
    "dateline_country",
    "locate",
    "normalize_name",
    "resolved_dateline_place",
    "tag_countries",
]
