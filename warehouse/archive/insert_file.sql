insert into archive_files values ($publication_id, $kind, $file_name, $mime, $sha256, $size, $content)
