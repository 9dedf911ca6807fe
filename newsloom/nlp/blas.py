"""Where spaCy's matrix products run: numpy's BLAS on one thread per process, or spaCy's default, blis.

thinc (spaCy's network library) multiplies matrices with blis, which picks its kernels by the CPU it finds and
falls back to portable, slow ones on a CPU it does not know: on the AMD EPYC machines (CPU family 26) this project
ran on in session 10, blis ran its ``generic`` kernels and a matrix product took about 3x as long as numpy's OpenBLAS
on one thread; on an Intel Xeon (Sapphire Rapids) numpy's BLAS is still the faster, by less (bare NER over the first
300 Timeline17 texts: 45.0 against 48.4 CPU s, ``newsloom bench ingest --annotate``).
Models built inside :func:`numpy_matmul` hand their products (``Ops.gemm``) to numpy instead; the entities are
the same (the first 100 Timeline17 texts: every entity equal). The greedy decoder's own small products stay on
blis (spaCy calls them from compiled code). newsloom spreads work over processes (a worker per core), not
threads: importing newsloom before numpy sets ``OPENBLAS_NUM_THREADS=1`` (``newsloom/__init__.py``), and
:func:`one_blas_thread` keeps numpy's BLAS to one thread while spaCy runs where numpy was loaded first.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["BLAS_CHOICES", "numpy_matmul", "one_blas_thread"]

#: the ``[stages.nlp] blas`` choices: numpy's BLAS, or thinc's default (blis)
BLAS_CHOICES = ("numpy", "blis")

_controller: list[Any] = []


def numpy_matmul() -> contextlib.AbstractContextManager[Any]:
    """A block in which the thinc models built multiply matrices through numpy (numpy ops, ``use_blis=False``)."""
    from thinc.api import use_ops

    return use_ops("numpy", use_blis=False)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit numpy's BLAS to one thread for the block (no-op without ``threadpoolctl``)."""
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl ships with the nlp extra
            _controller.append(None)
        else:
            _controller.append(ThreadpoolController())
    if _controller[0] is None:  # pragma: no cover
        yield
        return
    with _controller[0].limit(limits=1, user_api="blas"):
        yield
