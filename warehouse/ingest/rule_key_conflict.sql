-- Rule: every row of a key that the file carries with more than one content. Placeholders from the table
-- spec (never data): `key_column_name` the key's first column name, `key_column` it quoted, `key_names`
-- the key's names joined by 、, `key_list` the quoted key columns, `same_key` "i.k is not distinct from
-- k.k and ..." over the key. No params.
select i._row, '{key_column_name}', cast(i.{key_column} as varchar),
       '同一主键（{key_names}）在文件中出现多次且内容不同（共 ' || k.n || ' 种）'
from incoming i join (
    select {key_list}, count(*) as n from file_contents group by {key_list} having count(*) > 1
) k on {same_key}
