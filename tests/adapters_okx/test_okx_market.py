"""OKX trades, tickers and bbo pushes -> Lyra trade and quote ticks (recorded data)."""

from __future__ import annotations

from lyra.adapters.okx.market import bbo_quote, quote_tick, trade_tick
from lyra.adapters.okx.messages import BookMessage, TickersMessage, TradesMessage, decode_ws
from lyra.model.enums import AggressorSide
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Price, Quantity

from .recorded import instruments, ws_frames


def test_recorded_trades_and_tickers_become_ticks() -> None:
    insts = instruments()
    trades = quotes = 0
    for frame in ws_frames():
        msg = decode_ws(frame)
        if isinstance(msg, TradesMessage):
            for data in msg.data:
                inst = insts[InstrumentId(f"{data.inst_id}.OKX")]
                tick = trade_tick(data, inst, ts_init=1)
                assert tick.price.precision == inst.price_precision
                assert tick.price == Price(data.px) and tick.size == Quantity(data.sz)
                assert tick.aggressor_side is (
                    AggressorSide.BUYER if data.side == "buy" else AggressorSide.SELLER
                )
                assert tick.ts_event == int(data.ts) * 10**6 and tick.trade_id == data.trade_id
                trades += 1
        elif isinstance(msg, TickersMessage):
            for t in msg.data:
                quote = quote_tick(t, insts[InstrumentId(f"{t.inst_id}.OKX")], ts_init=1)
                assert quote is not None and quote.bid_price == Price(t.bid_px)
                assert quote.bid_price <= quote.ask_price
                quotes += 1
    assert (trades, quotes) == (74, 28)


def test_bbo_push() -> None:
    msg = decode_ws(
        '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["30001","0.5","0","2"]],'
        '"bids":[["30000.5","1.25","0","3"]],"ts":"1700000000000","seqId":5}]}'
    )
    assert isinstance(msg, BookMessage)
    inst = instruments()[InstrumentId("BTC-USDT.OKX")]
    quote = bbo_quote(msg.data[0], inst, ts_init=2)
    assert quote is not None
    assert (str(quote.bid_price), str(quote.ask_price)) == ("30000.5", "30001.0")
    assert (quote.bid_size, quote.ask_size) == (Quantity("1.25"), Quantity("0.5"))
    empty = decode_ws(
        '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[],"ts":"1"}]}'
    )
    assert isinstance(empty, BookMessage) and bbo_quote(empty.data[0], inst, 0) is None
