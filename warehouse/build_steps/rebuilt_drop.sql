-- Drop the model computed again for the comparison. No params.
drop table if exists temp._model_rebuilt
