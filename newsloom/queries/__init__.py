"""Every read a user makes, returning plain dicts (the CLI, the Python API and the web share them)."""
