"""The figure catalogue fails closed: a figure without a scope rule is denied, a bulletin
section nobody declared is left out of a department's view, and ranks and lists come from the whole city."""
from __future__ import annotations

import pytest

from govdash import figures
from govdash.core.principal import AccessDenied, Principal
from govdash.figures import catalogue

DEPT = Principal("d", "department", "D13")
CHAIR = Principal("c", "committee")


def test_an_undeclared_figure_is_denied_to_everyone():
    def new_figure(con, month):  # a figure someone wrote and forgot to declare
        return {"secret": 1}

    for p in (DEPT, CHAIR):
        with pytest.raises(AccessDenied):
            catalogue.declared(new_figure)


def test_every_public_function_of_the_figures_module_is_declared():
    """A figure function nobody declared cannot reach a page; this lists the ones the pages could not use."""
    import inspect

    functions = {fn for name, fn in inspect.getmembers(figures, inspect.isfunction)
                 if fn.__module__ == figures.__name__ and not name.startswith("_")}
    declared = set(catalogue.CATALOGUE)
    helpers = {"assignment_params", "assignment_source", "city_totals", "exempt_weeks",
               "year_to_date_departments", "assessment_negative_list", "period_department_rows",
               "period_overdue_rows", "period_year_to_date_rows", "visit_rows",
               "honour_lists", "negative_list_reasons", "reference_names", "needed_to_reach", "level_labels", "funnel_levels",
               "community_resolution_share", "appeal_funnel", "department_table", "overdue_table",
               "negative_report_weeks", "period_assignments"}
    undeclared = sorted(fn.__name__ for fn in functions - declared if fn.__name__ not in helpers)
    assert not undeclared, f"figures without a scope rule: {undeclared}"


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
    reports = catalogue.CATALOGUE[figures.negative_report_totals]
    clauses = catalogue.CATALOGUE[figures.negative_report_clauses]
    visits = catalogue.CATALOGUE[figures.visit_totals]
    assert catalogue.arguments_for(reports, ("2024-10", as_of), DEPT, {"J9", "J1"}) == ("2024-10", as_of, ("J1", "J9"))
    assert catalogue.arguments_for(clauses, ("2024-10", as_of, None), DEPT, set()) == ("2024-10", as_of, ())
    assert catalogue.arguments_for(reports, ("2024-10", as_of), CHAIR, {"J1"}) == ("2024-10", as_of)
    assert catalogue.arguments_for(visits, ("2024-10", ("D01", "D02")), DEPT) == ("2024-10", ("D13",))
    assert catalogue.arguments_for(visits, ("2024-10", ()), CHAIR) == ("2024-10", ())
    # the bulletin's city totals are the city's for everyone, like its whistle totals
    rules = dict(catalogue.monthly_bulletin.section_rules())
    assert rules["visit_totals"] is rules["negative_report_totals"] is rules["city"] is catalogue.PUBLIC
    assert rules["visit_departments"] is catalogue.OWN_DEPARTMENT
