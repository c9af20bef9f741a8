-- Whether approved disputes are registered on this cursor: the temporary relation dispute_exemptions that
-- govdash.figures.exemptions registers (it hides the warehouse's empty table of that name). No params.
select count(*) > 0 as registered
from duckdb_views()
where temporary and view_name = 'dispute_exemptions'
