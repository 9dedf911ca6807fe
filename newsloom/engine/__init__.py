"""Engines: run readers, stages and the store over inputs (local today; Spark later)."""
