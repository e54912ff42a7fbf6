"""Storage adapters: text and result files, session journals, the SQLite history."""
