"""lyra.rl: the gymnasium environments over the simulated exchange.

Both checkers (gymnasium's here, stable-baselines3's in test_rl_sb3.py), determinism for a
seed, the vector environment against single ones stepped one by one (every autoreset mode),
accounting against hand-computed fills, custom rewards, L2 data, and the errors.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

from lyra.errors import InvalidInput, ResetNeeded
from lyra.model.columnar import QuoteBatch, TradeBatch
from lyra.rl import (
    ENV_ID,
    EnvConfig,
    EnvData,
    Observation,
    StepState,
    TradingEnv,
    VectorTradingEnv,
)

LOT = 100_000


@pytest.fixture(scope="module")
def quotes() -> EnvData:
    return EnvData.synthetic(20_000, seed=42)


@pytest.fixture(scope="module")
def l2() -> EnvData:
    return EnvData.synthetic(20_000, seed=7, l2=True)


def _flat_quotes(n: int = 2_000) -> EnvData:
    """Quotes 100.00 / 100.02 (ticks 10_000 / 10_002) that step up one tick every row."""
    bid = 10_000 + np.arange(n, dtype=np.int64)
    ts = 1_704_067_200_000_000_000 + np.arange(n, dtype=np.int64) * 1_000_000
    batch = QuoteBatch.from_ticks_arrays(
        bid,
        bid + 2,
        np.full(n, 50),
        np.full(n, 50),
        ts,
        instrument_id="ABC.SIM",
        price_increment_raw=10_000_000,  # 0.01
        size_increment_raw=1_000_000_000,  # 1
    )
    return EnvData.from_quotes(batch)


def _flat_market_with_trades(n: int = 2_000) -> EnvData:
    """Quotes that never move (100.00 / 100.02, 50 lots each side) and, half a millisecond
    after each, a buyer lifting 100 lots at the ask."""
    ts = 1_704_067_200_000_000_000 + np.arange(n, dtype=np.int64) * 1_000_000
    quotes = QuoteBatch.from_ticks_arrays(
        np.full(n, 10_000),
        np.full(n, 10_002),
        np.full(n, 50),
        np.full(n, 50),
        ts,
        instrument_id="ABC.SIM",
        price_increment_raw=10_000_000,
        size_increment_raw=1_000_000_000,
    )
    trades = TradeBatch.from_arrays(
        instrument_id="ABC.SIM",
        price_precision=2,
        size_precision=0,
        price=np.full(n, 10_002 * 10_000_000, dtype=np.int64),
        size=np.full(n, 100 * 10**9, dtype=np.uint64),
        aggressor_side=np.full(n, 1, dtype=np.uint8),
        trade_id=np.array([f"T{i}" for i in range(n)], dtype="S64"),
        ts_event=ts + 500_000,
    )
    return EnvData.from_quotes(quotes, trades)


def _run(env: TradingEnv, actions: list[Any]) -> list[tuple[Any, ...]]:
    out = []
    for a in actions:
        obs, r, te, tr, info = env.step(a)
        out.append((obs.tobytes(), r, te, tr, info))
    return out


# -- the checkers ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["discrete", "target", "quote"])
def test_gymnasium_env_checker_passes(quotes: EnvData, action: str) -> None:
    env = TradingEnv(quotes, action=action, trade_size=LOT, episode_steps=300)
    check_env(env, skip_render_check=True)


def test_gymnasium_env_checker_passes_on_l2_with_trades(l2: EnvData) -> None:
    obs = Observation(depth=5, window=4, trades=3)
    env = TradingEnv(l2, action="quote", observation=obs, trade_size=5, max_position=20)
    check_env(env, skip_render_check=True)
    assert env.observation_space.shape == (obs.dim,)


def test_registered_id_passes_the_checker_with_its_render_mode(quotes: EnvData) -> None:
    env = gym.make(ENV_ID, data=quotes, trade_size=LOT, render_mode="ansi")
    check_env(env.unwrapped)
    env.reset(seed=1)
    env.step(1)
    line = env.render()
    assert isinstance(line, str) and "position 100000" in line
    env.close()


def test_make_vec_builds_the_vector_env(quotes: EnvData) -> None:
    envs = gym.make_vec(ENV_ID, num_envs=3, data=quotes, trade_size=LOT)
    assert isinstance(envs, VectorTradingEnv)
    assert envs.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    obs, infos = envs.reset(seed=5)
    assert obs.shape == (3, envs.single_observation_space.shape[0]) and infos == {}
    assert obs in envs.observation_space
    obs, rew, term, trunc, _ = envs.step(envs.action_space.sample())
    assert rew.dtype == np.float64 and term.dtype == np.bool_ and trunc.dtype == np.bool_
    envs.close()


# -- determinism -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["discrete", "target", "quote"])
def test_the_same_seed_gives_the_same_trajectory(quotes: EnvData, action: str) -> None:
    def trajectory(seed: int) -> list[tuple[Any, ...]]:
        env = TradingEnv(quotes, action=action, trade_size=LOT, max_position=3 * LOT)
        env.action_space.seed(0)
        env.reset(seed=seed)
        acts = [env.action_space.sample() for _ in range(400)]
        return _run(env, acts)

    a, b = trajectory(11), trajectory(11)
    assert a == b
    assert a != trajectory(12)
    assert any(step[1] != 0.0 for step in a), "the agent traded and was marked"


def test_reset_without_a_seed_continues_the_seeded_sequence(quotes: EnvData) -> None:
    env = TradingEnv(quotes, trade_size=LOT, episode_steps=50)
    starts = []
    env.reset(seed=3)
    starts.append(env.core.cursor(0))
    for _ in range(3):
        env.reset()
        starts.append(env.core.cursor(0))
    again = TradingEnv(quotes, trade_size=LOT, episode_steps=50)
    again.reset(seed=3)
    same = [again.core.cursor(0)]
    for _ in range(3):
        again.reset()
        same.append(again.core.cursor(0))
    assert starts == same
    assert len(set(starts)) == 4, "random windows differ from episode to episode"


def test_sequential_episodes_follow_each_other(quotes: EnvData) -> None:
    env = TradingEnv(quotes, trade_size=LOT, episode_steps=25, random_start=False, step_rows=2)
    env.reset(seed=0)
    first = env.core.cursor(0)
    done = False
    while not done:
        *_, te, tr, _ = env.step(0)
        done = te or tr
    env.reset()
    assert env.core.cursor(0) == first + 50


# -- the vector environment ------------------------------------------------------------------


def _single_trajectories(
    data: EnvData, n: int, seed: int, actions: np.ndarray, **cfg: Any
) -> list[list[tuple[Any, ...]]]:
    """What N single environments do under next-step autoreset, stepped one by one."""
    out = []
    for i in range(n):
        env = TradingEnv(data, **cfg)
        obs, _ = env.reset(seed=seed + i)
        rows = [(obs.tobytes(), 0.0, False, False)]
        pending = False
        for t in range(len(actions)):
            if pending:
                obs, _ = env.reset()
                rows.append((obs.tobytes(), 0.0, False, False))
                pending = False
                continue
            obs, r, te, tr, _ = env.step(actions[t][i])
            rows.append((obs.tobytes(), r, te, tr))
            pending = te or tr
        out.append(rows)
    return out


@pytest.mark.parametrize("action", ["discrete", "quote"])
def test_the_vector_env_equals_single_envs_stepped_one_by_one(quotes: EnvData, action: str) -> None:
    n, steps, seed = 5, 90, 40
    cfg = {"action": action, "trade_size": LOT, "max_position": 2 * LOT, "episode_steps": 20}
    envs = VectorTradingEnv(quotes, num_envs=n, **cfg)
    envs.action_space.seed(1)
    actions = np.array([envs.action_space.sample() for _ in range(steps)])
    want = _single_trajectories(quotes, n, seed, actions, **cfg)
    obs, _ = envs.reset(seed=seed)
    got: list[list[tuple[Any, ...]]] = [[(obs[i].tobytes(), 0.0, False, False)] for i in range(n)]
    for t in range(steps):
        obs, rew, term, trunc, _ = envs.step(actions[t])
        for i in range(n):
            got[i].append((obs[i].tobytes(), float(rew[i]), bool(term[i]), bool(trunc[i])))
    assert got == want
    assert sum(r[3] for r in want[0]) >= 3, "episodes ended and were reset along the way"


def test_same_step_autoreset_reports_the_final_observation(quotes: EnvData) -> None:
    n, seed = 3, 9
    cfg = {"trade_size": LOT, "episode_steps": 6}
    envs = VectorTradingEnv(quotes, num_envs=n, autoreset_mode="SameStep", **cfg)
    singles = [TradingEnv(quotes, **cfg) for _ in range(n)]
    envs.reset(seed=seed)
    for i, s in enumerate(singles):
        s.reset(seed=seed + i)
    for t in range(14):
        acts = np.array([(t + i) % 4 for i in range(n)])
        obs, rew, _, trunc, infos = envs.step(acts)
        for i, s in enumerate(singles):
            o, r, _, tr, info = s.step(int(acts[i]))
            assert rew[i] == r
            if tr:
                assert trunc[i] and infos["_final_obs"][i]
                np.testing.assert_array_equal(infos["final_obs"][i], o)
                assert infos["final_info"]["equity"][i] == info["equity"]
                o, _ = s.reset()
            else:
                assert "final_obs" not in infos or infos["final_obs"][i] is None
            np.testing.assert_array_equal(obs[i], o)


def test_disabled_autoreset_needs_a_masked_reset(quotes: EnvData) -> None:
    envs = VectorTradingEnv(
        quotes, num_envs=2, autoreset_mode=AutoresetMode.DISABLED, trade_size=LOT, episode_steps=2
    )
    envs.reset(seed=0)
    envs.step(np.array([0, 0]))
    *_, trunc, _ = envs.step(np.array([0, 0]))
    assert trunc.all()
    with pytest.raises(InvalidInput, match="reset_mask"):
        envs.step(np.array([0, 0]))
    obs, _ = envs.reset(options={"reset_mask": np.array([True, True])})
    assert obs.shape == (2, envs.single_observation_space.shape[0])
    envs.step(np.array([1, 2]))


def test_a_masked_reset_leaves_the_other_observations(quotes: EnvData) -> None:
    envs = VectorTradingEnv(quotes, num_envs=3, trade_size=LOT)
    envs.reset(seed=0)
    obs, *_ = envs.step(np.array([1, 1, 1]))
    after, _ = envs.reset(options={"reset_mask": np.array([False, True, False])})
    np.testing.assert_array_equal(after[[0, 2]], obs[[0, 2]])
    assert not np.array_equal(after[1], obs[1])


def test_vector_actions_are_checked_before_anything_moves(quotes: EnvData) -> None:
    envs = VectorTradingEnv(quotes, num_envs=3, trade_size=LOT)
    envs.reset(seed=0)
    before = [envs.core.cursor(i) for i in range(3)]
    with pytest.raises(InvalidInput, match=r"action\[2\]"):
        envs.step(np.array([1, 1, 7]))
    with pytest.raises(InvalidInput, match="actions"):
        envs.step(np.array([1, 1]))
    assert [envs.core.cursor(i) for i in range(3)] == before


# -- accounting and actions ------------------------------------------------------------------


def test_a_round_trip_is_accounted_exactly() -> None:
    data = _flat_quotes()
    env = TradingEnv(data, trade_size=10, random_start=False, taker_fee=0.001)
    env.reset(seed=0)
    # the first observation is after row 0: bid 100.00, ask 100.02; every row moves up 0.01
    _, r1, _, _, info = env.step(1)  # buy 10 at 100.02; marked at row 1's mid 100.02
    assert info["position"] == 10
    fee1 = 100.02 * 10 * 0.001
    assert info["equity"] == pytest.approx(-fee1)
    _, _, _, _, info = env.step(0)  # mid 100.03
    assert info["equity"] == pytest.approx(0.1 - fee1)
    _, r3, _, _, info = env.step(3)  # sell 10 at row 2's bid 100.02; marked flat
    assert info["position"] == 0
    fee2 = 100.02 * 10 * 0.001
    assert info["equity"] == pytest.approx(-fee1 - fee2)
    state = env.state
    assert state.position[0] == 0 and state.traded[0] == 10
    assert state.fees[0] == pytest.approx(fee2)
    # rewards are PnL in ticks of one trade (pnl_scale 1 / (0.01 * 10))
    assert r1 == pytest.approx(-fee1 * 10)
    assert r3 == pytest.approx((-0.1 - fee2) * 10)


def test_inventory_penalty_and_max_position() -> None:
    data = _flat_quotes()
    base = TradingEnv(data, trade_size=10, max_position=20, random_start=False)
    pen = TradingEnv(
        data, trade_size=10, max_position=20, random_start=False, inventory_penalty=0.5
    )
    base.reset(seed=0)
    pen.reset(seed=0)
    for _ in range(3):
        _, rb, *_ = base.step(1)
        _, rp, _, _, info = pen.step(1)
    assert info["position"] == 20
    assert rb - rp == pytest.approx(0.5 * 2**2)


def test_quotes_rest_and_fill_when_trades_reach_them() -> None:
    data = _flat_market_with_trades()
    env = TradingEnv(data, action="quote", trade_size=10, max_offset=4, random_start=False)
    env.reset(seed=0)
    far_bid_touch_ask = np.array([1.0, -1.0], dtype=np.float32)
    # the ask joins the 50 displayed lots at 100.02; the next buyer lifts 100: ours fills
    _, r, _, _, info = env.step(far_bid_touch_ask)
    assert info["position"] == -10
    state = env.state
    assert state.traded[0] == 10 and state.fees[0] == 0.0
    # sold at 100.02 against a mid of 100.01: one tick on 10 lots, half of it per side
    assert info["equity"] == pytest.approx(0.01 * 10)
    assert r == pytest.approx(1.0)
    # the bid, 4 ticks behind the best, never trades; the short stays within the limit
    for _ in range(5):
        _, _, _, _, info = env.step(far_bid_touch_ask)
    assert info["position"] == -10


def test_a_custom_reward_function_replaces_the_built_in_one(quotes: EnvData) -> None:
    seen: list[StepState] = []

    def net(state: StepState) -> Any:
        seen.append(state)
        return state.pnl - state.fees

    cfg = {"trade_size": LOT, "taker_fee": 1e-4}
    custom = TradingEnv(quotes, reward=net, **cfg)
    plain = TradingEnv(quotes, reward="pnl_net", **cfg)
    custom.reset(seed=2)
    plain.reset(seed=2)
    scale = 1 / (quotes.tick_value * LOT)
    for a in [1, 0, 2, 2, 3, 1, 0]:
        _, rc, *_ = custom.step(a)
        _, rp, *_ = plain.step(a)
        assert rc == pytest.approx(rp / scale)
    assert isinstance(seen[0].pnl, np.ndarray) and seen[0].pnl.shape == (1,)


def test_a_custom_reward_in_the_vector_env_is_zero_on_autoreset_steps(quotes: EnvData) -> None:
    envs = VectorTradingEnv(
        quotes, num_envs=4, trade_size=LOT, episode_steps=3, reward=lambda s: np.ones_like(s.pnl)
    )
    envs.reset(seed=0)
    for _ in range(3):
        _, rew, *_ = envs.step(np.ones(4, dtype=np.int64))
    assert np.all(rew != 0.0)
    _, rew, *_ = envs.step(np.ones(4, dtype=np.int64))  # every env resets here
    np.testing.assert_array_equal(rew, 0.0)


def test_differential_sharpe_is_zero_until_returns_vary(quotes: EnvData) -> None:
    env = TradingEnv(quotes, reward="differential_sharpe", trade_size=LOT)
    env.reset(seed=0)
    _, r, *_ = env.step(0)
    assert r == 0.0
    rewards = [env.step(a)[1] for a in [1, 0, 0, 2, 0, 0, 1] * 10]
    assert any(r != 0.0 for r in rewards) and all(np.isfinite(rewards))


def test_time_stepping_moves_by_the_clock(quotes: EnvData) -> None:
    env = TradingEnv(quotes, trade_size=LOT, step_ns=5_000_000, random_start=False)
    env.reset(seed=0)
    row = env.core.cursor(0)
    env.step(0)
    env.step(0)
    assert env.core.cursor(0) == row + 10  # quotes are 1 ms apart


def test_l2_depth_is_the_books_levels(l2: EnvData) -> None:
    env = TradingEnv(l2, observation=Observation(depth=3, window=0, account=False, time=False))
    obs, _ = env.reset(seed=1)
    bids, asks = obs[:6].reshape(3, 2), obs[6:].reshape(3, 2)
    assert np.all(bids[:, 0] > 0) and np.all(np.diff(bids[:, 0]) > 0), "bids best first"
    assert np.all(asks[:, 0] > 0) and np.all(np.diff(asks[:, 0]) > 0), "asks best first"
    assert np.all(bids[:, 1] > 0) and np.all(asks[:, 1] > 0)


def test_the_layout_names_the_blocks(quotes: EnvData) -> None:
    obs_cfg = Observation(depth=1, window=2, trades=2, account=True, time=False)
    env = TradingEnv(quotes, observation=obs_cfg)
    assert env.observation_layout == {
        "depth": slice(0, 4),
        "window": slice(4, 12),
        "trades": slice(12, 18),
        "account": slice(18, 21),
    }


# -- data ------------------------------------------------------------------------------------


def test_env_data_is_shared_and_pickles(quotes: EnvData) -> None:
    again = pickle.loads(pickle.dumps(quotes))
    assert again.rows == quotes.rows and again.tick_value == quotes.tick_value
    env_a, env_b = TradingEnv(again, trade_size=LOT), TradingEnv(quotes, trade_size=LOT)
    a, _ = env_a.reset(seed=4)
    b, _ = env_b.reset(seed=4)
    np.testing.assert_array_equal(a, b)
    assert TradingEnv(quotes).data is quotes


def test_env_data_rejects_off_increment_prices() -> None:
    batch = QuoteBatch.from_arrays(
        instrument_id="EURUSD.SIM",
        price_precision=3,
        size_precision=0,
        bid_price=[1_001_000_000],
        ask_price=[1_002_000_000],
        bid_size=[10**9],
        ask_size=[10**9],
        ts_event=[1],
    )
    from lyra.model.instruments import CurrencyPair

    inst = CurrencyPair.simple("EURUSD.SIM", price_increment="0.01", size_increment="1")
    with pytest.raises(InvalidInput, match=r"bid_price\[0\]"):
        EnvData.from_quotes(batch, instrument=inst)


# -- errors ----------------------------------------------------------------------------------


def test_bad_settings_are_named() -> None:
    with pytest.raises(InvalidInput, match=r"EnvConfig\.action"):
        EnvConfig(action="buy")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"EnvConfig\.trade_size"):
        EnvConfig(trade_size=0)
    with pytest.raises(InvalidInput, match=r"Observation\.window"):
        Observation(window=-1)
    data = _flat_quotes()
    with pytest.raises(InvalidInput, match="max_position"):
        TradingEnv(data, trade_size=10, max_position=15)
    with pytest.raises(InvalidInput, match="episode_steps"):
        TradingEnv(data, episode_steps=5_000)
    with pytest.raises(InvalidInput, match="depth"):
        TradingEnv(data, observation=Observation(depth=2))
    with pytest.raises(InvalidInput, match="no setting"):
        TradingEnv(data, trade_sise=10)


def test_bad_actions_and_order_of_calls() -> None:
    env = TradingEnv(_flat_quotes(), trade_size=10)
    with pytest.raises(ResetNeeded):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(InvalidInput, match="action"):
        env.step(4)
    quote = TradingEnv(_flat_quotes(), action="quote", trade_size=10)
    quote.reset(seed=0)
    with pytest.raises(InvalidInput, match="action"):
        quote.step(np.array([0.0], dtype=np.float32))
    with pytest.raises(InvalidInput, match="action"):
        quote.step([float("nan"), 0.0])


def test_importing_lyra_does_not_import_the_rl_package() -> None:
    code = "import sys, lyra; print('lyra.rl' in sys.modules, 'gymnasium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_missing_gymnasium_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['gymnasium'] = None\n"
        "import lyra.rl\n"
        "cfg = lyra.rl.EnvConfig()\n"  # the configuration needs no gymnasium
        "try:\n"
        "    lyra.rl.TradingEnv\n"
        "except ImportError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("MissingDependency") and "lyra[rl]" in out.stdout
