"""How ClientNest loads scikit-learn: its OpenMP runtime on one thread, and the
import without the garbage collector's passes.

Training and evaluation run on one OpenMP thread: on a shared machine its
spinning threads cost more than they gain (see the predictor's notes). A
prediction does not use scikit-learn at all (the kept models are compiled,
analytics/forest.py). Everything here imports scikit-learn only when called.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

THREADS = 1


def import_models() -> None:
    """Import scikit-learn's models with OpenMP starting on ``THREADS`` threads.

    The runtime reads OMP_NUM_THREADS once, when it is loaded: set then (unless
    the user set it), it makes ``one_thread`` free afterwards. The variable is put back afterwards (child processes see the user's).
    The garbage collector sits the import out (``_collector_paused``)."""
    import os

    if "sklearn.ensemble" in sys.modules:
        return
    own = "OMP_NUM_THREADS" not in os.environ
    with _threads_variable(own), _collector_paused():
        import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)
    _Runtime.ours = own


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside; what is alive at its end is frozen.

    Importing scikit-learn (with scipy.stats and pandas) makes some 110,000
    objects, none of them garbage, and the collector's 360 automatic passes over
    that growing heap cost about a tenth of the import (0.2-0.3 s CPU, measured
    with ``gc.callbacks``). Frozen afterwards (``gc.freeze``), those objects are
    not walked by later passes either; they are modules, alive until the process
    ends. Nothing else changes: objects are still freed by their reference counts,
    and collections resume as before."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class _Runtime:
    """What ``import_models`` did: ``ours`` when it started OpenMP on ``THREADS`` threads."""

    ours = False


@contextmanager
def _threads_variable(own: bool) -> Iterator[None]:
    """OMP_NUM_THREADS is ``THREADS`` inside when ``own``, as it was outside."""
    import os

    before = os.environ.get("OMP_NUM_THREADS")
    if own:
        os.environ["OMP_NUM_THREADS"] = str(THREADS)
    try:
        yield
    finally:
        if own:
            os.environ.pop("OMP_NUM_THREADS", None)
            if before is not None:
                os.environ["OMP_NUM_THREADS"] = before


def one_thread() -> AbstractContextManager[Any]:
    """OpenMP limited to one thread: on a busy machine its spinning threads cost 10×
    (a few ms per tree even for one row). Free when the runtime already uses one
    thread (``import_models``): scikit-learn's thread count then comes from the
    runtime (OMP_NUM_THREADS set inside, as at its start) instead of counting the
    physical cores (an ``lscpu`` subprocess); else threadpoolctl, about 20 ms."""
    import_models()
    if _Runtime.ours:
        return _threads_variable(True)
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    if _openmp_effective_n_threads() <= THREADS:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=THREADS)
