-- One stored file of a publication and the digest it was stored with.
select file_name, mime, sha256, content from archive_files where publication_id = $publication_id and kind = $kind
