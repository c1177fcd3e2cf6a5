"""AT_THE_OPEN / AT_THE_CLOSE through the binding: ``SimCore.set_auctions``.

The auction rules are tested in Rust (``cargo test``: ``exchange::tests::auction`` and
``models::auction``); these tests pin what crosses the boundary: collection, the uncross
at the auction time, leftovers canceled, rejection without auctions and bad arguments.
"""

from __future__ import annotations

import pytest

from lyra._native import SimCore, reason_text
from lyra.errors import InvalidInput

ACCEPTED, REJECTED, FILLED, CANCELED = 1, 2, 3, 4
BUY, SELL = 1, 2
MARKET, LIMIT = 1, 2
AT_THE_OPEN, AT_THE_CLOSE = 6, 7
L3 = 3
MAKER = 1

Event = tuple[int, int, int, int, int, int, int, int, int, int]


def _reason(name: str) -> int:
    """The code of reason ``name`` (its text starts with it)."""
    codes = []
    for c in range(100):
        try:
            if reason_text(c).startswith(name + ":"):
                codes.append(c)
        except InvalidInput:
            pass
    assert len(codes) == 1, name
    return codes[0]


def _core(opens: list[int], closes: list[int]) -> SimCore:
    core = SimCore()
    core.add_instrument(L3)
    core.set_auctions(0, opens, closes)
    return core


def _send(
    core: SimCore, oid: int, side: int, qty: int, price: int | None, tif: int, account: int = 0
) -> None:
    otype = MARKET if price is None else LIMIT
    core.submit(core.now, 0, oid, account, side, otype, tif, qty, price)


def test_opening_auction_uncrosses_at_the_volume_maximising_price() -> None:
    core = _core([1_000], [])
    # price p:   99  100  101  102
    # D(p):      60   60   40   25   (buys: 25 @102, 15 @101, 20 @100)
    # S(p):      10   30   45   45   (sells: 10 @99, 20 @100, 15 @101)
    # V(p):      10   30   40   25   -> clearing price 101, volume 40.
    _send(core, 1, BUY, 25, 102, AT_THE_OPEN, account=1)
    _send(core, 2, BUY, 15, 101, AT_THE_OPEN, account=1)
    _send(core, 3, BUY, 20, 100, AT_THE_OPEN, account=1)
    _send(core, 4, SELL, 10, 99, AT_THE_OPEN, account=2)
    _send(core, 5, SELL, 20, 100, AT_THE_OPEN, account=2)
    _send(core, 6, SELL, 15, 101, AT_THE_OPEN, account=2)
    core.advance(0)
    accepted = core.drain()
    assert [(e[0], e[3], e[7]) for e in accepted] == [(ACCEPTED, i, 1_000) for i in range(1, 7)]
    assert core.best_bid(0) is None  # collected, not in the book
    core.advance(1_000)
    events = core.drain()
    fills = {e[3]: e[6] for e in events if e[0] == FILLED}
    assert {e[5] for e in events if e[0] == FILLED} == {101}
    assert all(e[7] == MAKER and e[8] == 0 and e[1] == 1_000 for e in events if e[0] == FILLED)
    # Sells (45 eligible) are the long side: 99 and 100 first, then 5 of the 15 at 101.
    assert fills == {1: 25, 2: 15, 4: 10, 5: 20, 6: 10}
    unfilled = _reason("AUCTION_UNFILLED")
    assert [(e[3], e[9]) for e in events if e[0] == CANCELED] == [(3, unfilled), (6, unfilled)]
    assert core.position(0, 1) == 40
    assert core.position(0, 2) == -40


def test_closing_auction_with_market_orders_uses_the_last_trade() -> None:
    core = _core([], [5_000])
    core.trade(0, 10, 250, 1, 0)
    _send(core, 1, BUY, 3, None, AT_THE_CLOSE)
    _send(core, 2, SELL, 5, None, AT_THE_CLOSE)
    core.advance(5_000)
    events = core.drain()
    assert [(e[0], e[3], e[5], e[6]) for e in events if e[0] == FILLED] == [
        (FILLED, 1, 250, 3),
        (FILLED, 2, 250, 3),
    ]
    assert [(e[0], e[3]) for e in events if e[0] == CANCELED] == [(CANCELED, 2)]


def test_without_auctions_auction_orders_are_rejected_with_the_reason() -> None:
    core = SimCore()
    core.add_instrument(L3)
    _send(core, 1, BUY, 1, 100, AT_THE_OPEN)
    _send(core, 2, BUY, 1, 100, AT_THE_CLOSE)
    core.advance(0)
    events = core.drain()
    assert [(e[0], e[9]) for e in events] == [
        (REJECTED, _reason("NO_OPENING_AUCTION")),
        (REJECTED, _reason("NO_CLOSING_AUCTION")),
    ]
    assert "no opening auction" in reason_text(events[0][9])


def test_set_auctions_checks_the_instrument() -> None:
    core = SimCore()
    with pytest.raises(InvalidInput, match="instrument"):
        core.set_auctions(0, [1], [])
