"""Train PPO (stable-baselines3) on :class:`~lyra.rl.TradingEnv` for a short run.

Needs ``pip install lyra[rl]`` (gymnasium and stable-baselines3, which brings torch); without
stable-baselines3 it says so and exits 0. Torch is limited to one thread: on a small machine
more threads only fight over the cores (SB3's PPO runs about 1,100 steps/s here either way;
the environment itself steps at over a million per second, so the learner is the cost).

The market is the same mean-reverting quote stream as ``rl_cem_linear.py``; the agent sees a
window of past mids and its position and learns when to buy and sell. Afterwards the trained
policy and random actions are scored on the same held-out episodes.

Run: ``python examples/rl_ppo_sb3.py`` (``LYRA_EXAMPLE_QUICK=1``: a few thousand steps).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np

QUICK = os.environ.get("LYRA_EXAMPLE_QUICK") == "1"
TIMESTEPS = 4_096 if QUICK else 100_000


def main() -> int:
    if importlib.util.find_spec("stable_baselines3") is None:
        print("stable-baselines3 is not installed: pip install lyra[rl] to run this example")
        return 0

    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_checker import check_env

    from lyra.rl import Observation, TradingEnv

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from rl_cem_linear import mean_reverting_quotes

    torch.set_num_threads(1)
    data = mean_reverting_quotes(200_000)
    settings = {
        "observation": Observation(depth=0, window=6, account=True, time=False),
        "trade_size": 10,
        "max_position": 20,
        "episode_steps": 300,
    }
    env = TradingEnv(data, **settings)
    check_env(env)
    model = PPO("MlpPolicy", env, n_steps=512, batch_size=128, seed=0, device="cpu", verbose=0)
    model.learn(total_timesteps=TIMESTEPS)

    def evaluate(policy: str) -> float:
        test = TradingEnv(data, **settings)
        test.action_space.seed(1)
        totals = []
        for episode in range(8):
            obs, _ = test.reset(seed=10_000 + episode)
            total, done = 0.0, False
            while not done:
                if policy == "ppo":
                    action, _ = model.predict(obs, deterministic=True)
                else:
                    action = test.action_space.sample()
                obs, reward, terminated, truncated, _ = test.step(action)
                total += reward
                done = terminated or truncated
            totals.append(total)
        return float(np.mean(totals))

    print(f"PPO trained for {TIMESTEPS} steps on TradingEnv")
    print(
        f"held-out mean episode return: PPO {evaluate('ppo'):.1f}, random {evaluate('random'):.1f}"
        " (PnL in ticks on one order)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
