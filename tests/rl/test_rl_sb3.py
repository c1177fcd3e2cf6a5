"""lyra.rl with stable-baselines3: its environment checker, a tiny PPO run, and the PPO
example. Skipped unless stable-baselines3 is installed (``pip install lyra[rl]``); they must
pass whenever it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sb3 = pytest.importorskip("stable_baselines3")

import torch  # noqa: E402  # installed with stable-baselines3
from stable_baselines3.common.env_checker import check_env  # noqa: E402

from lyra.rl import EnvData, TradingEnv  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rl_ppo_sb3.py"


@pytest.fixture(scope="module")
def data() -> EnvData:
    return EnvData.synthetic(20_000, seed=42)


@pytest.mark.parametrize("action", ["discrete", "target", "quote"])
def test_sb3_env_checker_passes(data: EnvData, action: str) -> None:
    check_env(TradingEnv(data, action=action, trade_size=100_000, episode_steps=200), warn=True)


def test_a_tiny_ppo_run_learns_without_errors(data: EnvData) -> None:
    torch.set_num_threads(1)
    env = TradingEnv(data, trade_size=100_000, episode_steps=100)
    model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(np.int64(action))


def test_the_ppo_example_runs() -> None:
    env = dict(os.environ, LYRA_EXAMPLE_QUICK="1")
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=600, env=env
    )
    assert out.returncode == 0, out.stderr
    assert "PPO trained" in out.stdout
