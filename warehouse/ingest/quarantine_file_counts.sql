-- A file's quarantine counts (rows, reasons, reasons kept) for the whole file. Params: $file.
select rows, reasons, reasons_kept from quarantine_counts where source_file = $file and column_name is null
