-- Forget a file's earlier quarantine rows before writing its new ones. Params: $file.
delete from quarantine where source_file = $file
