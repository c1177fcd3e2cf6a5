"""The EventBus in one page: topics, wildcards, priorities, errors, endpoints, requests.

A quote feed publishes on ``lyra.topics`` topics; a risk check (high priority) and a
strategy (default priority) subscribe with wildcards; a broken handler shows that one
failure does not stop the others; a pricing service answers requests on an endpoint, and
a request nobody answers times out on a TestClock.

Run: ``python examples/event_bus.py``
"""

from __future__ import annotations

import logging

import msgspec

from lyra import topics
from lyra.bus import EventBus, HandlerError, Request, Response
from lyra.clock import TestClock

__all__ = ("Quote", "main")

MS = 1_000_000


class Quote(msgspec.Struct, frozen=True):
    """A toy quote (Lyra's real one is lyra.model's QuoteTick)."""

    instrument_id: str
    bid: int
    ask: int


def main() -> None:
    """Wire a bus, publish a few quotes, make a few requests, print what happened."""
    logging.basicConfig(level=logging.CRITICAL)  # the bus logs handler errors; keep it quiet
    clock = TestClock(start_ns=0)
    bus = EventBus(clock=clock)
    out: list[str] = []

    def risk_check(q: Quote) -> None:
        out.append(f"  risk     {q.instrument_id} spread={q.ask - q.bid}")

    def strategy(q: Quote) -> None:
        out.append(f"  strategy {q.instrument_id} mid={(q.bid + q.ask) / 2}")

    def broken(q: Quote) -> None:
        raise ZeroDivisionError("a bug in someone's handler")

    def on_error(err: HandlerError) -> None:
        name = err.handler.rsplit(".", 1)[-1]
        out.append(f"  error    {err.error_type} in {name}: {err.message}")

    bus.subscribe("data.quotes.BINANCE.*", strategy)  # every Binance quote
    bus.subscribe("data.quotes.*", risk_check, priority=10)  # every quote, first
    bus.subscribe(topics.quotes("ETHUSDT.BINANCE"), broken)
    bus.subscribe(topics.BUS_ERRORS, on_error)

    print("publish:")
    for iid, bid, ask in [
        ("BTCUSDT.BINANCE", 6_500_000, 6_500_010),
        ("ETHUSDT.BINANCE", 350_000, 350_002),
        ("BTC-USDT.OKX", 6_500_003, 6_500_011),
    ]:
        out.append(f" {topics.quotes(iid)}")
        bus.publish(topics.quotes(iid), Quote(iid, bid, ask))
    print("\n".join(out))
    out.clear()

    # Point-to-point request/response: the endpoint answers now, or keeps the request.
    held: list[Request] = []

    def pricing(req: Request) -> None:
        if req.payload == "slow":
            held.append(req)  # never answered: the request will time out
        else:
            bus.respond(req.correlation_id, f"price of {req.payload} = 42")

    def on_response(resp: Response) -> None:
        out.append(f"  response #{resp.correlation_id}: {resp.payload}")

    def on_timeout(correlation_id: int) -> None:
        out.append(f"  timeout  #{correlation_id} at t={clock.timestamp_ns() // MS} ms")

    bus.register("pricing", pricing)
    bus.request("pricing", "BTCUSDT.BINANCE", on_response)
    slow = bus.request("pricing", "slow", on_response, timeout_ns=250 * MS, on_timeout=on_timeout)
    clock.advance_to(1_000 * MS)
    late = bus.respond(slow, "too late")
    out.append(f"  late answer to #{slow} delivered: {late}")
    print("request/response:")
    print("\n".join(out))
    print(f"subscribed patterns: {bus.topics()}")


if __name__ == "__main__":
    main()
