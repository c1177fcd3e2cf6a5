//! `RlData` and `RlCore` for Python: the environment core of `lyra_engine::rl`, behind
//! `lyra.rl.TradingEnv` and `lyra.rl.VectorTradingEnv`.

use std::sync::Arc;

use lyra_engine::exchange::{self, InputError};
use lyra_engine::rl::{
    Action, ActionKind, Actions, Autoreset, EnvConfig, MarketData, OBS_BOUND, ObsConfig, Outputs,
    RewardKind, STATE_COLUMNS, STATE_DIM, Stepping, VecEnv,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::{int_arg, invalid_input};
use crate::sim::{column, describe};

/// Batches of at least this many environments step with the GIL released.
const GIL_RELEASE_ENVS: usize = 128;

const U64: &str = "must be in 0..2**64";

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRlData>()?;
    m.add_class::<PyRlCore>()?;
    Ok(())
}

fn input_error(py: Python<'_>, e: InputError) -> PyErr {
    let value = e.value.into_pyobject(py).expect("int").into_any().unbind();
    invalid_input(e.field.into_owned(), e.rule.into_owned(), value)
}

type TradeArrays<'py> = (
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, u64>,
    PyReadonlyArray1<'py, u8>,
);

fn trade_columns<'py>(trades: Option<&Bound<'py, PyAny>>) -> PyResult<Option<TradeArrays<'py>>> {
    let Some(t) = trades.filter(|t| !t.is_none()) else {
        return Ok(None);
    };
    let (ts, price, size, aggr): (
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
    ) = t.extract()?;
    Ok(Some((
        column::<i64>(&ts, "trade_ts", "int64")?,
        column::<i64>(&price, "trade_price", "int64")?,
        column::<u64>(&size, "trade_size", "uint64")?,
        column::<u8>(&aggr, "trade_aggressor", "uint8")?,
    )))
}

/// One instrument's market data for the RL environments, held once in Rust and shared by
/// every :class:`RlCore` built on it: L1 quotes or L2 level deltas (prices in ticks, sizes
/// in lots, times in ns), merged by time with optional trades. Build it with
/// :meth:`from_quotes` or :meth:`from_deltas`; :class:`lyra.rl.EnvData` does that from
/// Lyra's batches.
#[pyclass(module = "lyra._native", name = "RlData", frozen)]
pub(crate) struct PyRlData {
    inner: Arc<MarketData>,
}

#[pymethods]
impl PyRlData {
    /// L1 data from NumPy columns: ``ts``, ``bid``, ``ask`` int64 and ``bid_size``,
    /// ``ask_size`` uint64; ``trades`` is ``None`` or a tuple ``(ts, price, size,
    /// aggressor)`` of int64, int64, uint64 and uint8 columns (aggressor 0 none, 1 buyer,
    /// 2 seller). Book rows come before trades at equal times.
    ///
    /// Raises:
    ///     InvalidInput: a column of the wrong dtype or layout, columns of different
    ///         lengths, time going back (``"ts[7]"``), or a size of 2**56 lots or more.
    #[staticmethod]
    #[pyo3(signature = (ts, bid, ask, bid_size, ask_size, trades = None))]
    fn from_quotes(
        ts: &Bound<'_, PyAny>,
        bid: &Bound<'_, PyAny>,
        ask: &Bound<'_, PyAny>,
        bid_size: &Bound<'_, PyAny>,
        ask_size: &Bound<'_, PyAny>,
        trades: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = ts.py();
        let ts = column::<i64>(ts, "ts", "int64")?;
        let bid = column::<i64>(bid, "bid", "int64")?;
        let ask = column::<i64>(ask, "ask", "int64")?;
        let bsz = column::<u64>(bid_size, "bid_size", "uint64")?;
        let asz = column::<u64>(ask_size, "ask_size", "uint64")?;
        let tr = trade_columns(trades)?;
        let t = match &tr {
            Some((a, b, c, d)) => {
                Some((a.as_slice()?, b.as_slice()?, c.as_slice()?, d.as_slice()?))
            }
            None => None,
        };
        let c = (
            ts.as_slice()?,
            bid.as_slice()?,
            ask.as_slice()?,
            bsz.as_slice()?,
            asz.as_slice()?,
        );
        let data = py
            .detach(|| MarketData::from_quotes(c.0, c.1, c.2, c.3, c.4, t))
            .map_err(|e| input_error(py, e))?;
        Ok(Self {
            inner: Arc::new(data),
        })
    }

