-- Every new SQLite connection to the records database (govdash.records.db): write-ahead logging, so readers of
-- other processes never wait for a writer and a writer waits (the busy timeout) instead of failing; and the
-- foreign keys that tie a publication's files to it enforced.
pragma journal_mode = wal;
pragma foreign_keys = on;
