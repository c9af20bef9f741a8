-- The five-level funnel's rates (SPEC §6), each defined once, rounded to 4 decimals; an empty denominator
-- gives null ("—"). Every query that shows one (the city, a community, a category, a month) sums the counts
-- over its group and calls these.
-- conversion k → k+1: escalated(k) / entered(k); none at the top level (5: there is no level above)
create or replace macro level_conversion(level, escalated, entered) as
    case when level >= 5 then null else round(escalated / nullif(entered, 0), 4) end;
-- community-level resolution share: appeals resolved at levels 1–3 / all resolved appeals
create or replace macro community_resolution_share(resolved_in_community, resolved) as
    round(resolved_in_community / nullif(resolved, 0), 4);
-- carried up: appeals that entered at the community level or below and reached level 4 or 5 / those appeals
create or replace macro carried_up_share(carried_up, appeals) as
    round(carried_up / nullif(appeals, 0), 4);
