insert into archive_publications values ($publication_id, $month, $version, $status, $supersedes, $published_at,
    $published_by, $as_of, $provisional, $settings_sha256, $scoring_version, $ingest_runs, $bulletin_json,
    $bulletin_sha256, $skipped_kinds, $changes, $reason)
