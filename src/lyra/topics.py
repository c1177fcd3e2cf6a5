"""Topic names: the one scheme every Lyra module publishes on.

Topics are plain dot-separated strings. Market data lives under ``data.``, lifecycle events
under ``events.``, and the bus's own error reports on :data:`BUS_ERRORS`. Build topics with
the functions here rather than by hand, so publishers and subscribers always agree::

    quotes("BTCUSDT.BINANCE")      -> "data.quotes.BINANCE.BTCUSDT"
    order_events("EMA-001")        -> "events.order.EMA-001"

Instrument topics put the venue before the symbol, so ``data.quotes.BINANCE.*`` reads as
"every quote on Binance". An instrument id is ``SYMBOL.VENUE`` split on the *last* dot, so
``BRK.B.XNYS`` gives ``data.quotes.XNYS.BRK.B``; a plain ``str`` and
``lyra.model.identifiers.InstrumentId`` both work. The full table, and how wildcards
(``*``, ``?``) interact with dotted symbols, is in ``docs/explanation/topics.md``.
"""

from __future__ import annotations

from lyra.errors import InvalidIdentifier

__all__ = (
    "BUS_ERRORS",
    "account_events",
    "bars",
    "book_deltas",
    "book_depth",
    "contingency_events",
    "custom",
    "instruments",
    "order_events",
    "position_events",
    "quotes",
    "reconciliation_events",
    "risk_events",
    "time_events",
    "trades",
    "venue_status",
)

BUS_ERRORS = "lyra.bus.errors"
"""Where :class:`lyra.bus.EventBus` publishes a :class:`lyra.bus.HandlerError` when a
handler raises."""

_RISK_EVENTS = "events.risk"


def _venue_symbol(instrument_id: str) -> str:
    """``"SYMBOL.VENUE"`` -> ``"VENUE.SYMBOL"``, splitting on the last dot."""
    symbol, _, venue = instrument_id.rpartition(".")
    if not symbol or not venue:
        raise InvalidIdentifier(
            "instrument_id",
            "must be 'SYMBOL.VENUE' with a non-empty symbol and venue",
            instrument_id,
        )
    return f"{venue}.{symbol}"


def _part(field: str, value: str) -> str:
    if not value:
        raise InvalidIdentifier(field, "must be a non-empty string", value)
    return value


def quotes(instrument_id: str) -> str:
    """Topic of an instrument's quote ticks: ``data.quotes.<VENUE>.<SYMBOL>``."""
    return "data.quotes." + _venue_symbol(instrument_id)


def trades(instrument_id: str) -> str:
    """Topic of an instrument's trade ticks: ``data.trades.<VENUE>.<SYMBOL>``."""
    return "data.trades." + _venue_symbol(instrument_id)


def book_deltas(instrument_id: str) -> str:
    """Topic of an instrument's order book deltas: ``data.book_deltas.<VENUE>.<SYMBOL>``."""
    return "data.book_deltas." + _venue_symbol(instrument_id)


def book_depth(instrument_id: str) -> str:
    """Topic of an instrument's top-of-book depth snapshots:
    ``data.book_depth.<VENUE>.<SYMBOL>``."""
    return "data.book_depth." + _venue_symbol(instrument_id)


def instruments(instrument_id: str) -> str:
    """Topic of an instrument's definition updates: ``data.instruments.<VENUE>.<SYMBOL>``."""
    return "data.instruments." + _venue_symbol(instrument_id)


def bars(bar_type: str) -> str:
    """Topic of the bars of one bar type: ``data.bars.<bar type string>``.

    The bar type string is used as it is (e.g. ``BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL``
    gives ``data.bars.BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL``).
    """
    return "data.bars." + _part("bar_type", str(bar_type))


def custom(type_name: str, instrument_id: str | None = None) -> str:
    """Topic of user-defined data: ``data.custom.<type_name>``, or
    ``data.custom.<type_name>.<VENUE>.<SYMBOL>`` when the data belongs to an instrument."""
    topic = "data.custom." + _part("type_name", type_name)
    if instrument_id is None:
        return topic
    return f"{topic}.{_venue_symbol(instrument_id)}"


def order_events(strategy_id: str) -> str:
    """Topic of every order event of one strategy: ``events.order.<STRATEGY_ID>``."""
    return "events.order." + _part("strategy_id", strategy_id)


def position_events(strategy_id: str) -> str:
    """Topic of position events (opened, changed, closed) of one strategy:
    ``events.position.<STRATEGY_ID>``."""
    return "events.position." + _part("strategy_id", strategy_id)


def account_events(account_id: str) -> str:
    """Topic of account state updates (balances, margins): ``events.account.<ACCOUNT_ID>``."""
    return "events.account." + _part("account_id", account_id)


def reconciliation_events(venue: str) -> str:
    """Topic of the differences a recovery found against a venue (see :mod:`lyra.state`):
    ``events.reconciliation.<VENUE>``."""
    return "events.reconciliation." + _part("venue", venue)


def venue_status(venue: str) -> str:
    """Topic of a venue's connection and trading status: ``events.venue_status.<VENUE>``."""
    return "events.venue_status." + _part("venue", venue)


def time_events(name: str) -> str:
    """Topic of a named timer's or time alert's events: ``events.time.<name>``."""
    return "events.time." + _part("name", name)


def contingency_events(strategy_id: str) -> str:
    """Topic of contingency events (OCO/OUO/OTO/bracket triggers) of one strategy:
    ``events.contingency.<STRATEGY_ID>``."""
    return "events.contingency." + _part("strategy_id", strategy_id)


def risk_events() -> str:
    """Topic of the risk engine's own events (trading state changes): ``events.risk``.

    Denied orders are order events and go to :func:`order_events` of their strategy.
    """
    return _RISK_EVENTS
