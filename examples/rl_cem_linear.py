"""Train a trading agent with the cross-entropy method -- NumPy only, no ML framework.

The market is a mean-reverting mid price (an Ornstein-Uhlenbeck walk in ticks, 1-tick
spread), so there is something to learn: buy dips, sell rallies, and do it rarely enough to
beat the spread. The policy is linear: action = argmax(W @ observation + b) over
hold / buy / sell / flatten. Each generation samples a population of weight vectors around
a Gaussian, scores every candidate on the same episodes at once -- one
:class:`~lyra.rl.VectorTradingEnv` with one environment per candidate, so a whole generation
is one Rust call per step -- and refits the Gaussian to the best fifth.

Run: ``python examples/rl_cem_linear.py`` (``LYRA_EXAMPLE_QUICK=1``: a short run for CI).
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from lyra.model.columnar import QuoteBatch
from lyra.rl import EnvData, Observation, VectorTradingEnv

QUICK = os.environ.get("LYRA_EXAMPLE_QUICK") == "1"
GENERATIONS = 6 if QUICK else 30
POPULATION = 48
ELITE = POPULATION // 5
EPISODE = 300
LOT = 10


def mean_reverting_quotes(n: int, seed: int = 7) -> EnvData:
    """``n`` one-tick-wide quotes whose mid reverts to 10,000 ticks (a seeded OU walk)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    shocks = rng.normal(0.0, 1.2, n)
    for i in range(1, n):
        x[i] = 0.92 * x[i - 1] + shocks[i]
    bid = 10_000 + np.round(x).astype(np.int64)
    ts = 1_704_067_200_000_000_000 + np.arange(n, dtype=np.int64) * 1_000_000
    batch = QuoteBatch.from_ticks_arrays(
        bid,
        bid + 1,
        np.full(n, 50),
        np.full(n, 50),
        ts,
        instrument_id="OU.SIM",
        price_increment_raw=10_000_000,  # 0.01
        size_increment_raw=1_000_000_000,  # 1
    )
    return EnvData.from_quotes(batch)


def act(weights: npt.NDArray[np.float64], obs: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """One discrete action per environment: weights are (envs, 4, obs_dim + 1)."""
    logits = np.einsum("eaj,ej->ea", weights[:, :, :-1], obs) + weights[:, :, -1]
    return np.asarray(logits.argmax(axis=1), dtype=np.int64)


def score(
    envs: VectorTradingEnv, weights: npt.NDArray[np.float64], seed: int
) -> npt.NDArray[np.float64]:
    """Total reward of each candidate over one episode (every candidate on the same one)."""
    obs, _ = envs.reset(seed=[seed] * envs.num_envs)
    total = np.zeros(envs.num_envs)
    for _ in range(EPISODE):
        # every episode is EPISODE steps long: no environment ends before the loop does
        obs, reward, *_ = envs.step(act(weights, obs))
        total += reward
    return total


def main() -> None:
    data = mean_reverting_quotes(200_000)
    observation = Observation(depth=0, window=6, stride=1, account=True, time=False)
    envs = VectorTradingEnv(
        data,
        num_envs=POPULATION,
        observation=observation,
        trade_size=LOT,
        max_position=2 * LOT,
        episode_steps=EPISODE,
    )
    dim = 4 * (observation.dim + 1)
    rng = np.random.default_rng(0)
    mean, std = np.zeros(dim), np.full(dim, 0.5)
    print(f"CEM: {POPULATION} linear policies x {EPISODE} steps per generation, {dim} weights")
    print("returns are episode PnL after fees, in ticks on one order")
    for gen in range(GENERATIONS):
        pop = mean + std * rng.standard_normal((POPULATION, dim))
        returns = score(envs, pop.reshape(POPULATION, 4, -1), seed=gen)
        elite = pop[np.argsort(returns)[-ELITE:]]
        mean, std = elite.mean(axis=0), elite.std(axis=0) + 0.02
        print(
            f"generation {gen:2d}: mean return {returns.mean():8.1f}  "
            f"elite {np.sort(returns)[-ELITE:].mean():8.1f}"
        )
    # held-out episodes: the learned mean policy against holding and against random actions
    test = VectorTradingEnv(
        data,
        num_envs=16,
        observation=observation,
        trade_size=LOT,
        max_position=2 * LOT,
        episode_steps=EPISODE,
    )
    learned = score(test, np.broadcast_to(mean.reshape(1, 4, -1), (16, 4, dim // 4)), seed=10_000)
    rand_w = rng.standard_normal((16, 4, dim // 4))
    baseline = score(test, rand_w, seed=10_000)
    print(
        f"held-out episodes: learned policy {learned.mean():.1f}, random linear policies "
        f"{baseline.mean():.1f}, holding 0.0 (PnL in ticks on one {LOT}-lot order)"
    )


if __name__ == "__main__":
    main()
