"""How far reviewers agree: Krippendorff's alpha for interval data, per call and per track."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Agreement:
    alpha: float | None
    per_track: Mapping[str, float | None]


def interval_alpha(*, units: npt.ArrayLike, values: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha for interval data from (unit, value) pairs.

    Uses the pairwise-difference form: observed disagreement is the mean squared difference
    within units, expected disagreement the same over all pairable values. Units with a single
    value are not pairable and drop out. None where alpha is undefined: no unit with two values,
    or every pairable value identical.
    """
    u = np.asarray(units, dtype=np.intp)
    x = np.asarray(values, dtype=np.float64)
    if len(u) == 0:
        return None
    _, u = np.unique(u, return_inverse=True)
    keep = np.bincount(u)[u] >= 2
    if not keep.any():
        return None
    x = x[keep]
    if np.ptp(x) == 0:
        return None
    _, u = np.unique(u[keep], return_inverse=True)
    m = np.bincount(u)
    n = len(x)
    unit_mean = np.bincount(u, x) / m
    within = np.bincount(u, (x - unit_mean[u]) ** 2)
    total = float(((x - x.mean()) ** 2).sum())
    observed = float((m * within / (m - 1)).sum())
    return 1.0 - (n - 1) / n * observed / total
