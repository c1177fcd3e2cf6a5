"""Speed of the core value types: construction, arithmetic, comparison, text, hashing.

Each figure is operations per second of one expression, timed by ``timeit`` (which uses
``time.perf_counter``) over many iterations; the best of several repeats is reported.
"""

from __future__ import annotations

import time
import timeit
from decimal import Decimal

from lyra.model.currency import Currency
from lyra.model.identifiers import InstrumentId
from lyra.model.values import Money, Price, Quantity

__all__ = ("run",)

# (figure name, statement); operands are prepared in _namespace() so only the operation is timed.
_CASES: tuple[tuple[str, str], ...] = (
    ("values.price_from_str", "Price('27123.45')"),
    ("values.price_from_raw", "Price.from_raw(27_123_450_000_000, 2)"),
    ("values.price_add", "a + b"),
    ("values.price_lt", "a < b"),
    ("values.quantity_add", "q + r"),
    ("values.price_mul_int", "a * 3"),
    ("values.money_add", "m + n"),
    ("values.price_str", "str(a)"),
    ("values.price_hash", "hash(a)"),
    ("values.instrument_id_new", "InstrumentId('BTCUSDT.BINANCE')"),
    ("values.decimal_add (reference)", "da + db"),
)


def _namespace() -> dict[str, object]:
    usd = Currency.from_str("USD")
    return {
        "Price": Price,
        "InstrumentId": InstrumentId,
        "a": Price("27123.45"),
        "b": Price("0.5000"),
        "q": Quantity("1.25"),
        "r": Quantity("0.001"),
        "m": Money("100.25", usd),
        "n": Money("0.75", usd),
        "da": Decimal("27123.45"),
        "db": Decimal("0.5000"),
    }


def _ops_per_second(stmt: str, namespace: dict[str, object], number: int, repeat: int) -> float:
    timer = timeit.Timer(stmt, globals=namespace, timer=time.perf_counter)
    best = min(timer.repeat(repeat=repeat, number=number))
    return number / best


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure every figure; ``quick`` runs few iterations (a smoke test, well under 2 s)."""
    number, repeat = (2_000, 3) if quick else (200_000, 5)
    namespace = _namespace()
    return [
        (name, _ops_per_second(stmt, namespace, number, repeat), "ops/s") for name, stmt in _CASES
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
