"""One module per capability's tables: its migrations (and, where it stores per-article rows, a writer)."""
