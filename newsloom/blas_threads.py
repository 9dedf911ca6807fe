"""One BLAS thread per process by default: newsloom's parallelism is its processes (a worker per core).

OpenBLAS (numpy's BLAS) otherwise starts a thread per core in every process, and those threads keep spinning
between numpy's products: on the first 100 Timeline17 texts a bare NER pass took about 25 % more CPU with them,
and in an ingest they take cores from the other workers. ``OPENBLAS_NUM_THREADS`` is read when numpy loads, so
this holds when newsloom is imported first (the CLI, the workers, the web server); set the variable to override.
Imported first by ``newsloom/__init__.py``.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
