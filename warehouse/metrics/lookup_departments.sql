-- Departments by id, for pickers and labels.
select dept_id, dept_name from stg_departments order by dept_id
