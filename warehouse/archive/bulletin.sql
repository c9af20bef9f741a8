-- The bulletin JSON of one publication and the digest it was stored with.
select bulletin_json, bulletin_sha256 from archive_publications where publication_id = $publication_id
