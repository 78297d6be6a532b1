"""Where files come in: a regular file of bounded size (``files``), the documents' manifests (``manifest``),
documents a user adds (``documents``, ``detect``), workbooks and tables (``workbook`` reads one file,
``workbook_set`` combines several; ``xlsx_guard`` checks a workbook before it is parsed)."""
