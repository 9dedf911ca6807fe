"""One module per capability's tables: its migrations (and what it stores)."""
