"""Kraken v2 trades and tickers -> Lyra trade and quote ticks."""

from __future__ import annotations

from lyra.adapters.kraken.market import quote_tick, trade_tick
from lyra.adapters.kraken.messages import TickerMessage, TradesMessage, decode_ws
from lyra.model.enums import AggressorSide
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Price, Quantity

BTC = CurrencyPair.simple("BTC/USD.KRAKEN", price_increment="0.1", size_increment="0.00000001")


def test_trades() -> None:
    msg = decode_ws(
        '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":'
        '105944.2,"qty":0.00027625,"ord_type":"limit","trade_id":10218208,"timestamp":'
        '"2023-10-06T17:35:55.440295Z"}]}'
    )
    assert isinstance(msg, TradesMessage)
    tick = trade_tick(msg.data[0], BTC, ts_init=5)
    assert (str(tick.price), str(tick.size)) == ("105944.2", "0.00027625")
    assert tick.aggressor_side is AggressorSide.SELLER and tick.trade_id == "10218208"
    assert tick.ts_event == 1696613755440295000 and tick.ts_init == 5


def test_tickers() -> None:
    msg = decode_ws(
        '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":45283.5,'
        '"bid_qty":0.1,"ask":45285.2,"ask_qty":0.001,"last":45284}]}'
    )
    assert isinstance(msg, TickerMessage)
    quote = quote_tick(msg.data[0], BTC, ts_init=9)
    assert quote is not None and quote.bid_price == Price("45283.5")
    assert quote.ask_size == Quantity("0.00100000") and quote.ts_event == 9
    half = decode_ws('{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":1}]}')
    assert isinstance(half, TickerMessage) and quote_tick(half.data[0], BTC, 0) is None
