"""One BLAS thread while the model runs: small dense matrices, called many times."""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Callable, Iterator


@functools.cache
def _blas_thread_setters() -> tuple[Callable[[int], int], ...]:
    """OpenBLAS's per-calling-thread thread-count setters, one per loaded copy of OpenBLAS.

    Our dense matrices are small (reviewers x reviewers) and called many times. With OpenBLAS's
    default of one thread per core, every call hands work to helper threads; when another
    process holds a core (a busy worker, a parallel test run) each hand-off waits for a scheduler
    slice and a 200 x 200 Cholesky goes from 0.2 ms to 15 ms, which made the fit 20 to 50
    times slower. numpy and scipy wheels each bundle their own OpenBLAS, so both are found
    through the process's memory map. Anything unexpected (another BLAS, another OS) leaves
    threads alone. threadpoolctl would do this portably; it is not a dependency yet.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.split()[-1]})
    except OSError:
        return ()
    setters = []
    for path in paths:
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        setters.append(setter)
    return tuple(setters)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    setters = _blas_thread_setters()
    previous = [setter(1) for setter in setters]
    try:
        yield
    finally:
        for setter, count in zip(setters, previous, strict=True):
            setter(count)
