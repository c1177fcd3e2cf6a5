"""Tune a market maker with a (mu, lambda) evolution strategy, one sweep per generation.

The strategy quotes both sides of an L2 book (synthetic, with trades) through
:class:`~lyra.rl.TradingEnv`'s ``"quote"`` actions and has three parameters:

* ``spread``: how many ticks behind the best bid and ask to quote when flat;
* ``skew``: how many ticks to shift both quotes per unit of inventory (long: quote lower,
  to sell more and buy less);
* ``limit``: the inventory, as a fraction of the maximum, at which it stops quoting the
  side that would add to it.

Each generation samples ``LAMBDA`` children around the ``MU`` best parents and scores them
with :func:`lyra.backtest.sweep.sweep` -- in worker processes on this machine by default,
on a Ray cluster with ``--ray`` (``pip install lyra[ray]``). Every child is scored on the
same seeded episodes, so the comparison is fair, and a seed gives the same run on any
backend.

Run: ``python examples/es_market_maker.py [--ray] [--workers N]``
(``LYRA_EXAMPLE_QUICK=1``: a short run for CI).
"""

from __future__ import annotations

import argparse
import functools
import os
from typing import Any

import numpy as np

from lyra.backtest.sweep import Backend, LocalBackend, RayBackend, sweep
from lyra.rl import EnvData, Observation, TradingEnv

QUICK = os.environ.get("LYRA_EXAMPLE_QUICK") == "1"
GENERATIONS = 3 if QUICK else 12
MU, LAMBDA = (2, 6) if QUICK else (4, 16)
EPISODES = 2 if QUICK else 4
EPISODE_STEPS = 500 if QUICK else 2_000
MAX_OFFSET = 10
LOT = 5
BOUNDS = {"spread": (0.0, 10.0), "skew": (0.0, 10.0), "limit": (0.1, 1.0)}


def make_data() -> EnvData:
    """Seeded L2 deltas with trades (one event in ten a trade at the touch)."""
    return EnvData.synthetic(60_000 if QUICK else 200_000, seed=11, l2=True)


def evaluate(data: EnvData, params: dict[str, Any]) -> dict[str, float]:
    """Run the parametric market maker over the fixed episodes; return its metrics."""
    env = TradingEnv(
        data,
        action="quote",
        observation=Observation(depth=0, window=0, account=True, time=False),
        trade_size=LOT,
        max_position=10 * LOT,
        max_offset=MAX_OFFSET,
        maker_fee=-0.00002,  # a 0.2 bp rebate for resting fills
        inventory_penalty=0.001,
        episode_steps=EPISODE_STEPS,
        step_rows=5,
    )
    spread, skew, limit = params["spread"], params["skew"], params["limit"]
    total, pnl, traded = 0.0, 0.0, 0.0
    for episode in range(EPISODES):
        obs, _ = env.reset(seed=1_000 + episode)
        done = False
        while not done:
            inventory = float(obs[0])  # position / max_position
            bid = spread + skew * inventory
            ask = spread - skew * inventory
            # an offset past MAX_OFFSET parks the quote far away; past the limit, pull it
            bid = MAX_OFFSET if inventory >= limit else min(max(bid, 0.0), MAX_OFFSET)
            ask = MAX_OFFSET if inventory <= -limit else min(max(ask, 0.0), MAX_OFFSET)
            action = np.array([bid, ask], dtype=np.float32) * (2.0 / MAX_OFFSET) - 1.0
            obs, reward, terminated, truncated, info = env.step(action)
            total += reward
            traded += float(env.state.traded[0])
            done = terminated or truncated
        pnl += info["equity"]
    return {"reward": total / EPISODES, "pnl": pnl / EPISODES, "lots_traded": traded / EPISODES}


def mutate(rng: np.random.Generator, parent: dict[str, float], sigma: float) -> dict[str, float]:
    """A child: the parent moved by Gaussian noise scaled to each parameter's range."""
    child = {}
    for name, (lo, hi) in BOUNDS.items():
        value = parent[name] + sigma * (hi - lo) * rng.standard_normal()
        child[name] = float(np.clip(value, lo, hi))
    return child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", action="store_true", help="evaluate on Ray (lyra[ray])")
    parser.add_argument("--workers", type=int, default=2, help="worker processes or Ray CPUs")
    args = parser.parse_args()
    # one backend for every generation: a Ray cluster (or a local Ray) is started once
    backend: Backend = (
        RayBackend(workers=args.workers) if args.ray else LocalBackend(workers=args.workers)
    )
    score = functools.partial(evaluate, make_data())
    rng = np.random.default_rng(0)
    # start from quotes a few ticks wide, little skew, a generous inventory limit
    parents = [
        {
            "spread": float(rng.uniform(2.0, 6.0)),
            "skew": float(rng.uniform(0.0, 1.0)),
            "limit": float(rng.uniform(0.5, 1.0)),
        }
        for _ in range(MU)
    ]
    sigma = 0.3
    print(f"(mu={MU}, lambda={LAMBDA})-ES, {GENERATIONS} generations, backend {backend.name!r}")
    best: dict[str, Any] = {}
    try:
        for gen in range(GENERATIONS):
            best, parents = generation(gen, rng, parents, sigma, score, backend)
            sigma *= 0.8
    finally:
        if isinstance(backend, RayBackend):
            backend.close()
    print(
        f"tuned market maker: spread {best['spread']:.2f} ticks, skew {best['skew']:.2f} "
        f"ticks per unit of inventory, limit {best['limit']:.2f}; "
        f"{best['lots_traded']:.0f} lots traded per episode"
    )


def generation(
    gen: int,
    rng: np.random.Generator,
    parents: list[dict[str, float]],
    sigma: float,
    score: Any,
    backend: Backend,
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Score ``LAMBDA`` children in one sweep; return the best row and the next parents."""
    children = [mutate(rng, parents[i % MU], sigma) for i in range(LAMBDA)]
    result = sweep(score, children, backend=backend, progress=False)
    rows = sorted(
        (r for r in result.to_records() if r["status"] == "ok"),
        key=lambda r: r["reward"],
        reverse=True,
    )
    best = rows[0]
    print(
        f"generation {gen:2d}: best reward {best['reward']:8.2f}  pnl {best['pnl']:8.2f}  "
        f"spread {best['spread']:.2f} skew {best['skew']:.2f} limit {best['limit']:.2f}"
    )
    return best, [{name: row[name] for name in BOUNDS} for row in rows[:MU]]


if __name__ == "__main__":
    main()