    /// L2 data from NumPy columns: ``ts``, ``price`` int64, ``side``, ``action`` uint8
    /// (side 1 buy, 2 sell, or 0 with CLEAR; action 1 ADD, 2 UPDATE, 3 DELETE, 4 CLEAR),
    /// ``size`` uint64; ``trades`` as in :meth:`from_quotes`.
    ///
    /// Raises:
    ///     InvalidInput: as :meth:`from_quotes`, or a bad side or action (``"side[3]"``).
    #[staticmethod]
    #[pyo3(signature = (ts, side, action, price, size, trades = None))]
    fn from_deltas(
        ts: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        action: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        trades: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = ts.py();
        let ts = column::<i64>(ts, "ts", "int64")?;
        let side = column::<u8>(side, "side", "uint8")?;
        let action = column::<u8>(action, "action", "uint8")?;
        let price = column::<i64>(price, "price", "int64")?;
        let size = column::<u64>(size, "size", "uint64")?;
        let tr = trade_columns(trades)?;
        let t = match &tr {
            Some((a, b, c, d)) => {
                Some((a.as_slice()?, b.as_slice()?, c.as_slice()?, d.as_slice()?))
            }
            None => None,
        };
        let c = (
            ts.as_slice()?,
            side.as_slice()?,
            action.as_slice()?,
            price.as_slice()?,
            size.as_slice()?,
        );
        let data = py
            .detach(|| MarketData::from_deltas(c.0, c.1, c.2, c.3, c.4, t))
            .map_err(|e| input_error(py, e))?;
        Ok(Self {
            inner: Arc::new(data),
        })
    }

    /// Number of rows (book rows and trades).
    #[getter]
    fn rows(&self) -> usize {
        self.inner.rows()
    }

    /// Number of trade rows.
    #[getter]
    fn trades(&self) -> usize {
        self.inner.trades()
    }

    /// ``BookType`` code: 1 (``L1_MBP``) for quotes, 2 (``L2_MBP``) for deltas.
    #[getter]
    fn book_type(&self) -> u8 {
        match self.inner.book_type() {
            exchange::BookType::L1 => 1,
            exchange::BookType::L2 => 2,
            exchange::BookType::L3 => 3,
        }
    }

    /// Mean touch size in lots: the default scale of sizes in observations.
    #[getter]
    fn size_scale(&self) -> f64 {
        self.inner.size_scale()
    }

    /// First row after which the data shows both a bid and an ask (``None``: never).
    #[getter]
    fn first_ready(&self) -> Option<usize> {
        self.inner.first_ready()
    }

    /// The data's own top of book after row ``row``: ``(bid, ask, bid_size, ask_size)``
    /// (a side the data emptied keeps its last price with size 0).
    ///
    /// Raises:
    ///     InvalidInput: ``row`` out of range.
    fn top(&self, py: Python<'_>, row: usize) -> PyResult<(i64, i64, u64, u64)> {
        self.check_row(py, row)?;
        Ok(self.inner.top(row))
    }

    /// Time of row ``row`` (ns).
    ///
    /// Raises:
    ///     InvalidInput: ``row`` out of range.
    fn ts(&self, py: Python<'_>, row: usize) -> PyResult<i64> {
        self.check_row(py, row)?;
        Ok(self.inner.ts(row))
    }
}

impl PyRlData {
    fn check_row(&self, py: Python<'_>, row: usize) -> PyResult<()> {
        if row < self.inner.rows() {
            Ok(())
        } else {
            Err(input_error(
                py,
                InputError {
                    field: "row".into(),
                    rule: format!("must be below {}", self.inner.rows()).into(),
                    value: row as i128,
                },
            ))
        }
    }
}

