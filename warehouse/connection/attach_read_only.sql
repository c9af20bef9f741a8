-- A reader attaches the live warehouse file read-only (warehouse.db.connect_read). Params: $path. No placeholders.
attach $path as warehouse (read_only)
