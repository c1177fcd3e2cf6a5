//! Call-auction uncross: the single price at which an opening or closing auction trades,
//! and who gets what.
//!
//! # The clearing price
//!
//! For a price `p`, the *eligible* buy quantity `D(p)` is every market buy plus every buy
//! limited at `p` or above; the eligible sell quantity `S(p)` is every market sell plus
//! every sell limited at `p` or below. At `p` the auction would execute
//! `V(p) = min(D(p), S(p))` with imbalance `D(p) − S(p)` (positive: buyers left over).
//!
//! The clearing price is the price on the tick grid (multiples of `tick`) that
//!
//! 1. maximises the executed volume `V(p)`;
//! 2. then minimises the absolute imbalance `|D(p) − S(p)|`;
//! 3. then is closest to the reference price (last trade, previous close…);
//! 4. then is the lower price (only reachable when the reference is off the grid and two
//!    grid prices are equally close).
//!
//! Every grid price is a candidate, not only the limit prices: between two neighbouring
//! limit prices `D` and `S` are constant, so such a gap can beat both ends (a zero
//! imbalance strictly between them) and the tie-break picks the gap's grid price closest
//! to the reference. Because `D` falls and `S` rises with `p`, the prices that pass rules
//! 1 and 2 form one contiguous range; rule 3 picks the reference itself when it lies in
//! that range, and otherwise the end of the range nearer to it.
//!
//! **Only market orders** (no limit at all): `D` and `S` are the same at every price, so
//! rules 1 and 2 tie everywhere and rule 3 gives the reference price (rounded to the
//! nearest grid price, the lower on a tie). Market orders facing only limits on the
//! other side are priced by the same rules.
//!
//! There is **no uncross** when nothing could trade at any price: no orders, orders on
//! one side only, or only limit orders with the best bid below the best ask.
//!
//! # Allocation
//!
//! Every eligible order of the side with less eligible quantity fills completely. The
//! other side shares the volume in priority order, each order filling as much as is left:
//!
//! 1. market orders first (they are willing to pay any price), by arrival sequence;
//! 2. then limit orders from the most aggressive price (highest buy, lowest sell) to the
//!    clearing price, so orders priced strictly better than the clearing price fill
//!    before those limited exactly at it;
//! 3. within one price (or among market orders), by arrival sequence, then by position in
//!    the input when two sequences are equal.
//!
//! All fills are at the clearing price. At most one order per side is filled partially.
//!
//! # Worked example
//!
//! ```text
//! seq  side  limit   qty        p  :   99   100   101   102   103
//!  1   buy   market   30     D(p)  :  150   150   130    80    30
//!  2   buy   102      50     S(p)  :   50    90   140   140   170
//!  3   buy   101      40     V(p)  :   50    90   130    80    30
//!  4   buy   100      20
//!  5   buy   101      10     The clearing price is 101 (V = 130, the only maximum), with
//!  6   sell  market   20     an imbalance of 10 on the sell side (140 − 130).
//!  7   sell   99      30     Buys 1, 2, 3, 5 (130 eligible) fill completely; buy 4 (100)
//!  8   sell  100      40     is not eligible. Sells: 6 (market) 20, then 7 (99) 30, then
//!  9   sell  101      50     8 (100) 40, then 9 — limited at exactly 101 — gets the last
//! 10   sell  103      30     40 of its 50. Sell 10 (103) is not eligible.
//! ```
//!
//! The whole computation is `O(n log n)` for `n` orders (two sorts and linear sweeps).

use std::cmp::{Ordering, Reverse};
use std::fmt;

use crate::book::Side;

/// One order collected for an auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuctionOrder {
    /// The caller's id, echoed in the fills (not checked for uniqueness).
    pub id: u64,
    /// Buy or sell.
    pub side: Side,
    /// Limit price in the caller's price unit (ticks); `None` for a market order.
    pub limit: Option<i64>,
    /// Quantity (lots), positive.
    pub qty: u64,
    /// Arrival sequence: lower arrived earlier (time priority).
    pub seq: u64,
}