/// ``num_envs`` trading environments over one :class:`RlData`, stepped together in one
/// call: the Rust core of :class:`lyra.rl.TradingEnv` (one environment) and
/// :class:`lyra.rl.VectorTradingEnv`. Environment ``i`` is seeded ``seed + i``.
///
/// :meth:`reset` and :meth:`step` return new arrays; the core also keeps :attr:`state`
/// (and in same-step autoreset mode :attr:`final_obs` and :attr:`final_mask`), which every
/// call overwrites in place. Codes: ``action`` 0 discrete, 1 target, 2 quote; ``reward`` 0
/// pnl, 1 pnl_net, 2 differential_sharpe; ``autoreset`` 0 next step, 1 same step, 2
/// disabled; ``queue_model`` 0 pessimistic, 1 proportional. ``step_ns`` > 0 steps by time
/// instead of by ``step_rows``; ``max_loss`` 0 or infinite never ends an episode early;
/// ``size_scale`` 0 uses the data's mean touch size. ``lyra.rl.EnvConfig`` documents every
/// field.
///
/// Raises:
///     InvalidInput: a bad setting (named), or data too short for one episode.
#[pyclass(module = "lyra._native", name = "RlCore")]
pub(crate) struct PyRlCore {
    inner: VecEnv,
    kind: ActionKind,
    state: Py<PyArray2<f64>>,
    final_obs: Py<PyArray2<f32>>,
    final_mask: Py<PyArray1<bool>>,
    layout: Vec<(&'static str, usize, usize)>,
}

fn busy(py: Python<'_>, field: &'static str) -> PyErr {
    invalid_input(field, "is borrowed by another native call", py.None())
}

/// What `step` returns: observations, rewards, the two flags, episodes ended.
type Stepped<'py> = (
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
    usize,
);

/// What `step1` returns: observation, reward, the two flags, position, equity.
type Stepped1<'py> = (Bound<'py, PyArray1<f32>>, f64, bool, bool, i64, f64);

/// Fresh output arrays of a batch call.
type Fresh<'py> = (
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
);

