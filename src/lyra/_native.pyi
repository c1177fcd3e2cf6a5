"""Type stubs for ``lyra._native``, the compiled Rust core (crate ``native/lyra-python``).

Import the public faces instead: :mod:`lyra.book` for the order book. This module holds what
the Rust engine exposes, with no Python logic of its own:

* :class:`L2Book`, a market-by-price order book on integer ticks and lots;
* the delta codes (:data:`BUY`, :data:`SELL`, :data:`ADD`, ...), the same values as
  NautilusTrader's ``OrderSide`` / ``BookAction``;
* Lyra's fixed-point convention (:data:`FIXED_PRECISION`, :data:`FIXED_SCALAR`) with exact
  decimal parsing and formatting and raw <-> tick conversion;
* :class:`SimCore`, the simulated exchange behind :mod:`lyra.sim`, and :func:`reason_text`
  for the reason codes of its events.

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
    "Replay",
    "RlCore",
    "RlData",
    "SELL",
    "SimCore",
    "UPDATE",
    "format_fixed",
    "parse_fixed",
    "parse_fixed_unsigned",
    "raw_to_ticks",
    "reason_text",
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

# ------------------------------------------------------------------------ SimCore

@final
class SimCore:
    """A simulated exchange: instruments moved by market data, on which orders match against
    the data and against each other, with latency, GTD/DAY expiry, positions for
    reduce-only and native OCO/OUO/OTO contingencies. The Rust core of
    :class:`lyra.sim.SimulatedExchange`; see ``docs/explanation/simulated-exchange.md``.

    Prices are ``int`` ticks, sizes ``int`` lots, times ``int`` nanoseconds, and every
    enum argument is its ``lyra.model.enums`` value. Commands (:meth:`submit`,
    :meth:`cancel`, :meth:`modify`, :meth:`cancel_all`) are sent at ``ts`` and act at
    ``ts`` + latency, when time reaches it (:meth:`advance` or market data): never inside
    the call that sends them. What happens comes back as events, drained in order with
    :meth:`drain`. Same inputs and seed, same events.

    A ``SimCore`` may be used from any thread, but not from two at once; independent
    instances run in parallel (the batch methods release the GIL).

    Args:
        seed: seed of the latency jitter.
        self_trade: what happens when two orders of one account would trade: 0 cancel the
            incoming one, 1 cancel the resting one, 2 cancel both, 3 allow.
        reject_stops_in_market: reject a conditional order whose trigger is already reached
            (else it fires at once).
        market_protection_ticks: market-style orders trade at most this many ticks through
            the best opposite price (0: no limit).
        day_cutoff_ns: nanoseconds after UTC midnight at which DAY orders expire.
        submit_latency_ns: delay of a submit on its way to the exchange.
        modify_latency_ns: delay of a modify.
        cancel_latency_ns: delay of a cancel or cancel-all.
        latency_jitter_ns: largest extra delay, drawn per command from ``seed``.
        queue_model: where cancellations in an L1/L2 level come from: 0 pessimistic
            (behind our orders), 1 proportional.
        native_contingencies: allow :meth:`link` and :meth:`hold_until_filled`.

    Raises:
        InvalidInput: a code out of range.
        ValueOutOfRange: a number outside its integer range.
    """

    def __new__(
        cls,
        *,
        seed: int = 0,
        self_trade: int = 0,
        reject_stops_in_market: bool = True,
        market_protection_ticks: int = 0,
        day_cutoff_ns: int = 0,
        submit_latency_ns: int = 0,
        modify_latency_ns: int = 0,
        cancel_latency_ns: int = 0,
        latency_jitter_ns: int = 0,
        queue_model: int = 0,
        native_contingencies: bool = True,
    ) -> Self: ...
    def add_instrument(self, book_type: int) -> int:
        """Add an instrument with book type ``book_type`` (1 ``L1_MBP``, 2 ``L2_MBP``,
        3 ``L3_MBO``); return its index (0, 1, ...).

        Raises:
            InvalidInput: an unknown book type.
        """

    def submit(
        self,
        ts: int,
        instrument: int,
        order_id: int,
        account: int,
        side: int,
        order_type: int,
        tif: int,
        qty: int,
        price: int | None = None,
        trigger: int | None = None,
        trigger_type: int = 1,
        expire_ns: int = 0,
        display_qty: int = 0,
        post_only: bool = False,
        reduce_only: bool = False,
        trailing_offset: int = 0,
        trailing_offset_type: int = 0,
        limit_offset: int = 0,
        activation: int | None = None,
    ) -> None:
        """Send a new order at ``ts``; it arrives at ``ts`` + submit latency.

        ``price``, ``trigger`` and ``activation`` are ticks or None; ``expire_ns`` 0,
        ``display_qty`` 0 and ``trailing_offset_type`` 0 mean none; ``trailing_offset`` is
        in ticks (types 1 and 3) or basis points (type 2); ``limit_offset`` in ticks.
        Codes and integer ranges are checked here; the order's rules are checked on
        arrival, where a broken one is a ``REJECTED`` event naming it.

        Raises:
            InvalidInput: an unknown instrument or code, ``order_id`` 0, or the account
                reserved for market data (``2**32 - 1``).
            ValueOutOfRange: a number outside its integer range.
        """

    def cancel(self, ts: int, instrument: int, order_id: int) -> None:
        """Send a cancel of order ``order_id`` at ``ts`` (arrives after the cancel latency).

        Raises:
            InvalidInput: an unknown instrument.
            ValueOutOfRange: a number outside its integer range.
        """

    def modify(
        self,
        ts: int,
        instrument: int,
        order_id: int,
        qty: int | None = None,
        price: int | None = None,
        trigger: int | None = None,
    ) -> None:
        """Send a modify of order ``order_id`` at ``ts``: new total ``qty``, limit ``price``
        and/or ``trigger`` (None keeps the current value).

        Raises:
            InvalidInput: an unknown instrument.
            ValueOutOfRange: a number outside its integer range.
        """

    def cancel_all(self, ts: int, instrument: int, account: int, side: int = 0) -> None:
        """Send a cancel of every open order of ``account`` on ``instrument`` at ``ts``
        (``side`` 1 or 2: only that side's; 0: both). Orders are canceled in id order.

        Raises:
            InvalidInput: an unknown instrument or side.
            ValueOutOfRange: a number outside its integer range.
        """

    def link(self, kind: int, order_ids: list[int]) -> None:
        """Link orders (sent and not yet arrived, or live with nothing filled, all on one
        instrument) into an OCO (``kind`` 1) or OUO (``kind`` 3) group, at once.

        OCO: the first fill of one, partial or full, cancels the others. OUO: a fill of
        one reduces the others' open quantity by as much (``UPDATED``); one left with
        nothing is canceled. Either: one canceled, expired or rejected cancels the rest.

        Raises:
            InvalidInput: native contingencies are off, an unknown kind, or an order that
                is unknown, already linked, filled, or on another instrument (the field
                names it: ``"order_ids[1]"``).
        """

    def hold_until_filled(self, parent_id: int, child_ids: list[int]) -> None:
        """Hold orders sent earlier (and not arrived yet) as OTO children of ``parent_id``.

        On arrival they wait off the book until the parent fills, then are released
        (``RELEASED``, which acknowledges them) sized to the parent's filled quantity, and
        grow (``UPDATED``) with its later fills, up to their own quantity. If the parent
        ends with nothing filled they are canceled.

        Raises:
            InvalidInput: native contingencies are off, an unknown parent, or a child that
                is unknown, already arrived, already a child, or repeated.
        """

    def set_auctions(self, instrument: int, opens: list[int], closes: list[int]) -> None:
        """Set the times (ns) of ``instrument``'s opening and closing call auctions, replacing
        earlier ones; an empty list means none.

        An order with time in force 6 (``AT_THE_OPEN``) or 7 (``AT_THE_CLOSE``) arriving at
        or before the next auction of its kind is collected for it (``ACCEPTED``, ``aux`` the
        auction's time; not in the book); with none ahead it is ``REJECTED``
        (``NO_OPENING_AUCTION`` / ``NO_CLOSING_AUCTION``). When time reaches the auction
        (after the commands and expiries due at that time) the collected orders uncross
        against each other at the price that maximises volume (ties: smallest imbalance,
        then closest to the reference: last trade, else book mid, else mid of the best
        collected limits); fills are ``FILLED`` as maker with no counterparty id, and what
        is left is ``CANCELED`` (``AUCTION_UNFILLED``).

        Raises:
            InvalidInput: an unknown instrument.
        """

    def set_position(self, instrument: int, account: int, lots: int) -> None:
        """Set ``account``'s signed position on ``instrument`` in lots (for reduce-only).

        Raises:
            InvalidInput: an unknown instrument.
        """

    def position(self, instrument: int, account: int) -> int:
        """``account``'s signed position on ``instrument`` in lots (long positive), kept from
        every fill.

        Raises:
            InvalidInput: an unknown instrument.
        """

    def quote(
        self, instrument: int, ts: int, bid: int, ask: int, bid_size: int, ask_size: int
    ) -> None:
        """A top-of-book quote at ``ts`` for an ``L1_MBP`` instrument (L2/L3 instruments
        ignore it, but time moves). Due commands and expiries are handled first.

        Raises:
            InvalidInput: an unknown instrument, or ``ts`` before :attr:`now`.
            ValueOutOfRange: a number outside its integer range.
        """

    def trade(self, instrument: int, ts: int, price: int, size: int, aggressor: int) -> None:
        """A trade print at ``ts``: ``size`` lots at ``price``; ``aggressor`` 1 (buyer: it
        reaches resting sells), 2 (seller: resting buys) or 0 (both).

        Raises:
            InvalidInput: an unknown instrument or aggressor, or ``ts`` before :attr:`now`.
            ValueOutOfRange: a number outside its integer range.
        """

    def delta(
        self,
        instrument: int,
        ts: int,
        side: int,
        action: int,
        price: int,
        size: int,
        order_id: int = 0,
    ) -> None:
        """A book delta at ``ts`` for an ``L2_MBP`` or ``L3_MBO`` instrument (L1 instruments
        ignore it, but time moves). ``side`` 1/2 (0 only with ``CLEAR``), ``action`` 1
        ``ADD``, 2 ``UPDATE``, 3 ``DELETE``, 4 ``CLEAR``; L2 sizes are the level's total,
        L3 deltas name the data order with ``order_id`` (positive).

        Raises:
            InvalidInput: an unknown instrument, side or action, a missing L3 order id, or
                ``ts`` before :attr:`now`.
            ValueOutOfRange: a number outside its integer range.
        """

    def mark(self, instrument: int, ts: int, price: int) -> None:
        """A mark price at ``ts`` (for ``MARK_PRICE`` triggers).

        Raises:
            InvalidInput: an unknown instrument, or ``ts`` before :attr:`now`.
            ValueOutOfRange: a number outside its integer range.
        """

    def quotes(
        self,
        instrument: int,
        ts: npt.NDArray[np.int64],
        bid: npt.NDArray[np.int64],
        ask: npt.NDArray[np.int64],
        bid_size: npt.NDArray[np.uint64],
        ask_size: npt.NDArray[np.uint64],
        start: int = 0,
        stop_on_event: bool = False,
    ) -> int:
        """Quotes from NumPy columns (``ts``, ``bid``, ``ask`` int64; sizes uint64), rows
        ``start`` to the end in order, as :meth:`quote` one by one; with
        ``stop_on_event`` return right after the first row that produced an event. Returns
        the index after the last row processed. The columns are checked first (a bad one
        changes nothing); the GIL is released for 1024 rows or more.

        Raises:
            InvalidInput: a column of the wrong type, dtype or layout, columns of different
                lengths, ``start`` past the end, or time going back (``"ts[7]"``).
        """

    def trades(
        self,
        instrument: int,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
        aggressor: npt.NDArray[np.uint8],
        start: int = 0,
        stop_on_event: bool = False,
    ) -> int:
        """Trades from NumPy columns (``ts``, ``price`` int64, ``size`` uint64,
        ``aggressor`` uint8), as :meth:`trade` one by one; see :meth:`quotes`.

        Raises:
            InvalidInput: as :meth:`quotes`, or an invalid aggressor (``"aggressor[3]"``).
        """

    def deltas(
        self,
        instrument: int,
        ts: npt.NDArray[np.int64],
        side: npt.NDArray[np.uint8],
        action: npt.NDArray[np.uint8],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
        order_id: npt.NDArray[np.uint64],
        start: int = 0,
        stop_on_event: bool = False,
    ) -> int:
        """Deltas from NumPy columns (``ts``, ``price`` int64; ``side``, ``action`` uint8;
        ``size``, ``order_id`` uint64), as :meth:`delta` one by one; see :meth:`quotes`.

        Raises:
            InvalidInput: as :meth:`quotes`, or an invalid side/action/order id
                (``"side[12]"``).
        """

    def advance(self, ts: int) -> None:
        """Move time to ``ts``: deliver every command that has arrived and expire every
        GTD/DAY order due, in time order (an expiry before a command at the same time).

        Raises:
            InvalidInput: ``ts`` before :attr:`now`.
        """

    @property
    def now(self) -> int:
        """The exchange's time in nanoseconds (the latest data or :meth:`advance` time)."""

    def drain(self) -> list[tuple[int, int, int, int, int, int, int, int, int, int]]:
        """Take every event, in the order they happened, as tuples ``(kind, ts, instrument,
        order_id, account, price, qty, liquidity_or_aux, other_id, reason)``.

        ``kind``: 1 ``ACCEPTED`` (price, qty as accepted), 2 ``REJECTED``, 3 ``FILLED``
        (price, qty of the fill; aux 1 maker / 2 taker; other_id the counterparty, 0 for
        market data), 4 ``CANCELED``, 5 ``EXPIRED``, 6 ``TRIGGERED``, 7 ``UPDATED``
        (changed by the exchange: price, qty = new total, aux = trigger), 8 ``MODIFIED``
        (price, qty, aux = trigger), 9 ``MODIFY_REJECTED``, 10 ``CANCEL_REJECTED``,
        11 ``RELEASED`` (a held OTO child entered the book, with qty: its acknowledgement).
        ``reason`` is 0 or a code for :func:`reason_text`; a refusal's parameter (the best
        price, the position, ...) is in aux.
        """

    def pending_events(self) -> int:
        """Number of events not drained yet."""

    def best_bid(self, instrument: int) -> tuple[int, int] | None:
        """The best bid as ``(price, size)`` as the exchange sees it (market data and orders
        together), or None.

        Raises:
            InvalidInput: an unknown instrument.
        """

    def best_ask(self, instrument: int) -> tuple[int, int] | None:
        """The best ask as ``(price, size)`` as the exchange sees it, or None.

        Raises:
            InvalidInput: an unknown instrument.
        """

    def open_order_ids(self, instrument: int) -> list[int]:
        """Ids of the open orders of ``instrument`` (resting, waiting for a trigger, or held
        as OTO children), ascending.

        Raises:
            InvalidInput: an unknown instrument.
        """

# ------------------------------------------------------------------------ Replay

@final
class Replay:
    """Market-data streams merged by time and fed into several :class:`SimCore` objects; the
    Rust loop of :class:`lyra.backtest.Backtest` (see ``docs/explanation/backtest-engine.md``).

    Each stream holds one chunk of columns at a time: the quotes, trades or book deltas of
    one instrument of one core, or bare timestamps (``exchange=None``) of data only the
    caller handles. :meth:`run` feeds rows in merged order (ascending time; ties in the
    order the streams were added, then row order) until the caller is needed.

    Args:
        cores: the exchanges the streams feed, referred to by their index here.
    """

    def __new__(cls, cores: list[SimCore]) -> Self: ...
    def add_stream(self, exchange: int | None, instrument: int = 0, publish: bool = False) -> int:
        """Add a stream feeding instrument ``instrument`` of core ``exchange`` (``None``: a
        timestamps-only stream); ``publish``: :meth:`run` returns after each of its rows.
        Returns the stream's index. Its first chunk comes with a ``set_*`` method.

        Raises:
            InvalidInput: ``exchange`` is not an index into ``cores``.
        """

    def set_quotes(
        self,
        stream: int,
        ts: npt.NDArray[np.int64],
        bid: npt.NDArray[np.int64],
        ask: npt.NDArray[np.int64],
        bid_size: npt.NDArray[np.uint64],
        ask_size: npt.NDArray[np.uint64],
        last: bool = False,
    ) -> None:
        """Set stream ``stream``'s next chunk of quotes (``ts``, ``bid``, ``ask`` int64,
        ``bid_size``, ``ask_size`` uint64); ``last``: no chunk follows. The columns are
        copied.

        Raises:
            InvalidInput: a column of the wrong dtype or length, or time going back.
        """

    def set_trades(
        self,
        stream: int,
        ts: npt.NDArray[np.int64],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
        aggressor: npt.NDArray[np.uint8],
        last: bool = False,
    ) -> None:
        """Set stream ``stream``'s next chunk of trades (``ts``, ``price`` int64, ``size``
        uint64, ``aggressor`` uint8); see :meth:`set_quotes`.

        Raises:
            InvalidInput: as :meth:`set_quotes`.
        """

    def set_deltas(
        self,
        stream: int,
        ts: npt.NDArray[np.int64],
        side: npt.NDArray[np.uint8],
        action: npt.NDArray[np.uint8],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
        order_id: npt.NDArray[np.uint64],
        last: bool = False,
    ) -> None:
        """Set stream ``stream``'s next chunk of book deltas (``ts``, ``side``, ``action``
        uint8, ``price`` int64, ``size``, ``order_id`` uint64); see :meth:`set_quotes`.

        Raises:
            InvalidInput: as :meth:`set_quotes`.
        """

    def set_times(self, stream: int, ts: npt.NDArray[np.int64], last: bool = False) -> None:
        """Set the next chunk of a timestamps-only stream (``ts`` int64); see
        :meth:`set_quotes`.

        Raises:
            InvalidInput: as :meth:`set_quotes`.
        """

    def end_stream(self, stream: int) -> None:
        """Mark stream ``stream`` as ended once its current chunk is used up.

        Raises:
            InvalidInput: an unknown stream.
        """

    def set_publish(self, stream: int, publish: bool) -> None:
        """Set whether :meth:`run` returns after each row of stream ``stream``.

        Raises:
            InvalidInput: an unknown stream.
        """

    def run(self, stop_ts: int) -> tuple[int, int, int, int, bool]:
        """Feed rows in merged order until the caller is needed; never a row at or after
        ``stop_ts``. Returns ``(reason, stream, row, ts, events)``: reason 0 every stream
        ended; 1 ``stream`` needs its next chunk (or :meth:`end_stream`); 2 the next row
        (of ``stream``, at ``ts``) is at or after ``stop_ts`` and was not fed; 3 row ``row``
        of ``stream`` at ``ts`` was fed, and it is published or made its core's events
        pending (``events``).

        Raises:
            InvalidInput: a row a core refused (named ``stream[2] row 7: <field>``; it and
                later rows stay unfed), or a core given twice.
        """

    def position(self, stream: int) -> int:
        """The next row of stream ``stream`` within its current chunk.

        Raises:
            InvalidInput: an unknown stream.
        """

    @property
    def rows_fed(self) -> int:
        """Rows fed so far, over all streams."""

    @property
    def streams(self) -> int:
        """How many streams there are."""

def reason_text(code: int) -> str:
    """The text of an event's ``reason`` code (``"NAME: explanation"``).

    Raises:
        InvalidInput: a code that names no reason.
    """

def _bench_matching(n_ops: int, seed: int) -> float:
    """Time ``n_ops`` commands of a fixed-seed limit/cancel/market mix run through a
    ``SimCore``-equivalent exchange entirely in Rust; return the seconds taken (for the
    benchmarks).
    """

# -- reinforcement learning environments (lyra.rl) -----------------------------------------

@final
class RlData:
    """One instrument's market data for the RL environments, held once in Rust and shared by
    every :class:`RlCore` built on it: L1 quotes or L2 level deltas (prices in ticks, sizes
    in lots, times in ns), merged by time with optional trades. Build it with
    :meth:`from_quotes` or :meth:`from_deltas`; :class:`lyra.rl.EnvData` does that from
    Lyra's batches.
    """

    @staticmethod
    def from_quotes(
        ts: npt.NDArray[np.int64],
        bid: npt.NDArray[np.int64],
        ask: npt.NDArray[np.int64],
        bid_size: npt.NDArray[np.uint64],
        ask_size: npt.NDArray[np.uint64],
        trades: tuple[
            npt.NDArray[np.int64],
            npt.NDArray[np.int64],
            npt.NDArray[np.uint64],
            npt.NDArray[np.uint8],
        ]
        | None = None,
    ) -> RlData:
        """L1 data from NumPy columns: ``ts``, ``bid``, ``ask`` int64 and ``bid_size``,
        ``ask_size`` uint64; ``trades`` is ``None`` or a tuple ``(ts, price, size,
        aggressor)`` of int64, int64, uint64 and uint8 columns (aggressor 0 none, 1 buyer,
        2 seller). Book rows come before trades at equal times.

        Raises:
            InvalidInput: a column of the wrong dtype or layout, columns of different
                lengths, time going back (``"ts[7]"``), or a size of 2**56 lots or more.
        """

    @staticmethod
    def from_deltas(
        ts: npt.NDArray[np.int64],
        side: npt.NDArray[np.uint8],
        action: npt.NDArray[np.uint8],
        price: npt.NDArray[np.int64],
        size: npt.NDArray[np.uint64],
        trades: tuple[
            npt.NDArray[np.int64],
            npt.NDArray[np.int64],
            npt.NDArray[np.uint64],
            npt.NDArray[np.uint8],
        ]
        | None = None,
    ) -> RlData:
        """L2 data from NumPy columns: ``ts``, ``price`` int64, ``side``, ``action`` uint8
        (side 1 buy, 2 sell, or 0 with CLEAR; action 1 ADD, 2 UPDATE, 3 DELETE, 4 CLEAR),
        ``size`` uint64; ``trades`` as in :meth:`from_quotes`.

        Raises:
            InvalidInput: as :meth:`from_quotes`, or a bad side or action (``"side[3]"``).
        """

    @property
    def rows(self) -> int:
        """Number of rows (book rows and trades)."""

    @property
    def trades(self) -> int:
        """Number of trade rows."""

    @property
    def book_type(self) -> int:
        """``BookType`` code: 1 (``L1_MBP``) for quotes, 2 (``L2_MBP``) for deltas."""

    @property
    def size_scale(self) -> float:
        """Mean touch size in lots: the default scale of sizes in observations."""

    @property
    def first_ready(self) -> int | None:
        """First row after which the data shows both a bid and an ask (``None``: never)."""

    def top(self, row: int) -> tuple[int, int, int, int]:
        """The data's own top of book after row ``row``: ``(bid, ask, bid_size, ask_size)``
        (a side the data emptied keeps its last price with size 0).

        Raises:
            InvalidInput: ``row`` out of range.
        """

    def ts(self, row: int) -> int:
        """Time of row ``row`` (ns).

        Raises:
            InvalidInput: ``row`` out of range.
        """

@final
class RlCore:
    """``num_envs`` trading environments over one :class:`RlData`, stepped together in one
    call: the Rust core of :class:`lyra.rl.TradingEnv` (one environment) and
    :class:`lyra.rl.VectorTradingEnv`. Environment ``i`` is seeded ``seed + i``.

    :meth:`reset` and :meth:`step` return new arrays; the core also keeps :attr:`state`
    (and in same-step autoreset mode :attr:`final_obs` and :attr:`final_mask`), which every
    call overwrites in place. Codes: ``action`` 0 discrete, 1 target, 2 quote; ``reward`` 0
    pnl, 1 pnl_net, 2 differential_sharpe; ``autoreset`` 0 next step, 1 same step, 2
    disabled; ``queue_model`` 0 pessimistic, 1 proportional. ``step_ns`` > 0 steps by time
    instead of by ``step_rows``; ``max_loss`` 0 or infinite never ends an episode early;
    ``size_scale`` 0 uses the data's mean touch size. ``lyra.rl.EnvConfig`` documents every
    field.

    Raises:
        InvalidInput: a bad setting (named), or data too short for one episode.
    """

    def __new__(
        cls,
        data: RlData,
        num_envs: int = 1,
        *,
        seed: int | None = None,
        autoreset: int = 0,
        action: int = 0,
        reward: int = 1,
        depth: int = 1,
        window: int = 8,
        stride: int = 1,
        trades: int = 0,
        account: bool = True,
        time: bool = True,
        trade_size: int = 1,
        max_position: int = 1,
        max_offset: int = 5,
        maker_fee: float = 0.0,
        taker_fee: float = 0.0,
        tick_value: float = 1.0,
        pnl_scale: float = 1.0,
        inventory_penalty: float = 0.0,
        sharpe_eta: float = 0.01,
        max_loss: float = 0.0,
        episode_steps: int = 1000,
        step_rows: int = 1,
        step_ns: int = 0,
        random_start: bool = True,
        latency_ns: int = 0,
        queue_model: int = 0,
        size_scale: float = 0.0,
    ) -> Self: ...
    @property
    def num_envs(self) -> int:
        """Number of environments."""

    @property
    def obs_dim(self) -> int:
        """Length of one observation."""

    @property
    def action_dim(self) -> int:
        """Numbers per action: 1 (discrete: one integer; target: one float) or 2 (quote)."""

    @property
    def obs_bound(self) -> float:
        """Observations are clipped to ``[-obs_bound, obs_bound]``."""

    @property
    def layout(self) -> list[tuple[str, int, int]]:
        """The observation's blocks as ``(name, start, stop)``, in order."""

    @property
    def state_columns(self) -> list[str]:
        """Names of the :attr:`state` columns, in order."""

    @property
    def start_range(self) -> tuple[int, int]:
        """The rows an episode may start at: ``(first, last)``."""

    @property
    def state(self) -> npt.NDArray[np.float64]:
        """Per-environment state after the last call, ``(num_envs, len(state_columns))``
        float64: the step's PnL change and fees, the episode's PnL after fees, position,
        mid (ticks), lots traded, built-in reward, steps into the episode, unrealized PnL.
        Overwritten in place by every call.
        """

    @property
    def final_obs(self) -> npt.NDArray[np.float32]:
        """Same-step autoreset: the last observation of each environment whose episode
        ended in the last step (rows where :attr:`final_mask` is set); empty otherwise.
        """

    @property
    def final_mask(self) -> npt.NDArray[np.bool_]:
        """Same-step autoreset: which rows of :attr:`final_obs` are set."""

    @property
    def ended(self) -> list[bool]:
        """Which environments ended at the last step and wait to be reset (next-step mode:
        at the next :meth:`step`; disabled mode: by :meth:`reset` with a mask).
        """

    def position(self, i: int) -> int:
        """Signed position (lots) of environment ``i``.

        Raises:
            InvalidInput: ``i`` out of range.
        """

    def cursor(self, i: int) -> int:
        """The next data row environment ``i`` will feed.

        Raises:
            InvalidInput: ``i`` out of range.
        """

    def reset(
        self,
        seeds: list[int | None] | None = None,
        mask: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.float32]:
        """Reset the environments: all, or those where ``mask`` (a bool array) is set.
        ``seeds`` is ``None`` (each goes on to its next episode) or a list with an int
        (reseed) or ``None`` per environment. Returns a new ``(num_envs, obs_dim)`` array
        of every environment's observation (the others' as their last step left it).

        Raises:
            InvalidInput: a seeds list or mask of the wrong length or type.
        """

    def step(
        self, actions: npt.ArrayLike
    ) -> tuple[
        npt.NDArray[np.float32],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        int,
    ]:
        """Step every environment: ``actions`` is an int array of ``num_envs`` (discrete) or
        a float array of ``num_envs * action_dim`` numbers (any shape); int64 / float32
        C-contiguous arrays go straight through, anything else is converted first. Returns
        new arrays ``(obs, reward, terminated, truncated)`` and the number of environments
        whose episode ended in this step; :attr:`state` (and :attr:`final_obs`) are
        written in place. The GIL is released for 128 environments or more.

        Raises:
            InvalidInput: actions of the wrong length, an action out of range
                (``"action[3]"``; nothing moves then), or an environment that must be reset
                first (disabled autoreset).
        """

    def step1(
        self, action: object
    ) -> tuple[npt.NDArray[np.float32], float, bool, bool, int, float]:
        """Step environment 0 alone (no autoreset): ``action`` is an int (discrete), a float
        (target) or a sequence / float32 array of ``action_dim`` floats. Returns ``(obs,
        reward, terminated, truncated, position, equity)`` with a new observation array;
        :attr:`state` row 0 is written too.

        Raises:
            InvalidInput: an action out of range or of the wrong kind.
        """

    def reset1(self, seed: int | None = None) -> npt.NDArray[np.float32]:
        """Reset environment 0 alone (``seed`` ``None``: its next episode) and return a new
        array with its first observation; :attr:`state` row 0 is written too.
        """
