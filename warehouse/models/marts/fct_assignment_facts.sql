-- Assignment facts for the whole log (cutoff = end of data): what the heavy window work over the log
-- yields, stored once per build. Reports whose cutoff is at or after the last log row read these
-- (assignment_facts_at with use_stored); earlier cutoffs compute them live (assignment_facts_as_of).
-- Built month by month of dispatch ($chunk_from, $chunk_to) so memory holds one month's log at a time.
-- $changed_only: only the events an ingest changed (build_changed_events; warehouse.build brings the model
-- up to date event by event).
with facts as (
    select * from assignment_facts_as_of(timestamp '9999-12-31 00:00:00', $chunk_from, $chunk_to,
                                         changed_only := $changed_only)
),

final as (
    select * from facts
)

select * from final
