-- The archive's stored files of each publication (warehouse.archive).

-- name: insert_file
-- Store one file of a publication with its digest and size; never updated. Params: every column's.
insert into archive_files values ($publication_id, $kind, $file_name, $mime, $sha256, $size, $content)

-- name: file
-- One stored file of a publication and the digest it was stored with.
select file_name, mime, sha256, content from archive_files where publication_id = $publication_id and kind = $kind
