"""Type stubs for ``lyra._native``, the compiled Rust core (crate ``native/lyra-python``).

Import the public faces instead: :mod:`lyra.book` for the order book. This module holds what
the Rust engine exposes, with no Python logic of its own:

* :class:`L2Book`, a market-by-price order book on integer ticks and lots;
* the delta codes (:data:`BUY`, :data:`SELL`, :data:`ADD`, ...), the same values as
  NautilusTrader's ``OrderSide`` / ``BookAction``;
* Lyra's fixed-point convention (:data:`FIXED_PRECISION`, :data:`FIXED_SCALAR`) with exact
  decimal parsing and formatting and raw <-> tick conversion.

Every refusal raises an exception from :mod:`lyra.errors`, all of them ``ValueError``
subclasses: :class:`~lyra.errors.InvalidInput` for malformed input,
:class:`~lyra.errors.PrecisionError` for too many decimal places and
:class:`~lyra.errors.ValueOutOfRange` for a number outside its integer range. A wrong Python
type (a ``float`` where an ``int`` is expected) raises ``TypeError`` as usual.
"""

from typing import Final, Literal, Self, final

import numpy as np
import numpy.typing as npt

# A list, not a tuple: pyo3 builds the runtime module's __all__ as a list.
__all__ = [
    "ADD",
    "BUY",
    "CLEAR",
    "DEFAULT_MAX_WINDOW",
    "DELETE",
    "FIXED_PRECISION",
    "FIXED_SCALAR",
    "L2Book",
    "NO_SIDE",
    "SELL",
    "UPDATE",
    "format_fixed",
    "parse_fixed",
    "parse_fixed_unsigned",
    "raw_to_ticks",
    "ticks_to_raw",
]

NO_SIDE: Final = 0
"""Side code of a ``CLEAR`` that empties the whole book (valid only with ``CLEAR``)."""
BUY: Final = 1
"""Side code of the bids."""
SELL: Final = 2
"""Side code of the asks."""
ADD: Final = 1
"""Action code: set the level's aggregate size (creates the level; size 0 removes it)."""
UPDATE: Final = 2
"""Action code: set the level's aggregate size (same effect as ``ADD``)."""
DELETE: Final = 3
"""Action code: remove the level (the size is ignored; a missing level is a counted no-op)."""
CLEAR: Final = 4
"""Action code: empty the given side, or the whole book with ``NO_SIDE``."""
DEFAULT_MAX_WINDOW: Final = 65536
"""Default largest dense window of an :class:`L2Book` side, in ticks."""

FIXED_PRECISION: Final = 9
"""Decimal places carried by a raw fixed-point integer."""
FIXED_SCALAR: Final = 1_000_000_000
"""``10**FIXED_PRECISION``: the raw value of 1."""

