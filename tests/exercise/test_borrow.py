import numpy as np
from numba import njit

from openbmd.exercise.borrow import borrowed


@njit(cache=True)
def _sum_and_mark(a):
    v = borrowed(a)
    total = 0.0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            total += v[i, j]
    v[v.shape[0] - 1, v.shape[1] - 1] = -1.0
    return total, v.shape[0], v.shape[1], v.strides[0]


def test_a_borrowed_view_reads_and_writes_the_same_memory():
    a = np.arange(12.0).reshape(3, 4)
    total, rows, cols, stride = _sum_and_mark(a)
    assert total == 66.0 and (rows, cols, stride) == (3, 4, a.strides[0])
    assert a[2, 3] == -1.0


def test_a_borrowed_view_keeps_strides_of_a_non_contiguous_array():
    a = np.arange(24.0).reshape(4, 6)[:, ::2]
    total, _, _, stride = _sum_and_mark(a)
    assert total == np.arange(24.0).reshape(4, 6)[:, ::2].sum() and stride == a.strides[0]
    assert a[3, 2] == -1.0
