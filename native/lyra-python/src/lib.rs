//! `lyra._native`: the thin pyo3 layer over `lyra-engine`.
//!
//! Nothing here decides behaviour; it converts arguments, maps engine errors to the
//! exceptions of `lyra.errors`, and releases the GIL around long Rust loops. The
//! engine crate is where the logic and its tests live.
//!
//! The `///` comments on Python-visible items are Python docstrings (they become
//! `__doc__`), kept identical to `src/lyra/_native.pyi`; a test checks that they agree.
#![allow(
    clippy::doc_markdown,
    reason = "doc comments here are Python docstrings, not rustdoc"
)]

mod book;
mod errors;
mod fixed;
mod replay;
mod rl;
mod sim;

use pyo3::prelude::*;

/// The compiled core of Lyra. Import `lyra.book` rather than this module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    book::register(m)?;
    fixed::register(m)?;
    sim::register(m)?;
    replay::register(m)?;
    rl::register(m)?;
    Ok(())
}
