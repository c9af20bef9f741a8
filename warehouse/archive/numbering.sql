-- The issuer's running document numbers (发文字号) of the archive's publications (warehouse.archive).

-- name: issued_count
-- How many documents the issuer has published (first publications and corrections alike) in the year of issue
-- $year (every year when null); a publication stored before it named its issuer counts as the issuer's.
select count(*)
from archive_publications
where ($year is null or year(published_at) = $year)
  and coalesce(json_extract_string(bulletin_json, '$.publication.issuer'), $issuer) = $issuer
