-- The rows in which the model computed again (temp._model_rebuilt) and the stored one differ, as
-- multisets. Placeholder (from the model files, never data): `name` the model's file name. No params.
select count(*) from ((select * from temp._model_rebuilt except all select * from {name}) union all (select * from {name} except all select * from temp._model_rebuilt))
