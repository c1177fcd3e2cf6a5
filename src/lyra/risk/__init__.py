"""Pre-trade risk: checks that refuse an order before it leaves, with a stable code and a
message that names the field, the rule and the numbers.

Use a check alone (``check_price(order, instrument)``, ``check_balance(order, instrument,
account)``, ...) or all of them as one pipeline, configured once: :class:`RiskEngine`, with
:meth:`~RiskEngine.check_submit`, :meth:`~RiskEngine.check_release` (emulated orders) and
:meth:`~RiskEngine.check_modify`. A check returns ``None`` or a :class:`Denial`; the engine
turns a denial into an :class:`~lyra.orders.OrderDenied` event and applies it only when asked.

``lyra.risk`` reads positions, the account and market prices through the protocols
:class:`PositionView`, :class:`AccountView` and :class:`PriceSource`; it never imports
``lyra.portfolio``.
"""

from __future__ import annotations

from lyra.risk.checks import (
    MaxOrderSize,
    check_balance,
    check_expire_time,
    check_notional,
    check_price,
    check_quantity,
    check_reduce_only,
    check_trading_state,
    order_reference_price,
    reduces_position,
)
from lyra.risk.denials import Denial, DenialCode, TradingState
from lyra.risk.engine import CustomCheck, RiskConfig, RiskEngine
from lyra.risk.prices import LatestPrices
from lyra.risk.rate_limit import RateLimit, RateLimiter
from lyra.risk.views import AccountView, PositionView, PriceSource

__all__ = (
    "AccountView",
    "CustomCheck",
    "Denial",
    "DenialCode",
    "LatestPrices",
    "MaxOrderSize",
    "PositionView",
    "PriceSource",
    "RateLimit",
    "RateLimiter",
    "RiskConfig",
    "RiskEngine",
    "TradingState",
    "check_balance",
    "check_expire_time",
    "check_notional",
    "check_price",
    "check_quantity",
    "check_reduce_only",
    "check_trading_state",
    "order_reference_price",
    "reduces_position",
)
