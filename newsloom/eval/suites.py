"""Imports the modules that register evaluations and benchmarks (one line each)."""
from . import ingest_bench  # noqa: F401
from . import quotes_eval  # noqa: F401
from . import copies_eval  # noqa: F401,E402
from . import copies_bench  # noqa: F401,E402
from . import annotate_bench  # noqa: E402,F401
from . import entities_eval  # noqa: E402,F401
from . import stories as _stories  # noqa: E402,F401  (eval stories, threads, similarity)
from . import stories_bench as _stories_bench  # noqa: E402,F401  (bench stories)
