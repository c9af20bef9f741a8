"""An independent reference implementation of SPEC §3–§7, for the differential and property tests.

Deliberately plain: row-by-row Python over the canonical CSV files of a city (SPEC §2), with only the
standard library (csv, datetime, tomllib, fractions, decimal) plus the `chinese_calendar` package for
China's official working days. Nothing here imports govdash, warehouse or pipelines, and nothing is shared
with the product: every function cites the SPEC clause it reads, so a reviewer can check it line by line.

Modules:
- inputs      SPEC §2: reading the CSV files (encodings, Chinese headers, types, exact duplicates, conflicting keys)
- workdays    SPEC §1 calendar, §3 WD(d, n)
- whistle     SPEC §3: assignments, deadlines, statuses, the bulletin's department figures, overdue list, city totals
- visits      SPEC §4: binding visits
- negatives   SPEC §5.1–§5.3: weekly negative reports, assessment negative list, burden negative list
- funnel      SPEC §6: the five-level funnel
- assessment  SPEC §7: quarterly and annual department assessment
- rulings     SPEC §9.4: approved disputes in force at a cut-off and what each ground does
- bulletin    the monthly bulletin assembled from the above, in the product's JSON shape (for comparison)
- READINGS    (in this file) every choice SPEC leaves open that the reference had to make
"""

