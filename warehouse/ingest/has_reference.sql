-- The number of reference items in the warehouse (none: the bundled lists are loaded). No params.
select count(*) from raw_reference_items
