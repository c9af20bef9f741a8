-- Forget a file's earlier quarantine counts before writing its new ones. Params: $file.
delete from quarantine_counts where source_file = $file