# Every reading the reference had to choose where SPEC leaves a choice (reported with the tests' results).
READINGS = {
    "log_order": "SPEC §2/§3: log rows are taken in time order; rows with the same timestamp keep their file order",
    "closure_deadline": "§3 'end of day WD(d, n)': a closure at 23:59:59 of the deadline day is on time; as of "
                        "00:00 of the next day an open assignment is overdue",
    "response": "§3: the response is the first `accepted` (offsite) or `arrived` (onsite) row of the assignment's "
                "department after its dispatch; the other kind of response row is ignored",
    "rows_of_a_department": "§3: an accepted/arrived/returned/closed row and a reopened/rated row naming a department "
                            "apply to that department's current assignment of the event (the latest it was given); "
                            "rows without dept_id other than reopened/rated/escalated apply to no assignment. So a "
                            "reopen or rating naming a department never reaches an earlier, superseded assignment "
                            "(SPEC §3: 'one (event, department) pair never has two open assignments, and one rating "
                            "is never counted twice')",
    "return_ended_by": "§3: any `dispatched` row naming another department (even one that starts no new assignment) "
                       "ends every pending return of the event as returned",
    "rating_without_department": "§3: a `rated` row without dept_id rates every department whose current assignment "
                                 "has a standing closure at the moment of the rating row",
    "escalated_figure": "§3 escalated 升级数: cohort assignments with at least one counted escalation (not "
                        "escalation rows)",
    "returned_figure": "§3 returned 退单数: assignments dispatched in the month that ended as returned by the cut-off",
    "rank": "§3: rank = 1 + number of departments with a strictly better key (all departments of departments.csv, "
            "those without dispatches have null rates and rank last); rates compared exactly (fractions)",
    "overdue_working_days": "overdue list: working days after the deadline day up to and including the cut-off's day",
    "calendar": "§1: calendar_overrides rows win over the official schedule (chinese_calendar); a year neither covers "
                "is Mon–Fri and reported as provisional",
    "weeks_due": "§5.1: due = the week's Sunday + due_weekday days, at due_time; at exactly the due time a week is "
                 "still pending; on-time rate = on_time / (weeks − pending)",
    "negative_items": "§5.1: items are the lines' counts (a clause line without count = 1; a line without clause = 0), "
                      "rectified share weighted by the counts",
    "assessment_negative_list_bulletin": "§5.2 in the bulletin: year-to-date (January to the end of the month) "
                                         "handling and closure rates at the cut-off, below [whistle] "
                                         "negative_list_threshold",
    "burden": "§5.3: a task to level ≤ 3 whose admission_item is empty or not on Appendix B (by id or exact name); "
              "a certificate_item not empty and not on Appendix C (by id or exact name), any level",
    "visits_pairs": "§4: a (department, JPC) row for the month exists when a binding requires one of its weeks or a "
                    "visit of that pair falls in one; visits, leader-led visits and problems count every visit of "
                    "the pair in the month's weeks",
    "funnel": "§6: appeals raised in the period and by the cut-off; a level left after the cut-off (or whose outcome "
              "is 'open') is open; dwell = hours from entering to leaving, over levels left by the cut-off; median "
              "and p90 by linear interpolation between order statistics (position (n−1)·q, as DuckDB quantile_cont "
              "and numpy's default); conversion at level 5 is null",
    "no_cut_off_for_visits_and_tasks": "§4, §5.3: visits and tasks are not cut at the cut-off (SPEC gives a cut-off "
                                       "rule only for the whistle log §3, weekly reports §5.1 and appeals §6); the "
                                       "month's visits and tasks count whatever their date relative to as_of",
    "components": "§7: a component's actual is the period's pooled figure as of the cut-off; a component without "
                  "data is left out and the weights of those with data are scaled to 100 in proportion",
    "two_way_rating": "§7: mean of the rating rows (not of JPC means): monthly rows of the period's months, plus the "
                      "yearly row for a year; a row counts only when a department binding of that (JPC, department) "
                      "is active on at least one day of the row's period",
    "assessment_negative_deduction": "§7/4.1.1.1: one deduction of [deductions] assessment_negative_list when the "
                                     "period's handling or closure rate is below [scoring] negative_list_threshold",
    "burden_deduction": "§7: [deductions] burden_negative_list per month of the period in which the department has "
                        "an off-list task or certificate (§5.3)",
    "shared_deduction": "§7 同奖同罚: each item of a negative-report line for a week of the period (by the week's "
                        "Thursday) submitted by the cut-off costs jpc_negative_item_points × shared_penalty_share to "
                        "every department bound to that JPC in that week (binding active on any day of it)",
    "year_deductions": "§7: the year's burden and 同奖同罚 deductions = the mean of the four quarters' (setting "
                       "[scoring] year_deductions = \"mean\" | \"sum\", default mean); its negative-list deduction "
                       "from the year's rates",
    "score": "§7: score = max(0, Σ points − Σ deductions), nothing rounded before it; the final score is the "
             "score rounded to 2 decimals; grade and rank come from the final score (1 + number of strictly "
             "higher scores); no score (nor grade, nor rank) without any component data",
    "ruling_cutoff": "§9.4: figures as of T apply the approvals with ruled_at ≤ T (at exactly T it counts), in every "
                     "figure of that cut-off: department table, city, overdue list, year to date, burden list, "
                     "assessment components and deductions",
    "assignment_item": "§9.1: an approval names an assignment by (event, department, assigned_at = the dispatch "
                       "timestamp that started it); an approval naming no assignment of the log has no effect",
    "exempted": "§9.4 派错部门/重复件/无效诉求: the assignment's status is 'exempted' (核减): out of every count and "
                "denominator of the cohort and off the overdue list, not returned; an assignment ended as returned "
                "stays returned",
    "extension": "§9.4 客观原因延期: the closure deadline day D becomes WD(D, k), k = days granted (summed over "
                 "several approvals); the response deadline does not move",
    "misrated_assignment": "§9.4 误评 on an assignment: unrated at every cut-off from the ruling on (a later "
                           "`rated` row does not bring a rating back); the other counts unchanged",
    "misrated_rating": "§9.4 误评 on a two-way rating row: that (period, JPC, department) row is left out of the mean",
    "burden_rulings": "§9.4 已准入 clears the task's off-list flag, 依法出具 its off-list certificate flag; a task "
                      "with neither flag left is no burden entry (a month with none left is no deduction)",
}
