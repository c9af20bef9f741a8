-- Opening the warehouse: a reader attaches the live file, a write session checkpoints its working copy.

-- name: attach_read_only
-- A reader attaches the live warehouse file read-only (warehouse.db.connect_read). Params: $path. No placeholders.
attach $path as warehouse (read_only)

-- name: use_warehouse
-- Point a reader connection (or cursor) at the attached warehouse. No params.
use warehouse

-- name: current_database
-- The database a connection is using (a write session's working copy is named after its file). No params.
select current_database()

-- name: write_checkpoint
-- Write a write session's changes into its working copy before it replaces the live file. No params.
checkpoint