/// Quantity left over at the clearing price, and on which side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Imbalance {
    /// The side with more eligible quantity than executes; `None` when they are equal.
    pub side: Option<Side>,
    /// `|D − S|` at the clearing price.
    pub qty: u64,
}

/// What one order gets from the uncross (all at the clearing price).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuctionFill {
    /// The order's id.
    pub id: u64,
    /// The order's side.
    pub side: Side,
    /// Quantity filled, positive.
    pub qty: u64,
}

/// The result of a successful uncross.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uncross {
    /// The clearing price.
    pub price: i64,
    /// Quantity executed (on each side).
    pub volume: u64,
    /// Eligible buy quantity `D` at the clearing price.
    pub buy_eligible: u64,
    /// Eligible sell quantity `S` at the clearing price.
    pub sell_eligible: u64,
    /// What is left over at the clearing price.
    pub imbalance: Imbalance,
    /// Fills with a positive quantity: the buys in priority order, then the sells in
    /// priority order.
    pub fills: Vec<AuctionFill>,
}

/// Why an auction did not uncross.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoUncross {
    /// No orders were collected.
    NoOrders,
    /// Only `side` has orders.
    OneSided {
        /// The side that has orders.
        side: Side,
    },
    /// Only limit orders, and the best bid is below the best ask.
    NotCrossed {
        /// Highest buy limit.
        best_bid: i64,
        /// Lowest sell limit.
        best_ask: i64,
    },
    /// `tick` must be positive.
    InvalidTick {
        /// The tick given.
        tick: i64,
    },
    /// An order has quantity 0.
    ZeroQuantity {
        /// The order's id.
        id: u64,
    },
    /// An order's limit price is not a multiple of the tick.
    OffTick {
        /// The order's id.
        id: u64,
        /// Its limit price.
        price: i64,
    },
    /// The total quantity of one side does not fit in a `u64`.
    QuantityOverflow {
        /// The side.
        side: Side,
    },
}

impl fmt::Display for NoUncross {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoOrders => f.write_str("no orders in the auction"),
            Self::OneSided { side } => write!(f, "only {side:?} orders in the auction"),
            Self::NotCrossed { best_bid, best_ask } => write!(
                f,
                "auction does not cross: best bid {best_bid} < best ask {best_ask}"
            ),
            Self::InvalidTick { tick } => write!(f, "tick must be positive, got {tick}"),
            Self::ZeroQuantity { id } => write!(f, "order {id}: qty must be positive"),
            Self::OffTick { id, price } => {
                write!(f, "order {id}: limit {price} is not a multiple of the tick")
            }
            Self::QuantityOverflow { side } => {
                write!(f, "total {side:?} quantity overflows u64")
            }
        }
    }
}

impl std::error::Error for NoUncross {}

/// A grid price and what would trade there.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    price: i64,
    demand: u64,
    supply: u64,
}

impl Candidate {
    fn volume(&self) -> u64 {
        self.demand.min(self.supply)
    }

    /// Better-is-greater key: volume, then small imbalance, then near the reference,
    /// then low price.
    fn key(&self, reference: i64) -> (u64, Reverse<u64>, Reverse<u64>, Reverse<i64>) {
        (
            self.volume(),
            Reverse(self.demand.abs_diff(self.supply)),
            Reverse(self.price.abs_diff(reference)),
            Reverse(self.price),
        )
    }
}

