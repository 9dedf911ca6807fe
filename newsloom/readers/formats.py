"""Imports every built-in reader module so that each registers itself."""
from . import html, tabular, text  # noqa: F401

try:  # input kinds added by later modules register the same way
    from . import feeds  # noqa: F401
except ImportError:  # pragma: no cover - feeds need defusedxml
    pass
try:
    from . import warc  # noqa: F401
except ImportError:  # pragma: no cover - warc needs warcio
    pass
