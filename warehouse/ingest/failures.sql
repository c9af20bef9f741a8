-- All the file's failures: the union of the rules' selects (_row, column_name, value, reason).
-- Placeholder `rules`: "(rule) union all (rule) ...", built from the rule files here. No params.
create or replace temp table failures as {rules}
