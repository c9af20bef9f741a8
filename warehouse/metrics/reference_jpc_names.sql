-- JPC names by id (the bulletin's documents print names, not codes).
select jpc_id, jpc_name from dim_jpcs order by jpc_id
