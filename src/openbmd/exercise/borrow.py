"""Borrowed array views for the trial engine's hot loops.

Numba counts references to every array a jitted function receives or unpacks from a tuple, with an atomic
increment on entry and a decrement on each exit. The engine calls its window search millions of times per
run with some twenty arrays, and in the 40-missile scenario those atomic operations took about half of the
run time (measured with ``perf`` on the engine alone). A borrowed view points at the same memory but carries
no reference count, so passing it costs nothing. The engine borrows only arrays whose owners outlive the
call that uses the views: its own arguments, and work arrays its caller allocates and passes in.
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array


@intrinsic
def borrowed(typingctx, arr):
    """A view of array ``arr`` (same data, shape and strides) without a reference count: valid only while
    something else keeps ``arr`` alive."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        src = make_array(sig.args[0])(context, builder, value=args[0])
        view = make_array(sig.return_type)(context, builder)
        populate_array(view, data=src.data, shape=src.shape, strides=src.strides, itemsize=src.itemsize,
                       meminfo=None)
        return view._getvalue()

    return arr(arr), codegen
