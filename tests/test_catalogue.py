"""The figure catalogue fails closed: a figure without a scope rule is denied, a bulletin section nobody declared
is left out of a department's view, and ranks and lists come from the whole city. Every figure is a module-level
name of the catalogue, named as its function, so an editor can follow `catalogue.bulletin` to its declaration."""
from __future__ import annotations

import pytest

from govdash.core.principal import AccessDenied, Principal
from govdash.figures import (
    appeals,
    assessment,
    bulletin,
    catalogue,
    cutoff,
    data_quality,
    dispute_figures,
    lookups,
    negative_lists,
    published,
    published_assessments,
    visits,
    whistle,
)

DEPT = Principal("d", "department", "D13")
CHAIR = Principal("c", "committee")


def test_an_undeclared_figure_is_denied_to_everyone():
    def new_figure(con, month):  # a figure someone wrote and forgot to declare
        return {"secret": 1}

    for _p in (DEPT, CHAIR):
        with pytest.raises(AccessDenied):
            catalogue.declared(new_figure)


def test_a_figure_made_outside_the_catalogue_is_denied_even_for_a_declared_function():
    """Only the catalogue's own declarations pass: a Figure made elsewhere (with a looser rule) is denied."""
    loose = catalogue.Figure(whistle.community_hotspots, catalogue.PUBLIC, "吹哨最多的社区")
    with pytest.raises(AccessDenied):
        catalogue.declared(loose)
    assert catalogue.declared(catalogue.community_hotspots) is catalogue.community_hotspots
    assert catalogue.declared(whistle.community_hotspots) is catalogue.community_hotspots


def test_every_figure_is_a_module_level_name_of_the_catalogue():
    """`catalogue.<name>` is the declaration of the function `<name>`: nothing is declared out of an editor's sight."""
    named = {name: value for name, value in vars(catalogue).items() if isinstance(value, catalogue.Figure)}
    assert named and {f.fn.__name__ for f in named.values()} == set(named)
    assert all(f.fn.__name__ == name for name, f in named.items())
    assert set(catalogue.CATALOGUE.values()) == set(named.values())
    assert catalogue.BY_NAME["govdash.figures.bulletin.bulletin"] is catalogue.bulletin


# per domain module: its public functions that are not figures (helpers the figures and the documents call),
# which therefore never reach a page
HELPERS = {
    whistle: {"city_totals", "period_department_rows", "period_overdue_rows",
              "period_year_to_date_rows", "honour_lists", "needed_to_reach", "department_table", "overdue_table",
              "period_assignments"},
    visits: {"exempt_weeks", "visit_rows"},
    negative_lists: {"assessment_negative_list", "negative_list_reasons", "needed_off_the_list",
                     "negative_report_weeks"},
    appeals: {"level_labels", "funnel_levels", "community_resolution_share", "appeal_funnel"},
    bulletin: {"metric_rows", "section_rules", "reference_names", "trend"},
    data_quality: {"calendar_coverage", "warehouse_status"},
    published: set(),
    lookups: {"code_text_labels"},
    cutoff: {"cutoff_rule", "rule_cutoff", "now", "default_cutoff", "period_default_cutoff", "month_end",
             "month_default_cutoff", "data_end", "cutoff_status", "working_day_after"},
    assessment: {"period_bounds", "previous_period", "component_actuals", "deduction_records", "score_departments",
                 "assessment", "assessment_issuer"},
    published_assessments: {"changed_scores"},
    dispute_figures: {"states_as_of", "state_frame", "period_dispute_rows", "period_approval_rows", "period_queue",
                      "effect_text", "item_text"},
}


