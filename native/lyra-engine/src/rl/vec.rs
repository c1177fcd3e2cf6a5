//! [`VecEnv`]: many [`Env`]s over the same data, stepped together in one call.

use std::sync::Arc;

use crate::exchange::InputError;

use super::config::{Autoreset, EnvConfig};
use super::data::MarketData;
use super::env::{Action, Env, STATE_DIM};

/// The caller's buffers for one batch, row `i` for environment `i`: observations
/// (`n × obs_dim`), rewards, the two episode-end flags, the state columns
/// (`n × STATE_DIM`), and — used in [`Autoreset::SameStep`] mode only — the final
/// observation of each environment whose episode ended in this step, with a mask saying
/// which.
#[derive(Debug)]
pub struct Outputs<'a> {
    /// Observations.
    pub obs: &'a mut [f32],
    /// Rewards.
    pub reward: &'a mut [f64],
    /// Ended by loss.
    pub terminated: &'a mut [bool],
    /// Ended by length.
    pub truncated: &'a mut [bool],
    /// State columns.
    pub state: &'a mut [f64],
    /// Final observations (same-step autoreset).
    pub final_obs: &'a mut [f32],
    /// Which rows of `final_obs` are set.
    pub final_mask: &'a mut [bool],
}

/// Actions for a whole batch.
#[derive(Debug, Clone, Copy)]
pub enum Actions<'a> {
    /// One integer per environment.
    Discrete(&'a [i64]),
    /// `dim` numbers per environment, row by row.
    Continuous(&'a [f32]),
}

/// `n` environments over the same data and configuration, stepped together.
///
/// Environment `i` is exactly an [`Env`] with seed `seeds[i]` stepped alone: a batch
/// step is the environments' steps one after another, plus the autoreset rule.
#[derive(Debug)]
pub struct VecEnv {
    envs: Vec<Env>,
    autoreset: Autoreset,
    /// The episode ended at the last step (next-step mode: reset at this step; disabled
    /// mode: the caller must reset it).
    ended: Vec<bool>,
    obs_dim: usize,
}

impl VecEnv {
    /// `n` environments seeded `seed, seed + 1, …`.
    pub fn new(
        data: &Arc<MarketData>,
        cfg: EnvConfig,
        n: usize,
        seed: u64,
        autoreset: Autoreset,
    ) -> Result<Self, InputError> {
        if n == 0 {
            return Err(InputError::new("num_envs", "must be positive", 0));
        }
        let mut envs = Vec::with_capacity(n);
        for i in 0..n {
            envs.push(Env::new(
                Arc::clone(data),
                cfg,
                seed.wrapping_add(i as u64),
            )?);
        }
        let obs_dim = envs[0].obs_dim();
        Ok(Self {
            envs,
            autoreset,
            ended: vec![false; n],
            obs_dim,
        })
    }

    /// Number of environments.
    #[must_use]
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// Always false (there is at least one environment).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    /// Observation length of one environment.
    #[must_use]
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// The autoreset mode.
    #[must_use]
    pub fn autoreset(&self) -> Autoreset {
        self.autoreset
    }

    /// Environment `i`.
    #[must_use]
    pub fn env(&self, i: usize) -> &Env {
        &self.envs[i]
    }

    /// Environment `i`, to step or reset alone (that bypasses autoreset).
    pub fn env_mut(&mut self, i: usize) -> &mut Env {
        &mut self.envs[i]
    }

    /// Which environments ended at the last step and wait for a reset.
    #[must_use]
    pub fn ended(&self) -> &[bool] {
        &self.ended
    }

    fn check_len<T>(field: &'static str, buf: &[T], want: usize) -> Result<(), InputError> {
        if buf.len() < want {
            return Err(InputError::new(
                field,
                format!("must hold at least {want} values"),
                buf.len() as i128,
            ));
        }
        Ok(())
    }

    fn check_outputs(&self, out: &Outputs<'_>) -> Result<(), InputError> {
        let n = self.envs.len();
        Self::check_len("obs", out.obs, n * self.obs_dim)?;
        Self::check_len("reward", out.reward, n)?;
        Self::check_len("terminated", out.terminated, n)?;
        Self::check_len("truncated", out.truncated, n)?;
        Self::check_len("state", out.state, n * STATE_DIM)?;
        if self.autoreset == Autoreset::SameStep {
            Self::check_len("final_obs", out.final_obs, n * self.obs_dim)?;
            Self::check_len("final_mask", out.final_mask, n)?;
        }
        Ok(())
    }

    /// Reset the environments whose `mask` entry is true (all without a mask), environment
    /// `i` with `seeds[i]` (`None`: its next episode). Reset rows get their first
    /// observation, reward 0, flags false and the state; the others' observation rows get
    /// what their last step returned (their other rows are left as they are).
    pub fn reset(
        &mut self,
        seeds: &[Option<u64>],
        mask: Option<&[bool]>,
        out: &mut Outputs<'_>,
    ) -> Result<(), InputError> {
        let n = self.envs.len();
        self.check_outputs(out)?;
        Self::check_len("seeds", seeds, n)?;
        if let Some(m) = mask {
            Self::check_len("reset_mask", m, n)?;
        }
        for i in 0..n {
            if mask.is_some_and(|m| !m[i]) {
                // Not reset: its observation is what its last step returned.
                let d = self.obs_dim;
                self.envs[i].observe(&mut out.obs[i * d..(i + 1) * d]);
                continue;
            }
            self.envs[i].reset(seeds[i])?;
            self.ended[i] = false;
            self.write_reset(i, out);
        }
        if self.autoreset == Autoreset::SameStep {
            out.final_mask[..n].fill(false);
        }
        Ok(())
    }

    fn write_reset(&self, i: usize, out: &mut Outputs<'_>) {
        let d = self.obs_dim;
        let e = &self.envs[i];
        e.observe(&mut out.obs[i * d..(i + 1) * d]);
        e.write_state(&mut out.state[i * STATE_DIM..(i + 1) * STATE_DIM]);
        out.reward[i] = 0.0;
        out.terminated[i] = false;
        out.truncated[i] = false;
    }

    fn action(&self, actions: Actions<'_>, i: usize) -> Action {
        match actions {
            Actions::Discrete(a) => Action::Discrete(a[i]),
            Actions::Continuous(a) => {
                let k = self.envs[i].config().action.dim();
                let x = a[i * k];
                Action::Continuous(x, if k > 1 { a[i * k + 1] } else { 0.0 })
            }
        }
    }

    /// Step every environment with its action (see the type's docs for autoreset). Every
    /// action and buffer is checked before anything moves: a bad one changes nothing.
    pub fn step(&mut self, actions: Actions<'_>, out: &mut Outputs<'_>) -> Result<(), InputError> {
        let n = self.envs.len();
        self.check_outputs(out)?;
        let kind = self.envs[0].config().action;
        match actions {
            Actions::Discrete(a) => Self::check_len("actions", a, n)?,
            Actions::Continuous(a) => Self::check_len("actions", a, n * kind.dim())?,
        }
        for i in 0..n {
            let skip = self.ended[i] && self.autoreset == Autoreset::NextStep;
            if !skip {
                self.envs[i]
                    .check_action(self.action(actions, i))
                    .map_err(|e| e.at(i))?;
            }
        }
        let blocked = self.ended.iter().position(|&e| e);
        if let (Autoreset::Disabled, Some(i)) = (self.autoreset, blocked) {
            return Err(InputError::new(
                "reset_mask",
                "must reset a sub-environment whose episode ended before stepping it \
                 (autoreset is disabled)",
                i as i128,
            ));
        }
        let d = self.obs_dim;
        if self.autoreset == Autoreset::SameStep {
            out.final_mask[..n].fill(false);
        }
        // One independent load per environment, issued back to back: the rows the step
        // reads arrive together instead of one cache miss per environment in turn.
        let mut touch = 0i64;
        for e in &self.envs {
            touch ^= e.next_row_ts();
        }
        std::hint::black_box(touch);
        for i in 0..n {
            if self.ended[i] && self.autoreset == Autoreset::NextStep {
                self.envs[i].reset(None)?;
                self.ended[i] = false;
                self.write_reset(i, out);
                continue;
            }
            let a = self.action(actions, i);
            let r = self.envs[i].step_checked(
                a,
                &mut out.obs[i * d..(i + 1) * d],
                &mut out.state[i * STATE_DIM..(i + 1) * STATE_DIM],
            )?;
            out.reward[i] = r.reward;
            out.terminated[i] = r.terminated;
            out.truncated[i] = r.truncated;
            let done = r.terminated | r.truncated;
            if done && self.autoreset == Autoreset::SameStep {
                out.final_obs[i * d..(i + 1) * d].copy_from_slice(&out.obs[i * d..(i + 1) * d]);
                out.final_mask[i] = true;
                // The state row keeps the final step's (its reward is this step's).
                self.envs[i].reset(None)?;
                self.envs[i].observe(&mut out.obs[i * d..(i + 1) * d]);
            } else {
                self.ended[i] = done;
            }
        }
        Ok(())
    }
}