@final
class L2Book:
    """A price-level (market-by-price, "L2") order book on integer ticks and lots.

    Prices are ``int`` ticks (any signed 64-bit value, negative included) and sizes ``int``
    lots (unsigned 64-bit); each level holds one aggregate size. A delta is
    ``(side, action, price, size)``:

    * ``ADD`` and ``UPDATE`` both set the level's size, creating the level if needed;
      size 0 removes the level.
    * ``DELETE`` removes the level; deleting a missing level is a no-op counted in
      :attr:`missing_deletes`.
    * ``CLEAR`` empties side ``BUY`` or ``SELL``, or the whole book with ``NO_SIDE``.
    * Any other side or action code raises :class:`~lyra.errors.InvalidInput` and leaves the
      book unchanged.

    The book mirrors its feed and does not check that it is uncrossed. A book may be used
    from any thread, but not from two at once: a call made while another thread is inside
    :meth:`apply_batch` on the same book raises ``RuntimeError`` (already borrowed).

    Args:
        max_window: largest dense window per side, in ticks (rounded up to a power of two,
            at least 64). Levels further below the best than half of it are kept in a
            slower sorted map; results are identical either way.
    """

    def __new__(cls, *, max_window: int = 65536) -> Self: ...
    def apply(self, side: int, action: int, price: int, size: int) -> None:
        """Apply one delta.

        Raises:
            InvalidInput: an unknown side or action code (the book is unchanged).
            ValueOutOfRange: ``price`` outside int64 or ``size`` outside uint64.
        """

    def apply_batch(
        self,
        side: npt.NDArray[np.uint8],
        action: npt.NDArray[np.uint8],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
    ) -> int:
        """Apply a batch of deltas given as four equal-length NumPy columns; return how many.

        Each column must be 1-D, C-contiguous and of exactly the dtype shown (convert with
        ``np.ascontiguousarray(col, dtype=np.uint8)`` and so on). The whole batch is checked
        before anything is applied, so a bad delta anywhere leaves the book unchanged; the
        error's ``field`` names it (``"side[12]"``). The loop runs in Rust, with the GIL
        released for batches of 1024 deltas or more.

        Raises:
            InvalidInput: a column of the wrong type, dtype, shape or layout, columns of
                different lengths, or an invalid side/action code.
        """

    def best_bid(self) -> tuple[int, int] | None:
        """The highest bid as ``(price, size)``, or None if there are no bids."""

    def best_ask(self) -> tuple[int, int] | None:
        """The lowest ask as ``(price, size)``, or None if there are no asks."""

    def best_bid_price(self) -> int | None:
        """The highest bid price, or None (cheaper than :meth:`best_bid`: no tuple)."""

    def best_ask_price(self) -> int | None:
        """The lowest ask price, or None (cheaper than :meth:`best_ask`: no tuple)."""

    def level(self, side: int, price: int) -> int | None:
        """The size of the level at ``price`` on ``side`` (``BUY`` or ``SELL``), or None."""

    def depth(self, side: int, n: int) -> list[tuple[int, int]]:
        """The best ``n`` levels of ``side`` (``BUY`` or ``SELL``), best first, as
        ``(price, size)`` tuples (fewer if the side has fewer levels)."""

    def bid_levels(self) -> int:
        """The number of bid levels."""

    def ask_levels(self) -> int:
        """The number of ask levels."""

    def clear(self) -> None:
        """Remove every level on both sides (:attr:`missing_deletes` is kept)."""

    def spread(self) -> int | None:
        """Best ask minus best bid, in ticks (negative while the feed shows a crossed book),
        or None unless both sides have a level."""

    def mid(self) -> float | None:
        """``(best bid + best ask) / 2`` in ticks as a float (it may be a half tick), or None
        unless both sides have a level."""

    @property
    def missing_deletes(self) -> int:
        """How many ``DELETE`` deltas named a level that did not exist (cumulative)."""

def parse_fixed(text: str) -> int:
    """Parse a decimal string to a raw signed fixed-point integer (``value * 10**9``), exactly.

    The form is ``[+-]digits[.digits]`` with at most 9 decimal places: no exponent, no
    spaces, no separators, a digit on both sides of a point. ``parse_fixed("-12.3400")`` is
    ``-12_340_000_000``.

    Raises:
        InvalidInput: empty or malformed text (the message names the offending character).
        PrecisionError: more than 9 decimal places (trailing zeros count).
        ValueOutOfRange: the raw value does not fit a signed 64-bit integer.
    """

def parse_fixed_unsigned(text: str) -> int:
    """Like :func:`parse_fixed` for quantities: the raw value is an unsigned 64-bit integer.

    Raises:
        ValueOutOfRange: a negative value (``-0`` is zero and allowed) or one above
            ``18446744073.709551615``.
    """

def format_fixed(raw: int, precision: int) -> str:
    """Write a raw fixed-point integer with exactly ``precision`` (0..9) decimal places.

    ``raw`` may be a signed (price) or unsigned (quantity) 64-bit raw.
    ``format_fixed(-12_340_000_000, 2)`` is ``"-12.34"``. Nothing is rounded: a value with
    non-zero digits beyond ``precision`` is refused.

    Raises:
        PrecisionError: ``precision`` outside 0..9, or digits that ``precision`` would drop.
        ValueOutOfRange: ``raw`` outside ``-2**63 .. 2**64 - 1``.
    """

def raw_to_ticks(
    raw: int, tick: int, rounding: Literal["down", "up", "half_even"] | None = None
) -> int:
    """Convert a raw price to a whole number of ticks of ``tick`` raw units.

    Without ``rounding`` the price must be an exact multiple of the tick. ``"down"`` rounds
    toward negative infinity, ``"up"`` toward positive infinity and ``"half_even"`` to the
    nearest tick with exact halves to the even one. The result always fits in int64.

    Raises:
        InvalidInput: not a multiple of the tick and no ``rounding``, or an unknown mode.
        ValueOutOfRange: ``tick`` not positive, or an argument outside int64.
    """

def ticks_to_raw(ticks: int, tick: int) -> int:
    """Convert a number of ticks of ``tick`` raw units back to a raw price (``ticks * tick``).

    Raises:
        ValueOutOfRange: ``tick`` not positive, or the product outside int64.
    """