/// The grid price (multiple of `tick`) nearest `reference` strictly between `lo` and `hi`
/// (each `None`: unbounded; limits of `i64` apply), the lower on a tie.
fn nearest_grid(reference: i64, lo: Option<i64>, hi: Option<i64>, tick: i64) -> Option<i64> {
    let step = i128::from(tick);
    // Smallest and largest multiples of the tick that are valid i64 prices.
    let min_grid = -((-i128::from(i64::MIN)).div_euclid(step) * step);
    let max_grid = i128::from(i64::MAX).div_euclid(step) * step;
    let first = lo.map_or(min_grid, |l| i128::from(l) + step);
    let last = hi.map_or(max_grid, |h| i128::from(h) - step);
    if first > last {
        return None;
    }
    let target = i128::from(reference);
    let chosen = if target <= first {
        first
    } else if target >= last {
        last
    } else {
        let below = target.div_euclid(step) * step; // first <= below <= target
        if below == target || target - below <= below + step - target {
            below
        } else {
            below + step
        }
    };
    i64::try_from(chosen).ok()
}

/// Uncross one auction: clearing price, volume, imbalance and per-order fills.
///
/// `reference` is the price ties are broken toward (it need not be on the grid);
/// `tick` is the price grid's step in the same unit as the prices (1 when prices are
/// ticks). See the module docs for the rules.
pub fn uncross(orders: &[AuctionOrder], reference: i64, tick: i64) -> Result<Uncross, NoUncross> {
    if tick <= 0 {
        return Err(NoUncross::InvalidTick { tick });
    }
    let mut market = [0u64; 2];
    let mut any = [false; 2];
    let mut buys: Vec<(i64, u64)> = Vec::new();
    let mut sells: Vec<(i64, u64)> = Vec::new();
    for o in orders {
        if o.qty == 0 {
            return Err(NoUncross::ZeroQuantity { id: o.id });
        }
        let s = usize::from(o.side == Side::Sell);
        any[s] = true;
        match o.limit {
            None => {
                market[s] = market[s]
                    .checked_add(o.qty)
                    .ok_or(NoUncross::QuantityOverflow { side: o.side })?;
            }
            Some(price) => {
                if price.rem_euclid(tick) != 0 {
                    return Err(NoUncross::OffTick { id: o.id, price });
                }
                if s == 0 {
                    buys.push((price, o.qty));
                } else {
                    sells.push((price, o.qty));
                }
            }
        }
    }
    let total = |m: u64, v: &[(i64, u64)], side| {
        v.iter()
            .try_fold(m, |acc, &(_, q)| acc.checked_add(q))
            .ok_or(NoUncross::QuantityOverflow { side })
    };
    total(market[0], &buys, Side::Buy)?;
    total(market[1], &sells, Side::Sell)?;
    match any {
        [false, false] => return Err(NoUncross::NoOrders),
        [true, false] => return Err(NoUncross::OneSided { side: Side::Buy }),
        [false, true] => return Err(NoUncross::OneSided { side: Side::Sell }),
        [true, true] => {}
    }

    let best = best_candidate(&mut buys, &mut sells, market, reference, tick);
    let Some(best) = best else {
        // Both sides have orders and nothing trades anywhere: only limits, not crossed.
        let best_bid = buys.iter().map(|&(p, _)| p).max().unwrap_or(i64::MIN);
        let best_ask = sells.iter().map(|&(p, _)| p).min().unwrap_or(i64::MAX);
        return Err(NoUncross::NotCrossed { best_bid, best_ask });
    };

    let volume = best.volume();
    let imbalance = match best.demand.cmp(&best.supply) {
        Ordering::Greater => Imbalance {
            side: Some(Side::Buy),
            qty: best.demand - best.supply,
        },
        Ordering::Less => Imbalance {
            side: Some(Side::Sell),
            qty: best.supply - best.demand,
        },
        Ordering::Equal => Imbalance { side: None, qty: 0 },
    };
    let mut fills = Vec::new();
    allocate(orders, Side::Buy, best.price, volume, &mut fills);
    allocate(orders, Side::Sell, best.price, volume, &mut fills);
    Ok(Uncross {
        price: best.price,
        volume,
        buy_eligible: best.demand,
        sell_eligible: best.supply,
        imbalance,
        fills,
    })
}