@pytest.mark.parametrize("module", list(HELPERS), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_public_function_of_a_domain_module_is_declared(module):
    """A figure function nobody declared cannot reach a page; this lists the ones the pages could not use."""
    import inspect

    functions = {fn for name, fn in inspect.getmembers(module, inspect.isfunction)
                 if fn.__module__ == module.__name__ and not name.startswith("_")}
    declared = set(catalogue.CATALOGUE)
    undeclared = sorted(fn.__name__ for fn in functions - declared if fn.__name__ not in HELPERS[module])
    assert not undeclared, f"figures without a scope rule in {module.__name__}: {undeclared}"


def _bulletin() -> dict:
    return {
        "month": "2024-10", "departments": [{"dept_id": "D01", "rank": 1}, {"dept_id": "D13", "rank": 2}],
        "lists": {"red": ["D01"], "black": ["D13"], "below_threshold": ["D13", "D02"]},
        "overdue": [{"dept_id": "D01", "event_id": "E1"}, {"dept_id": "D13", "event_id": "E2"}],
        "negative_reports": [{"jpc_id": "J1"}, {"jpc_id": "J9"}], "funnel": {"levels": []},
        "city": {"dispatched": 10}, "department_count": 2,
        "new_section_nobody_declared": [{"dept_id": "D01", "anything": "city-wide"}],
    }


def test_a_department_sees_its_own_rows_and_no_undeclared_section():
    mine = catalogue.cut_bulletin(_bulletin(), DEPT, {"J1"})
    assert "new_section_nobody_declared" not in mine
    assert mine["departments"] == [{"dept_id": "D13", "rank": 2}]
    assert mine["lists"] == {"red": [], "black": ["D13"], "below_threshold": ["D13"]}
    assert mine["overdue"] == [{"dept_id": "D13", "event_id": "E2"}]
    assert mine["negative_reports"] == [{"jpc_id": "J1"}]
    assert mine["funnel"] is None and mine["city"] == {"dispatched": 10} and mine["department_count"] == 2


def test_the_committee_sees_the_whole_bulletin():
    assert catalogue.cut_bulletin(_bulletin(), CHAIR, set()) == _bulletin()


def test_a_city_only_figure_is_denied_to_a_department():
    with pytest.raises(AccessDenied):
        catalogue.cut(catalogue.declared(catalogue.community_hotspots), None, DEPT, set())


def test_a_role_that_matches_nothing_sees_nothing():
    with pytest.raises(AccessDenied):
        catalogue.cut_bulletin(_bulletin(), Principal("x", "none"), set())


def test_totals_figures_give_a_department_its_own_department_or_bound_jpcs():
    """visit_totals and the weekly-report totals and clauses sum over the departments / JPCs an argument names
    (none: the city); a department user always gets its own department / its bound JPCs (none bound: none)."""
    import datetime as dt

    as_of = dt.datetime(2024, 11, 20)
    reports = catalogue.CATALOGUE[negative_lists.negative_report_totals]
    clauses = catalogue.CATALOGUE[negative_lists.negative_report_clauses]
    totals = catalogue.CATALOGUE[visits.visit_totals]
    assert catalogue.arguments_for(reports, ("2024-10", as_of), DEPT, {"J9", "J1"}) == ("2024-10", as_of, ("J1", "J9"))
    assert catalogue.arguments_for(clauses, ("2024-10", as_of, None), DEPT, set()) == ("2024-10", as_of, ())
    assert catalogue.arguments_for(reports, ("2024-10", as_of), CHAIR, {"J1"}) == ("2024-10", as_of)
    assert catalogue.arguments_for(totals, ("2024-10", ("D01", "D02")), DEPT) == ("2024-10", ("D13",))
    assert catalogue.arguments_for(totals, ("2024-10", ()), CHAIR) == ("2024-10", ())
    # the bulletin's city totals are the city's for everyone, like its whistle totals
    rules = dict(catalogue.monthly_bulletin.section_rules())
    assert rules["visit_totals"] is rules["negative_report_totals"] is rules["city"] is catalogue.PUBLIC
    assert rules["visit_departments"] is catalogue.OWN_DEPARTMENT


def test_the_pages_and_their_downloads_reach_a_figure_only_through_the_catalogues_one_path():
    """A page's figure and a download's bulletin are cut the same way: the pages' code never calls the catalogue's
    parts (its arguments, its cut) itself, only `catalogue.seen_by` (the CLI: `catalogue.view_as`)."""
    import ast

    from tests.support.paths import REPO

    parts = {"cut", "arguments_for", "cut_bulletin"}
    callers = []
    sources = [*sorted((REPO / "govdash" / "web").glob("*.py")), *sorted((REPO / "pages").glob("*.py"))]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in parts
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "catalogue"):
                callers.append(f"{path.name}:{node.lineno} catalogue.{node.func.attr}")
    assert not callers, callers
    seen_by = {path.name: n for path in sources if (n := path.read_text(encoding="utf-8").count("catalogue.seen_by("))}
    assert seen_by == {"data.py": 1}
