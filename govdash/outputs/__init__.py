"""The outputs floor: documents (Word, Excel) and chart defaults, one render function per document, used
by the CLI and the pages' download buttons alike."""