#[pymethods]
impl PyRlCore {
    #[new]
    #[pyo3(
        signature = (
            data,
            num_envs = 1,
            *,
            seed = None,
            autoreset = 0,
            action = 0,
            reward = 1,
            depth = 1,
            window = 8,
            stride = 1,
            trades = 0,
            account = true,
            time = true,
            trade_size = 1,
            max_position = 1,
            max_offset = 5,
            maker_fee = 0.0,
            taker_fee = 0.0,
            tick_value = 1.0,
            pnl_scale = 1.0,
            inventory_penalty = 0.0,
            sharpe_eta = 0.01,
            max_loss = 0.0,
            episode_steps = 1000,
            step_rows = 1,
            step_ns = 0,
            random_start = true,
            latency_ns = 0,
            queue_model = 0,
            size_scale = 0.0,
        ),
        text_signature = "(data, num_envs=1, *, seed=None, autoreset=0, action=0, reward=1, depth=1, window=8, stride=1, trades=0, account=True, time=True, trade_size=1, max_position=1, max_offset=5, maker_fee=0.0, taker_fee=0.0, tick_value=1.0, pnl_scale=1.0, inventory_penalty=0.0, sharpe_eta=0.01, max_loss=0.0, episode_steps=1000, step_rows=1, step_ns=0, random_start=True, latency_ns=0, queue_model=0, size_scale=0.0)"
    )]
    #[allow(
        clippy::too_many_arguments,
        clippy::fn_params_excessive_bools,
        reason = "the environment's keyword arguments"
    )]
    fn new(
        py: Python<'_>,
        data: &PyRlData,
        num_envs: usize,
        seed: Option<&Bound<'_, PyAny>>,
        autoreset: u8,
        action: u8,
        reward: u8,
        depth: u32,
        window: u32,
        stride: u32,
        trades: u32,
        account: bool,
        time: bool,
        trade_size: u64,
        max_position: u64,
        max_offset: u32,
        maker_fee: f64,
        taker_fee: f64,
        tick_value: f64,
        pnl_scale: f64,
        inventory_penalty: f64,
        sharpe_eta: f64,
        max_loss: f64,
        episode_steps: u32,
        step_rows: u32,
        step_ns: i64,
        random_start: bool,
        latency_ns: u64,
        queue_model: u8,
        size_scale: f64,
    ) -> PyResult<Self> {
        let err = |e| input_error(py, e);
        let seed: u64 = match seed {
            Some(s) if !s.is_none() => int_arg(s, "seed", U64)?,
            _ => 0,
        };
        let kind = ActionKind::from_code(action).map_err(err)?;
        let cfg = EnvConfig {
            action: kind,
            reward: RewardKind::from_code(reward).map_err(err)?,
            obs: ObsConfig {
                depth,
                window,
                stride,
                trades,
                account,
                time,
            },
            trade_size,
            max_position,
            max_offset,
            maker_fee,
            taker_fee,
            tick_value,
            pnl_scale,
            inventory_penalty,
            sharpe_eta,
            max_loss,
            episode_steps,
            stepping: if step_ns != 0 {
                Stepping::Nanos(step_ns)
            } else {
                Stepping::Rows(step_rows)
            },
            random_start,
            latency_ns,
            queue_model: exchange::queue_model(queue_model).map_err(err)?,
            size_scale,
        };
        let mode = Autoreset::from_code(autoreset).map_err(err)?;
        let data = Arc::clone(&data.inner);
        let inner = py
            .detach(|| VecEnv::new(&data, cfg, num_envs, seed, mode))
            .map_err(err)?;
        let n = inner.len();
        let d = inner.obs_dim();
        let fin = if mode == Autoreset::SameStep { n } else { 0 };
        Ok(Self {
            kind,
            state: PyArray2::zeros(py, [n, STATE_DIM], false).unbind(),
            final_obs: PyArray2::zeros(py, [fin, d], false).unbind(),
            final_mask: PyArray1::zeros(py, fin, false).unbind(),
            layout: cfg.obs.layout(),
            inner,
        })
    }

    /// Number of environments.
    #[getter]
    fn num_envs(&self) -> usize {
        self.inner.len()
    }

    /// Length of one observation.
    #[getter]
    fn obs_dim(&self) -> usize {
        self.inner.obs_dim()
    }

    /// Numbers per action: 1 (discrete: one integer; target: one float) or 2 (quote).
    #[getter]
    fn action_dim(&self) -> usize {
        self.kind.dim()
    }

    /// Observations are clipped to ``[-obs_bound, obs_bound]``.
    #[getter]
    #[allow(clippy::unused_self, reason = "a Python property")]
    fn obs_bound(&self) -> f32 {
        OBS_BOUND
    }

    /// The observation's blocks as ``(name, start, stop)``, in order.
    #[getter]
    fn layout(&self) -> Vec<(&'static str, usize, usize)> {
        self.layout.clone()
    }

    /// Names of the :attr:`state` columns, in order.
    #[getter]
    #[allow(clippy::unused_self, reason = "a Python property")]
    fn state_columns(&self) -> Vec<&'static str> {
        STATE_COLUMNS.to_vec()
    }

    /// The rows an episode may start at: ``(first, last)``.
    #[getter]
    fn start_range(&self) -> (usize, usize) {
        self.inner.env(0).start_range()
    }

    /// Per-environment state after the last call, ``(num_envs, len(state_columns))``
    /// float64: the step's PnL change and fees, the episode's PnL after fees, position,
    /// mid (ticks), lots traded, built-in reward, steps into the episode, unrealized PnL.
    /// Overwritten in place by every call.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.state.bind(py).clone()
    }

    /// Same-step autoreset: the last observation of each environment whose episode
    /// ended in the last step (rows where :attr:`final_mask` is set); empty otherwise.
    #[getter]
    fn final_obs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f32>> {
        self.final_obs.bind(py).clone()
    }

    /// Same-step autoreset: which rows of :attr:`final_obs` are set.
    #[getter]
    fn final_mask<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        self.final_mask.bind(py).clone()
    }

    /// Which environments ended at the last step and wait to be reset (next-step mode:
    /// at the next :meth:`step`; disabled mode: by :meth:`reset` with a mask).
    #[getter]
    fn ended(&self) -> Vec<bool> {
        self.inner.ended().to_vec()
    }

    /// Signed position (lots) of environment ``i``.
    ///
    /// Raises:
    ///     InvalidInput: ``i`` out of range.
    fn position(&self, py: Python<'_>, i: usize) -> PyResult<i64> {
        self.check_env(py, i)?;
        Ok(self.inner.env(i).position())
    }

    /// The next data row environment ``i`` will feed.
    ///
    /// Raises:
    ///     InvalidInput: ``i`` out of range.
    fn cursor(&self, py: Python<'_>, i: usize) -> PyResult<usize> {
        self.check_env(py, i)?;
        Ok(self.inner.env(i).cursor())
    }

    /// Reset the environments: all, or those where ``mask`` (a bool array) is set.
    /// ``seeds`` is ``None`` (each goes on to its next episode) or a list with an int
    /// (reseed) or ``None`` per environment. Returns a new ``(num_envs, obs_dim)`` array
    /// of every environment's observation (the others' as their last step left it).
    ///
    /// Raises:
    ///     InvalidInput: a seeds list or mask of the wrong length or type.
    #[pyo3(signature = (seeds = None, mask = None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seeds: Option<Vec<Option<u64>>>,
        mask: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let n = self.inner.len();
        let seeds = seeds.unwrap_or_else(|| vec![None; n]);
        let m = match mask {
            Some(m) if !m.is_none() => Some(column::<bool>(m, "reset_mask", "bool")?),
            _ => None,
        };
        let mask = match &m {
            Some(a) => Some(a.as_slice()?),
            None => None,
        };
        let (obs, rew, term, trunc) = self.fresh(py);
        let mut st = self
            .state
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "state"))?;
        let mut fo = self
            .final_obs
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "final_obs"))?;
        let mut fm = self
            .final_mask
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "final_mask"))?;
        // SAFETY: the four arrays were created just above and nothing else refers to them
        // yet, so these are the only views of their memory.
        let mut out = unsafe {
            Outputs {
                obs: obs.as_slice_mut()?,
                reward: rew.as_slice_mut()?,
                terminated: term.as_slice_mut()?,
                truncated: trunc.as_slice_mut()?,
                state: st.as_slice_mut()?,
                final_obs: fo.as_slice_mut()?,
                final_mask: fm.as_slice_mut()?,
            }
        };
        self.inner
            .reset(&seeds, mask, &mut out)
            .map_err(|e| input_error(py, e))?;
        Ok(obs)
    }

    /// Step every environment: ``actions`` is an int array of ``num_envs`` (discrete) or
    /// a float array of ``num_envs * action_dim`` numbers (any shape); int64 / float32
    /// C-contiguous arrays go straight through, anything else is converted first. Returns
    /// new arrays ``(obs, reward, terminated, truncated)`` and the number of environments
    /// whose episode ended in this step; :attr:`state` (and :attr:`final_obs`) are
    /// written in place. The GIL is released for 128 environments or more.
    ///
    /// Raises:
    ///     InvalidInput: actions of the wrong length, an action out of range
    ///         (``"action[3]"``; nothing moves then), or an environment that must be reset
    ///         first (disabled autoreset).
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions: &Bound<'py, PyAny>,
    ) -> PyResult<Stepped<'py>> {
        let converted;
        let actions = if self.kind == ActionKind::Discrete {
            if actions
                .cast::<PyArray1<i64>>()
                .is_ok_and(numpy::PyUntypedArrayMethods::is_c_contiguous)
            {
                actions
            } else {
                converted = as_array(actions, "int64")?;
                &converted
            }
        } else if actions
            .cast::<numpy::PyArrayDyn<f32>>()
            .is_ok_and(numpy::PyUntypedArrayMethods::is_c_contiguous)
        {
            actions
        } else {
            converted = as_array(actions, "float32")?;
            &converted
        };
        let disc;
        let cont;
        let acts = if self.kind == ActionKind::Discrete {
            disc = column::<i64>(actions, "actions", "int64")?;
            Actions::Discrete(disc.as_slice()?)
        } else {
            let a = actions.cast::<numpy::PyArrayDyn<f32>>()?;
            cont = a.try_readonly().map_err(|_| busy(py, "actions"))?;
            Actions::Continuous(cont.as_slice()?)
        };
        let (obs, rew, term, trunc) = self.fresh(py);
        let mut st = self
            .state
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "state"))?;
        let same_step = self.inner.autoreset() == Autoreset::SameStep;
        let mut fo;
        let mut fm;
        let (fo_s, fm_s): (&mut [f32], &mut [bool]) = if same_step {
            fo = self
                .final_obs
                .bind(py)
                .try_readwrite()
                .map_err(|_| busy(py, "final_obs"))?;
            fm = self
                .final_mask
                .bind(py)
                .try_readwrite()
                .map_err(|_| busy(py, "final_mask"))?;
            (fo.as_slice_mut()?, fm.as_slice_mut()?)
        } else {
            (&mut [], &mut [])
        };
        // SAFETY: the four arrays were created just above and nothing else refers to them
        // yet, so these are the only views of their memory.
        let mut out = unsafe {
            Outputs {
                obs: obs.as_slice_mut()?,
                reward: rew.as_slice_mut()?,
                terminated: term.as_slice_mut()?,
                truncated: trunc.as_slice_mut()?,
                state: st.as_slice_mut()?,
                final_obs: fo_s,
                final_mask: fm_s,
            }
        };
        let inner = &mut self.inner;
        let result = if inner.len() >= GIL_RELEASE_ENVS {
            py.detach(|| inner.step(acts, &mut out))
        } else {
            inner.step(acts, &mut out)
        };
        result.map_err(|e| input_error(py, e))?;
        let ended = out
            .terminated
            .iter()
            .zip(out.truncated.iter())
            .filter(|&(&a, &b)| a | b)
            .count();
        Ok((obs, rew, term, trunc, ended))
    }

    /// Step environment 0 alone (no autoreset): ``action`` is an int (discrete), a float
    /// (target) or a sequence / float32 array of ``action_dim`` floats. Returns ``(obs,
    /// reward, terminated, truncated, position, equity)`` with a new observation array;
    /// :attr:`state` row 0 is written too.
    ///
    /// Raises:
    ///     InvalidInput: an action out of range or of the wrong kind.
    fn step1<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<Stepped1<'py>> {
        let a = self.single_action(action)?;
        let d = self.inner.obs_dim();
        let obs = PyArray1::<f32>::zeros(py, d, false);
        let mut st = self
            .state
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "state"))?;
        // SAFETY: `obs` was created just above and nothing else refers to it yet.
        let o = unsafe { obs.as_slice_mut()? };
        let env = self.inner.env_mut(0);
        let r = env
            .step(a, o, &mut st.as_slice_mut()?[..STATE_DIM])
            .map_err(|e| input_error(py, e))?;
        Ok((
            obs,
            r.reward,
            r.terminated,
            r.truncated,
            env.position(),
            env.equity(),
        ))
    }

    /// Reset environment 0 alone (``seed`` ``None``: its next episode) and return a new
    /// array with its first observation; :attr:`state` row 0 is written too.
    #[pyo3(signature = (seed = None))]
    fn reset1<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let d = self.inner.obs_dim();
        let obs = PyArray1::<f32>::zeros(py, d, false);
        let mut st = self
            .state
            .bind(py)
            .try_readwrite()
            .map_err(|_| busy(py, "state"))?;
        let env = self.inner.env_mut(0);
        env.reset(seed).map_err(|e| input_error(py, e))?;
        // SAFETY: `obs` was created just above and nothing else refers to it yet.
        env.observe(unsafe { obs.as_slice_mut()? });
        env.write_state(&mut st.as_slice_mut()?[..STATE_DIM]);
        Ok(obs)
    }
}

