-- Valid rows when the file has no failures: its distinct contents, already counted. No params.
create or replace temp table valid as select * from file_contents
