"""Every read a user makes, returning plain dicts and lists."""
