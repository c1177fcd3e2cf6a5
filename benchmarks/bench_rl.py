"""Reinforcement-learning environment benchmarks: steps per second of ``lyra.rl``.

Data: ``lyra.backtest.generate_quotes(1_000_000, 42)`` (the shared generator's quotes; 100k
when quick), lots of 100,000 (``trade_size=100_000``), default observation (42 floats),
1,000-step episodes with random starts. Actions are drawn beforehand (NumPy, seed 0) so
that only the environment is timed. Every figure counts full ``step()`` calls through the
public Python API, observation, reward and flags included.

Rows:

* ``rl.trading_env.random``: :class:`TradingEnv` steps/s with uniform random
  hold/buy/sell/flatten actions (about half of them send a market order that the
  exchange matches).
* ``rl.trading_env.hold``: the same with every action "hold" (market replay, marking,
  reward and observation; no orders).
* ``rl.vector64.random`` / ``rl.vector64.hold``: env-steps/s of a 64-environment
  :class:`VectorTradingEnv` (one call into Rust per batch), same policies.
* ``rl.vector64.trade_10pct``: the vector env with a policy that trades on 10% of steps
  (a buy or sell at random, else hold): closer to a trained agent than uniform random.
* ``rl.vector64.quote_random``: market-making actions (two post-only quotes per
  environment, random offsets 0-5 ticks each step, so most steps cancel and replace both).
* ``rl.peer.python_noop_env``: a ``gymnasium.Env`` written in Python that does nothing
  (8-float Box observation, ``Discrete(3)``, returns a copy of a constant array), stepped
  raw in the same run: the floor of the Python call path, not a usable environment.

Peer anchor: ``../shared/bench/README.md`` records a trivial pure-Python gymnasium
environment (raw ``env.step()``, 8-float Box observation, ``Discrete(3)``) at 378-383k
steps/s on this machine; the figures above are to be read beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from lyra.backtest import generate_quotes
from lyra.rl import EnvData, TradingEnv, VectorTradingEnv

__all__ = ("run",)

Row = tuple[str, float, str]
LOT = 100_000


class _TrivialEnv(gym.Env[np.ndarray, int]):
    """The pure-Python reference: no state, no logic."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (8,), np.float32)
        self.action_space = gym.spaces.Discrete(3)
        self._obs = np.zeros(8, np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        return self._obs.copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        return self._obs.copy(), 0.0, False, False, {}


def _best(fn: Callable[[], float], reps: int) -> float:
    return max(fn() for _ in range(reps))


def _single(data: EnvData, actions: list[int], reps: int) -> float:
    env = TradingEnv(data, trade_size=LOT)
    step = env.step

    def once() -> float:
        env.reset(seed=0)
        t = time.perf_counter()
        for a in actions:
            step(a)
        return len(actions) / (time.perf_counter() - t)

    return _best(once, reps)


def _vector(data: EnvData, batches: np.ndarray, reps: int, **cfg: Any) -> float:
    n = batches.shape[1]
    envs = VectorTradingEnv(data, num_envs=n, trade_size=LOT, **cfg)
    step = envs.step

    def once() -> float:
        envs.reset(seed=0)
        t = time.perf_counter()
        for a in batches:
            step(a)
        return batches.shape[0] * n / (time.perf_counter() - t)

    return _best(once, reps)


def _trivial(steps: int, reps: int) -> float:
    env = _TrivialEnv()
    env.reset(seed=0)
    step = env.step

    def once() -> float:
        t = time.perf_counter()
        for _ in range(steps):
            step(0)
        return steps / (time.perf_counter() - t)

    return _best(once, reps)


def run(quick: bool = False) -> list[Row]:
    """Measure every row (``quick``: small sizes, one repetition)."""
    rows_n, single_n, batches_n, reps = (
        (100_000, 20_000, 300, 1) if quick else (1_000_000, 300_000, 6_000, 3)
    )
    data = EnvData.from_quotes(generate_quotes(rows_n, 42))
    rng = np.random.default_rng(0)
    random_single = rng.integers(0, 4, single_n).tolist()
    hold_single = [0] * single_n
    random_batches = rng.integers(0, 4, (batches_n, 64))
    hold_batches = np.zeros((batches_n, 64), np.int64)
    trade = rng.random((batches_n, 64)) < 0.1
    tenth = np.where(trade, rng.integers(1, 3, (batches_n, 64)), 0)
    quotes = rng.uniform(-1.0, 1.0, (batches_n, 64, 2)).astype(np.float32)
    out: list[Row] = [
        ("rl.trading_env.random", _single(data, random_single, reps), "steps/s"),
        ("rl.trading_env.hold", _single(data, hold_single, reps), "steps/s"),
        ("rl.vector64.random", _vector(data, random_batches, reps), "env-steps/s"),
        ("rl.vector64.hold", _vector(data, hold_batches, reps), "env-steps/s"),
        ("rl.vector64.trade_10pct", _vector(data, tenth, reps), "env-steps/s"),
        (
            "rl.vector64.quote_random",
            _vector(data, quotes, reps, action="quote", max_position=5 * LOT),
            "env-steps/s",
        ),
        ("rl.peer.python_noop_env", _trivial(single_n, reps), "steps/s"),
    ]
    return out


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
