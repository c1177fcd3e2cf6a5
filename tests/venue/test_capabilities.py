"""VenueCapabilities: supports() for each feature, modifies, lists, data; validation; codec."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.errors import InvalidInput
from lyra.model.codec import decode_json, decode_msgpack, encode_json, encode_msgpack
from lyra.model.data import BarSpecification, BarType
from lyra.model.enums import (
    AggregationSource,
    BarAggregation,
    ContingencyType,
    OrderSide,
    OrderType,
    PriceType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderFactory, ReleasePolicy
from lyra.venue import UNSET, AmendMode, ContingencySupport, Feature, VenueCapabilities

IID = "BTCUSD.TOY"
Q = Quantity("1.0")
P = Price("100.0")
C = ContingencyType
F = OrderFactory("S-1", epoch=1)
NONE = VenueCapabilities(
    order_types=frozenset(), time_in_force=frozenset(), quotes=False, trades=False, book=False
)
FULL = VenueCapabilities.full()


def limit(**kw: object) -> Order:
    return F.limit(IID, OrderSide.BUY, Q, P, **kw)  # type: ignore[arg-type]


# every feature an order can need, the order that needs it, and the caps that provide it
CASES: list[tuple[Feature, Order, dict[str, object]]] = [
    (
        Feature.ORDER_TYPE,
        F.stop_market(IID, OrderSide.BUY, Q, P),
        {"order_types": frozenset({OrderType.STOP_MARKET})},
    ),
    (
        Feature.TIME_IN_FORCE,
        limit(time_in_force=TimeInForce.DAY),
        {"time_in_force": frozenset({TimeInForce.DAY})},
    ),
    (Feature.POST_ONLY, limit(post_only=True), {"post_only": True}),
    (Feature.REDUCE_ONLY, limit(reduce_only=True), {"reduce_only": True}),
    (Feature.ICEBERG, limit(display_qty=Quantity("0.1")), {"iceberg": True}),
    (
        Feature.QUOTE_QUANTITY,
        limit(quote_quantity=True),
        {"quote_quantity": frozenset({OrderType.LIMIT})},
    ),
    (
        Feature.TRIGGER_TYPE,
        F.stop_market(IID, OrderSide.BUY, Q, P, trigger_type=TriggerType.MARK_PRICE),
        {"trigger_types": frozenset({TriggerType.MARK_PRICE})},
    ),
    (
        Feature.TRAILING_OFFSET_TYPE,
        F.trailing_stop_market(
            IID,
            OrderSide.SELL,
            Q,
            trailing_offset=Decimal("25"),
            trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        ),
        {"trailing_offset_types": frozenset({TrailingOffsetType.BASIS_POINTS})},
    ),
    (
        Feature.ACTIVATION_PRICE,
        F.trailing_stop_market(
            IID,
            OrderSide.SELL,
            Q,
            trailing_offset=Decimal("25"),
            activation_price=P,
            trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        ),
        {"activation_price": True},
    ),
]


@pytest.mark.parametrize(("feature", "order", "grant"), CASES, ids=[c[0].name for c in CASES])
def test_each_feature_is_detected_and_granted(
    feature: Feature, order: Order, grant: dict[str, object]
) -> None:
    # the order's own type and time in force, except for the feature under test
    base = {
        "order_types": frozenset(
            {OrderType.LIMIT if feature is Feature.ORDER_TYPE else order.order_type}
        ),
        "time_in_force": frozenset(
            {TimeInForce.GTC if feature is Feature.TIME_IN_FORCE else order.time_in_force}
        ),
    }
    if feature is Feature.ACTIVATION_PRICE:
        base["trailing_offset_types"] = frozenset({TrailingOffsetType.BASIS_POINTS})
    without = VenueCapabilities(**base)  # type: ignore[arg-type]
    assert without.unsupported_features(order) == {feature}
    reason = dict(without.gaps(order))[feature]
    assert reason.split(":")[0] in {
        "order_type",
        "time_in_force",
        "post_only",
        "reduce_only",
        "display_qty",
        "quote_quantity",
        "trigger_type",
        "trailing_offset_type",
        "activation_price",
    }
    with_it = VenueCapabilities(**{**base, **grant})  # type: ignore[arg-type]
    assert with_it.unsupported_features(order) == frozenset()
    assert with_it.supports(order) is None
    assert FULL.supports(order) is None


def test_default_capabilities_take_plain_orders_only() -> None:
    caps = VenueCapabilities()
    assert caps.supports(limit()) is None
    assert caps.supports(F.market(IID, OrderSide.BUY, Q)) is None
    reason = caps.supports(F.stop_market(IID, OrderSide.BUY, Q, P))
    assert reason == (
        "order_type: STOP_MARKET orders are not supported natively (supported: LIMIT, MARKET)"
    )
    assert NONE.unsupported_features(limit()) == {Feature.ORDER_TYPE, Feature.TIME_IN_FORCE}


def test_default_and_bid_ask_triggers() -> None:
    stop = F.stop_market(IID, OrderSide.BUY, Q, P)  # trigger type DEFAULT: the venue's own
    caps = VenueCapabilities(order_types=frozenset({OrderType.STOP_MARKET}))
    assert caps.supports(stop) is None
    bid_ask = F.stop_market(IID, OrderSide.BUY, Q, P, trigger_type=TriggerType.BID_ASK)
    assert caps.unsupported_features(bid_ask) == {Feature.TRIGGER_TYPE}


def test_contingency_links_do_not_matter_to_supports() -> None:
    a, b = limit(), limit()
    F.oco([a, b])
    assert VenueCapabilities().supports(a) is None


# -- modify --------------------------------------------------------------------------------------
def test_modify_checks_only_the_fields_given() -> None:
    order = limit()
    caps = VenueCapabilities(amend=AmendMode.IN_PLACE, amend_quantity=True)
    assert caps.supports_modify(order, quantity=Quantity("0.5")) is None
    assert caps.supports_modify(order, UNSET, UNSET, UNSET) is None
    assert caps.supports_modify(order, price=P) == "price: cannot be amended"
    assert caps.supports_modify(order, quantity=Quantity("2")) == (
        "quantity: may only be reduced (from 1.0; got 2)"
    )
    feats = {f for f, _ in caps.modify_gaps(order, quantity=Quantity("2"), trigger_price=P)}
    assert feats == {Feature.AMEND_QUANTITY_INCREASE, Feature.AMEND_TRIGGER_PRICE}
    assert VenueCapabilities().supports_modify(order, price=P) == (
        "modify: the venue cannot amend working orders"
    )
    only_limits = VenueCapabilities(
        amend=AmendMode.CANCEL_REPLACE,
        amend_price=True,
        amend_order_types=frozenset({OrderType.STOP_LIMIT}),
    )
    assert only_limits.modify_gaps(order, price=P)[0][0] is Feature.AMEND


def test_amend_fields_must_agree_with_the_mode() -> None:
    with pytest.raises(InvalidInput, match="NONE"):
        VenueCapabilities(amend_price=True)
    with pytest.raises(InvalidInput, match="at least one"):
        VenueCapabilities(amend=AmendMode.IN_PLACE)
    with pytest.raises(InvalidInput, match="needs amend_quantity"):
        VenueCapabilities(amend=AmendMode.IN_PLACE, amend_price=True, amend_quantity_increase=True)


# -- lists ---------------------------------------------------------------------------------------
BINANCE_SPOT_LISTS = (
    ContingencySupport(contingency_type=C.OCO, max_orders=2),
    ContingencySupport(contingency_type=C.OTO, max_orders=2),
    ContingencySupport(
        contingency_type=C.OTO, max_orders=3, children_contingency=frozenset({C.OCO})
    ),
)


def _caps(*shapes: ContingencySupport) -> VenueCapabilities:
    return VenueCapabilities(
        order_types=frozenset(OrderType), reduce_only=True, contingencies=shapes
    )


def test_native_list_shapes() -> None:
    caps = _caps(*BINANCE_SPOT_LISTS)
    assert caps.native_contingencies == {C.OCO, C.OTO}
    assert caps.native_bracket
    assert caps.supports_list(F.oco([limit(), limit()])) is None
    three = F.oco([limit(), limit(), limit()])
    assert caps.supports_list(three) == "orders: a native OCO list holds at most 2 orders (got 3)"
    assert caps.supports_list(F.ouo([limit(), limit()])) == (
        "contingency_type: OUO lists are not supported natively (native: OCO, OTO)"
    )
    full_fill = F.oto(limit(), [limit()], release=ReleasePolicy.ON_FULL_FILL)
    assert caps.supports_list(full_fill) is None
    first_fill = F.oto(limit(), [limit()])  # Lyra's default: release on the first fill
    assert caps.supports_list(first_fill) == (
        "release_policy: ON_FIRST_FILL is not supported natively (supported: ON_FULL_FILL)"
    )


def test_brackets() -> None:
    bracket = F.bracket(
        IID,
        OrderSide.BUY,
        Q,
        stop_loss_trigger_price=Price("90"),
        take_profit_price=Price("110"),
        exits_linked=C.OCO,
        release=ReleasePolicy.ON_FULL_FILL,
    )
    binance = _caps(*BINANCE_SPOT_LISTS)
    assert binance.supports_list(bracket) is None  # OTOCO
    ouo_bracket = F.bracket(
        IID,
        OrderSide.BUY,
        Q,
        stop_loss_trigger_price=Price("90"),
        take_profit_price=Price("110"),
        release=ReleasePolicy.ON_FULL_FILL,
    )
    assert binance.supports_list(ouo_bracket) == (
        "children_contingency: OUO children are not supported natively (supported: OCO)"
    )
    assert FULL.supports_list(ouo_bracket) is None
    assert not VenueCapabilities().native_bracket
    no_stops = VenueCapabilities(reduce_only=True, contingencies=BINANCE_SPOT_LISTS)
    reason = no_stops.supports_list(bracket)
    assert reason is not None and reason.startswith("orders[1] (")
    assert "STOP_MARKET" in reason
    # Lyra's bracket exits are reduce-only: a venue without reduce-only cannot take them
    spot = VenueCapabilities(order_types=frozenset(OrderType), contingencies=BINANCE_SPOT_LISTS)
    assert "reduce_only" in (spot.supports_list(bracket) or "")


def test_contingency_support_validation() -> None:
    with pytest.raises(InvalidInput, match="OCO, OUO or OTO"):
        ContingencySupport(contingency_type=C.NO_CONTINGENCY)
    with pytest.raises(InvalidInput, match="at least 2"):
        ContingencySupport(contingency_type=C.OCO, max_orders=1)
    with pytest.raises(InvalidInput):
        ContingencySupport(contingency_type=C.OTO, children_contingency=frozenset({C.OTO}))
    with pytest.raises(InvalidInput, match="not be empty"):
        ContingencySupport(contingency_type=C.OTO, release_policies=frozenset())


# -- data ----------------------------------------------------------------------------------------
def test_book_and_bars() -> None:
    caps = VenueCapabilities(
        book_depths=frozenset({5, 10, 20}), bars=frozenset({BarAggregation.MINUTE})
    )
    assert caps.supports_book() is None and caps.supports_book(10) is None
    assert caps.supports_book(7) == "depth: 7 levels is not offered (offered: 5, 10, 20)"
    assert VenueCapabilities(book=False).supports_book() == "book: order book data is not available"
    spec = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
    assert caps.supports_bars(BarType(IID, spec)) is None
    internal = BarType(IID, spec, AggregationSource.INTERNAL)
    assert "INTERNAL" in (caps.supports_bars(internal) or "")
    hourly = BarType(IID, BarSpecification(1, BarAggregation.HOUR, PriceType.LAST))
    assert (
        caps.supports_bars(hourly)
        == "bar_type: HOUR bars are not built by the venue (native: MINUTE)"
    )


# -- validation and serialization ----------------------------------------------------------------
def test_sets_are_normalised_and_validated() -> None:
    caps = VenueCapabilities(order_types=[1, 2], book_depths=[5])  # type: ignore[arg-type]
    assert caps.order_types == frozenset({OrderType.MARKET, OrderType.LIMIT})
    assert isinstance(caps.book_depths, frozenset)
    hash(caps)
    with pytest.raises(InvalidInput, match="order_types"):
        VenueCapabilities(order_types=frozenset({99}))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="book_depths"):
        VenueCapabilities(book_depths=frozenset({0}))
    with pytest.raises(InvalidInput, match="max_open_orders"):
        VenueCapabilities(max_open_orders=0)
    with pytest.raises(InvalidInput, match="bool"):
        VenueCapabilities(post_only=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="ContingencySupport"):
        VenueCapabilities(contingencies=("OCO",))  # type: ignore[arg-type]


@pytest.mark.parametrize("caps", [VenueCapabilities(), FULL, _caps(*BINANCE_SPOT_LISTS)])
def test_round_trips_through_the_codec(caps: VenueCapabilities) -> None:
    assert decode_msgpack(encode_msgpack(caps)) == caps  # untyped: registered
    assert decode_json(encode_json(caps), VenueCapabilities) == caps
    assert encode_msgpack(caps) == encode_msgpack(decode_msgpack(encode_msgpack(caps)))