/// `numpy.ascontiguousarray(obj, dtype=dtype)`: the slow path for actions that are not
/// already an array of the right dtype.
fn as_array<'py>(obj: &Bound<'py, PyAny>, dtype: &str) -> PyResult<Bound<'py, PyAny>> {
    let np = PyModule::import(obj.py(), "numpy")?;
    let kwargs = pyo3::types::PyDict::new(obj.py());
    kwargs.set_item("dtype", dtype)?;
    np.getattr("ascontiguousarray")?
        .call((obj,), Some(&kwargs))
        .map_err(|_| {
            invalid_input(
                "actions",
                format!("must convert to a {dtype} array"),
                describe(obj),
            )
        })
}

impl PyRlCore {
    fn fresh<'py>(&self, py: Python<'py>) -> Fresh<'py> {
        let n = self.inner.len();
        (
            PyArray2::zeros(py, [n, self.inner.obs_dim()], false),
            PyArray1::zeros(py, n, false),
            PyArray1::zeros(py, n, false),
            PyArray1::zeros(py, n, false),
        )
    }

    fn check_env(&self, py: Python<'_>, i: usize) -> PyResult<()> {
        if i < self.inner.len() {
            Ok(())
        } else {
            Err(invalid_input(
                "i",
                format!("must be below num_envs={}", self.inner.len()),
                i.into_pyobject(py).expect("int").into_any().unbind(),
            ))
        }
    }

    fn single_action(&self, action: &Bound<'_, PyAny>) -> PyResult<Action> {
        if self.kind == ActionKind::Discrete {
            return Ok(Action::Discrete(action.extract::<i64>()?));
        }
        let v: Vec<f64> = if let Ok(a) = action.cast::<PyArray1<f32>>() {
            let r = a.try_readonly().map_err(|_| busy(action.py(), "action"))?;
            r.as_slice()?.iter().map(|&x| f64::from(x)).collect()
        } else if let Ok(x) = action.extract::<f64>() {
            vec![x]
        } else {
            action.extract()?
        };
        let dim = self.kind.dim();
        if v.len() != dim {
            return Err(invalid_input(
                "action",
                format!("must hold {dim} number(s) for this action space"),
                describe(action),
            ));
        }
        Ok(Action::Continuous(
            v[0] as f32,
            v.get(1).map_or(0.0, |&y| y as f32),
        ))
    }
}
