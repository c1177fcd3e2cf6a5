"""Order books on integer ticks and lots, run by the Rust engine.

:class:`L2Book` is a price-level (market-by-price) book. It never sees a decimal: every
price is a whole number of **ticks** and every size a whole number of **lots**.

* A price in ticks is the price divided by the instrument's tick size: with a tick of
  ``0.01``, ``100.25`` is ``10025`` ticks. Any int64 works, negative prices included (spreads,
  some futures), and prices far apart in one book are fine.
* A size in lots is the quantity divided by the lot (size increment): with a lot of
  ``0.001`` BTC, ``1.5`` BTC is ``1500`` lots.

Integers make every comparison and update exact and let the book index its levels directly,
which is what makes it fast. Converting at the edge is one integer division of Lyra's
fixed-point raw values (``value * 10**9``) by the tick or lot size in the same units.

A delta is ``(side, action, price, size)`` with NautilusTrader's codes: side :data:`BUY`
(bids) or :data:`SELL` (asks); action :data:`ADD` or :data:`UPDATE` (both *set* the level's
aggregate size; size 0 removes the level), :data:`DELETE` (remove the level; a missing one
is a no-op counted in :attr:`L2Book.missing_deletes`) or :data:`CLEAR` (empty that side, or
the whole book with side :data:`NO_SIDE`). Anything else raises
:class:`~lyra.errors.InvalidInput` and leaves the book as it was.

Apply deltas one call at a time with :meth:`L2Book.apply`, or hand a whole NumPy batch to
:meth:`L2Book.apply_batch`, which runs the loop in Rust with the GIL released::

    import numpy as np
    from lyra.book import ADD, BUY, DELETE, SELL, L2Book

    book = L2Book()
    book.apply(BUY, ADD, 10025, 3)        # bid 3 lots at 100.25
    book.apply_batch(
        np.array([SELL, SELL, BUY], dtype=np.uint8),
        np.array([ADD, ADD, DELETE], dtype=np.uint8),
        np.array([10027, 10026, 10025], dtype=np.int64),
        np.array([5, 2, 0], dtype=np.uint64),
    )
    assert book.best_ask() == (10026, 2) and book.best_bid() is None

Importing this module loads the compiled extension ``lyra._native`` (importing ``lyra``
alone does not).
"""

from __future__ import annotations

from typing import Final

from lyra import _native
from lyra._native import L2Book

__all__ = ("ADD", "BUY", "CLEAR", "DELETE", "NO_SIDE", "SELL", "UPDATE", "L2Book")

# The codes are the engine's own values, bound here so that each carries its docstring.
NO_SIDE: Final = _native.NO_SIDE
"""Side code ``0``: a ``CLEAR`` with it empties the whole book (valid only with ``CLEAR``)."""
BUY: Final = _native.BUY
"""Side code ``1``: the bids."""
SELL: Final = _native.SELL
"""Side code ``2``: the asks."""
ADD: Final = _native.ADD
"""Action code ``1``: set the level's aggregate size (creates it; size 0 removes it)."""
UPDATE: Final = _native.UPDATE
"""Action code ``2``: set the level's aggregate size (the same effect as ``ADD``)."""
DELETE: Final = _native.DELETE
"""Action code ``3``: remove the level (size ignored; a missing level is a counted no-op)."""
CLEAR: Final = _native.CLEAR
"""Action code ``4``: empty the given side, or the whole book with ``NO_SIDE``."""
