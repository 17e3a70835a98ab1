"""Array types of the scoring model, and the grouped sum every part of it uses."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def group_sum(group: IntArray, values: FloatArray, n_groups: int) -> FloatArray:
    """Sum of `values` per group index; np.bincount with weights, typed as float."""
    return np.asarray(np.bincount(group, values, n_groups), dtype=np.float64)