/// The best grid price with a positive volume, if any. Sorts `buys` and `sells` by price.
fn best_candidate(
    buys: &mut [(i64, u64)],
    sells: &mut [(i64, u64)],
    market: [u64; 2],
    reference: i64,
    tick: i64,
) -> Option<Candidate> {
    buys.sort_unstable_by_key(|&(p, _)| p);
    sells.sort_unstable_by_key(|&(p, _)| p);
    let mut prices: Vec<i64> = buys.iter().chain(sells.iter()).map(|&(p, _)| p).collect();
    prices.sort_unstable();
    prices.dedup();

    // Limit buys at or above / sells at or below each distinct price (totals fit in u64:
    // checked by the caller).
    let k = prices.len();
    let mut buys_ge = vec![0u64; k];
    let mut j = buys.len();
    let mut acc = 0u64;
    for i in (0..k).rev() {
        while j > 0 && buys[j - 1].0 >= prices[i] {
            j -= 1;
            acc += buys[j].1;
        }
        buys_ge[i] = acc;
    }
    let buys_all = acc;
    let mut sells_le = vec![0u64; k];
    let mut j = 0;
    let mut acc = 0u64;
    for i in 0..k {
        while j < sells.len() && sells[j].0 <= prices[i] {
            acc += sells[j].1;
            j += 1;
        }
        sells_le[i] = acc;
    }
    let sells_all = acc;

    let [mb, ms] = market;
    let mut best: Option<Candidate> = None;
    let mut consider = |price: Option<i64>, demand: u64, supply: u64| {
        let Some(price) = price else { return };
        let c = Candidate {
            price,
            demand,
            supply,
        };
        if c.volume() == 0 {
            return;
        }
        if best.is_none_or(|b| c.key(reference) > b.key(reference)) {
            best = Some(c);
        }
    };

    if k == 0 {
        consider(nearest_grid(reference, None, None, tick), mb, ms);
    } else {
        // Below every limit: all limit buys are eligible, no limit sell is.
        consider(
            nearest_grid(reference, None, Some(prices[0]), tick),
            mb + buys_all,
            ms,
        );
        for i in 0..k {
            consider(Some(prices[i]), mb + buys_ge[i], ms + sells_le[i]);
            // Strictly between this price and the next one (or above the last).
            let next = prices.get(i + 1).copied();
            let gap_demand = if i + 1 < k { buys_ge[i + 1] } else { 0 };
            consider(
                nearest_grid(reference, Some(prices[i]), next, tick),
                mb + gap_demand,
                ms + sells_le[i],
            );
        }
        debug_assert_eq!(sells_le[k - 1], sells_all);
    }
    best
}

/// Append the fills of `side`'s eligible orders at `price`, sharing `volume` by priority.
fn allocate(
    orders: &[AuctionOrder],
    side: Side,
    price: i64,
    volume: u64,
    fills: &mut Vec<AuctionFill>,
) {
    let mut eligible: Vec<(usize, &AuctionOrder)> = orders
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.side == side
                && o.limit.is_none_or(|l| match side {
                    Side::Buy => l >= price,
                    Side::Sell => l <= price,
                })
        })
        .collect();
    // Markets first (`false < true`), then the most aggressive limit, then time, then
    // input position. A sell's aggressiveness is a low price, a buy's a high one.
    let aggressiveness = |o: &AuctionOrder| match (side, o.limit) {
        (_, None) => 0i128,
        (Side::Buy, Some(l)) => -i128::from(l),
        (Side::Sell, Some(l)) => i128::from(l),
    };
    eligible.sort_unstable_by_key(|&(i, o)| (o.limit.is_some(), aggressiveness(o), o.seq, i));
    let mut left = volume;
    for (_, o) in eligible {
        if left == 0 {
            break;
        }
        let qty = o.qty.min(left);
        left -= qty;
        fills.push(AuctionFill {
            id: o.id,
            side,
            qty,
        });
    }
}

#[cfg(test)]
mod tests;
