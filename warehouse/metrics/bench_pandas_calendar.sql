-- The benchmark's plain-pandas peer (govdash.bench): the official working-day calendar it reads. No params.
select date, is_workday from ref_calendar_official
