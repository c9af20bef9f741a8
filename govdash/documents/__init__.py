"""The documents floor: the bulletin's text and body, the Word, Excel and PDF files, publishing and the charts'
defaults, one render function per document, used by the CLI, the pages' download buttons and publishing alike."""
