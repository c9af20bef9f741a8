-- Per calendar year: whether the official schedule or an override covers it.
select year, bool_or(source = 'official') as official, bool_or(source in ('override', 'override_year')) as overrides,
       bool_and(year_covered) as covered
from dim_calendar group by year order by year
