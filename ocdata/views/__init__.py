"""The tables and HTML fragments the reports show, one country or several at a time.

>>> from ocdata import views
>>> data = views.load_dataset()                          # as the notebooks load it (or ocdata.load())
>>> views.headline(data, "kgz", 2025)                      # criminality, resilience, ranks: a small DataFrame
>>> views.indicator_scores(data, "Kyrgyzstan", 2025)       # every indicator, with its change
>>> views.compare_headline(data, ["KAZ", "KGZ"], 2023)     # several countries side by side
>>> views.provenance(data, "KGZ", 2025)                    # where each number came from

A :class:`~ocdata.build.Dataset` in, a small DataFrame or an HTML fragment (an ``Html`` string) out. Every
function reads its parameters the same way (``@parameters``): a country is an ISO3 code in any case or a name,
an edition an int or a string of digits; anything unknown is a one-line ``ParameterError`` naming the nearest
valid values.

One job per module, all reachable as ``ocdata.views.<name>``: :mod:`~ocdata.views.params` reads the parameters
and loads a report's dataset; :mod:`~ocdata.views.country` and :mod:`~ocdata.views.compare` derive the tables of
one country and of several (no file access, no plotting); :mod:`~ocdata.views.html` fills the HTML fragments'
templates, escaping all text; :mod:`~ocdata.views.robustness` says how sure a rank is. The classes ``Html`` (a
``str`` of safe markup) and ``Catalog`` are importable from here and documented in their modules.
"""

from ocdata.codebook import previous_edition
from ocdata.templating import escape
from ocdata.views.compare import (
    compare_headline,
    compare_region_means,
    indicator_differences,
    indicator_matrix,
    largest_changes,
)
from ocdata.views.country import (
    MIN_PEERS,
    ORIGINS,
    SCOPES,
    check_summary,
    cited_sources,
    composite_history,
    composite_table,
    country_claims,
    country_series,
    has_peers,
    headline,
    indicator_scores,
    narrative,
    ordinal,
    peer_scores,
    profile_facts,
    provenance,
    provenance_summary,
    ranks_of,
    recompute_composites,
    region_means,
    region_ranking,
    single_figures,
)
from ocdata.views.display import display_name, find_identifiers, signed
from ocdata.views.html import (
    Html,  # noqa: F401 -- importable, out of __all__: help() would list every str method
    cite,
    cite_html,
    compare_title_html,
    definitions,
    export_table,
    headline_html,
    lacks_html,
    narrative_html,
    no_peers_html,
    note_html,
    section_html,
    source_refs,
    sources_html,
    table_html,
    title_html,
)
from ocdata.views.notes import editions_note, indicator_set_note, joint, names_at, rank_changes
from ocdata.views.params import (
    ISO3,
    Catalog,  # noqa: F401 -- importable, out of __all__
    composite_scores,
    country_code,
    country_info,
    describe_group,
    editions_known,
    editions_of,
    load_dataset,
    parameters,
    region_members,
    validate_countries,
    validate_country,
    validate_edition,
    validate_indicator,
)
from ocdata.views.robustness import (
    EXPLANATION,
    how_sure,
    interval_sentence,
    rank_uncertainty,
    sensitivity_table,
    uncertainty_of,
    uncertainty_table,
)

__all__ = [
    "EXPLANATION",
    "ISO3",
    "MIN_PEERS",
    "ORIGINS",
    "SCOPES",
    "check_summary",
    "cite",
    "cite_html",
    "cited_sources",
    "compare_headline",
    "compare_region_means",
    "compare_title_html",
    "composite_history",
    "composite_scores",
    "composite_table",
    "country_claims",
    "country_code",
    "country_info",
    "country_series",
    "definitions",
    "describe_group",
    "display_name",
    "editions_known",
    "editions_note",
    "editions_of",
    "escape",
    "export_table",
    "find_identifiers",
    "has_peers",
    "headline",
    "headline_html",
    "how_sure",
    "indicator_differences",
    "indicator_matrix",
    "indicator_scores",
    "indicator_set_note",
    "interval_sentence",
    "joint",
    "lacks_html",
    "largest_changes",
    "load_dataset",
    "names_at",
    "narrative",
    "narrative_html",
    "no_peers_html",
    "note_html",
    "ordinal",
    "parameters",
    "peer_scores",
    "previous_edition",
    "profile_facts",
    "provenance",
    "provenance_summary",
    "rank_changes",
    "rank_uncertainty",
    "ranks_of",
    "recompute_composites",
    "region_means",
    "region_members",
    "region_ranking",
    "section_html",
    "sensitivity_table",
    "signed",
    "single_figures",
    "source_refs",
    "sources_html",
    "table_html",
    "title_html",
    "uncertainty_of",
    "uncertainty_table",
    "validate_countries",
    "validate_country",
    "validate_edition",
    "validate_indicator",
]
