-- The JPCs' two-way ratings of each department (A.3.3): the mean score over the period's monthly
-- ratings, and the yearly ratings when the period is a whole year, kept whole (nothing is rounded before the
-- final score, SPEC §7). Only ratings from a JPC bound to the department in their period are in raw_ratings: the
-- others are quarantined at ingest (pipelines/ingest.py); a row an approved 误评 removed by the cut-off is left out
-- (ratings_as_of, SPEC §9.4). Params: $month_from, $month_to, $year, $annual, $as_of.
with ratings as (
    select * from ratings_as_of($as_of)
    where (length(period) = 7 and period between $month_from and $month_to)
       or (length(period) = 4 and period = $year and $annual)
),

final as (
    select dept_id, avg(score) as two_way_rating, count(*) as ratings
    from ratings
    group by dept_id
)

select * from final
