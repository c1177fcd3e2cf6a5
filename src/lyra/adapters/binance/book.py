"""Binance order book sync rules, spot and USD-M futures, on :class:`~lyra.adapters.BookSync`.

Both follow Binance's documented procedure: open the diff stream and buffer it, fetch a
REST snapshot (``lastUpdateId``), drop what the snapshot contains, check that the first
remaining update bridges the snapshot, then check continuity on every update. Quantities
are absolute; ``"0"`` removes the level (removing a level the book does not have is
normal and harmless).

=================  ===============================  ===================================
rule               spot (``U``, ``u``)              futures (``U``, ``u``, ``pu``)
=================  ===============================  ===================================
already contained  ``u <= lastUpdateId``            ``u < lastUpdateId`` (first), then
                                                    ``u <= last u``
first after snap   ``U <= lastUpdateId + 1 <= u``   ``U <= lastUpdateId <= u``
continuity         ``U == previous u + 1``          ``pu == previous u``
=================  ===============================  ===================================
"""

from __future__ import annotations

from collections.abc import Sequence

from lyra.adapters.binance.messages import DepthUpdate
from lyra.adapters.book_sync import BookSync

__all__ = ("BinanceFuturesBookSync", "BinanceSpotBookSync")


class BinanceSpotBookSync(BookSync[DepthUpdate]):
    """Binance spot ``<symbol>@depth`` sync (``U``/``u`` continuity)."""

    __slots__ = ()

    def first_id(self, update: DepthUpdate) -> int:
        return update.first_id

    def last_id(self, update: DepthUpdate) -> int:
        return update.final_id

    def is_stale(self, update: DepthUpdate, book_id: int, after_snapshot: bool) -> bool:
        return update.final_id <= book_id

    def bridges(self, update: DepthUpdate, snapshot_id: int) -> bool:
        return update.first_id <= snapshot_id + 1 <= update.final_id

    def continues(self, update: DepthUpdate, previous_id: int) -> bool:
        return update.first_id == previous_id + 1

    def bid_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.bids

    def ask_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.asks


class BinanceFuturesBookSync(BookSync[DepthUpdate]):
    """Binance USD-M futures ``<symbol>@depth`` sync (``pu`` continuity)."""

    __slots__ = ()

    def first_id(self, update: DepthUpdate) -> int:
        return update.first_id

    def last_id(self, update: DepthUpdate) -> int:
        return update.final_id

    def is_stale(self, update: DepthUpdate, book_id: int, after_snapshot: bool) -> bool:
        if after_snapshot:
            return update.final_id < book_id
        return update.final_id <= book_id

    def bridges(self, update: DepthUpdate, snapshot_id: int) -> bool:
        return update.first_id <= snapshot_id <= update.final_id

    def snapshot_too_old(self, update: DepthUpdate, snapshot_id: int) -> bool:
        return update.first_id > snapshot_id

    def continues(self, update: DepthUpdate, previous_id: int) -> bool:
        return update.prev_final_id == previous_id

    def bid_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.bids

    def ask_levels(self, update: DepthUpdate) -> Sequence[tuple[str, str]]:
        return update.asks
