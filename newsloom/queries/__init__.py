"""Every read a user makes (CLI, Python API, later the web), as plain dicts; one module per capability."""
