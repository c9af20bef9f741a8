-- The JPCs a department has ever been bound to (a department user's scope). Params: $dept_id.
select distinct jpc_id from stg_bindings where dept_id = $dept_id
