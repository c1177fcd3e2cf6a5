//! OCO and OUO groups: orders linked so that what happens to one changes the others,
//! applied inside the engine, at the moment it happens (in the middle of a walk if need
//! be), so that two linked orders can never both fill when the rule says they must not.
//!
//! * **OCO** (one cancels other): the first fill of a member, partial or full, cancels
//!   every other live member ([`CancelReason::Oco`]); the filled member's remainder keeps
//!   working.
//! * **OUO** (one updates other): a fill of `q` lots of a member reduces every other live
//!   member's open quantity by `q` ([`Event::Resized`], keeping its queue position); a
//!   member left with nothing open is canceled ([`CancelReason::Ouo`]).
//! * **Either kind**: a member canceled, expired or rejected (for any reason other than
//!   the two above) closes the group and cancels every other live member
//!   ([`CancelReason::Linked`]). A closed group has no further effect.
//!
//! The engine only knows the members that are live in it. A caller that keeps members
//! outside it (orders still in flight, or held until a parent fills) reads what happened
//! to each group from [`MatchingEngine::take_group_notes`].

use super::engine::MatchingEngine;
use super::event::{CancelReason, Event};
use super::l3::NIL;

/// The rule of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// One cancels other.
    Oco,
    /// One updates other.
    Ouo,
}

/// Something that happened to a group, for callers that track members outside the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupNote {
    /// An OUO member filled `qty` lots (every other member loses as much).
    Filled {
        /// The group.
        group: u32,
        /// Lots filled.
        qty: u64,
    },
    /// The group closed: an OCO member filled, or a member died (every other live member
    /// was canceled).
    Closed {
        /// The group.
        group: u32,
        /// Why the other members were canceled: [`CancelReason::Oco`] (a fill) or
        /// [`CancelReason::Linked`] (a member died).
        reason: CancelReason,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) kind: LinkKind,
    /// Slots of the live members.
    pub(super) members: Vec<u32>,
    pub(super) closed: bool,
}

impl MatchingEngine {
    /// Open group `group` (non-zero, not open yet) with rule `kind`. Orders join it when
    /// they are accepted with [`OrderRequest::group`](super::OrderRequest::group) set, or
    /// through [`join_group`](Self::join_group).
    pub fn open_group(&mut self, group: u32, kind: LinkKind) {
        debug_assert!(group != 0);
        self.groups.insert(
            group,
            Group {
                kind,
                members: Vec::new(),
                closed: false,
            },
        );
    }

    /// Add live order `id` to open group `group`; false if the order is not live, is
    /// already in a group, or the group is not open.
    pub fn join_group(&mut self, id: u64, group: u32) -> bool {
        let Some(slot) = self.book.slot(id) else {
            return false;
        };
        if self.book.get(slot).group != 0 {
            return false;
        }
        let Some(g) = self.groups.get_mut(&group) else {
            return false;
        };
        g.members.push(slot);
        self.book.node_mut(slot).group = group;
        true
    }

    /// Close `group` as if a member had died: every live member is canceled
    /// ([`CancelReason::Linked`]). For members the caller held outside the engine.
    pub fn close_group(&mut self, group: u32, out: &mut Vec<Event>) {
        self.linked_death(group, out);
        self.settle(out);
    }

    /// Forget `group` (the caller will not refer to it again). Its live members, if any,
    /// stay live and unlinked.
    pub fn drop_group(&mut self, group: u32) {
        if let Some(g) = self.groups.remove(&group) {
            for slot in g.members {
                self.book.node_mut(slot).group = 0;
            }
        }
    }

    /// Number of live members of `group` (0 if it is not open).
    #[must_use]
    pub fn group_live(&self, group: u32) -> usize {
        self.groups.get(&group).map_or(0, |g| g.members.len())
    }

    /// Whether `group` is open and closed (see [`GroupNote::Closed`]).
    #[must_use]
    pub fn group_closed(&self, group: u32) -> bool {
        self.groups.get(&group).is_some_and(|g| g.closed)
    }

    /// What happened to groups since the last call, in order.
    pub fn take_group_notes(&mut self, into: &mut Vec<GroupNote>) {
        into.append(&mut self.notes);
    }

    /// A member (the order in `from`, which may already be gone from the book) filled
    /// `qty` lots: apply the group's rule to the other members.
    #[cold]
    #[inline(never)]
    pub(super) fn linked_fill(&mut self, group: u32, from: u32, qty: u64, out: &mut Vec<Event>) {
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        if g.closed {
            return;
        }
        let kind = g.kind;
        let mut others = std::mem::take(&mut self.link_scratch);
        others.clear();
        others.extend(g.members.iter().copied().filter(|&s| s != from));
        match kind {
            LinkKind::Oco => {
                g.closed = true;
                self.notes.push(GroupNote::Closed {
                    group,
                    reason: CancelReason::Oco,
                });
                for &s in &others {
                    self.cancel_member(s, CancelReason::Oco, out);
                }
            }
            LinkKind::Ouo => {
                self.notes.push(GroupNote::Filled { group, qty });
                for &s in &others {
                    self.reduce_member(s, qty, out);
                }
            }
        }
        self.link_scratch = others;
    }

    /// A member died (already discarded): close the group, cancel the other members.
    #[cold]
    #[inline(never)]
    pub(super) fn linked_death(&mut self, group: u32, out: &mut Vec<Event>) {
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        if g.closed {
            return;
        }
        g.closed = true;
        self.notes.push(GroupNote::Closed {
            group,
            reason: CancelReason::Linked,
        });
        let mut others = std::mem::take(&mut self.link_scratch);
        others.clear();
        others.extend(g.members.iter().copied());
        for &s in &others {
            self.cancel_member(s, CancelReason::Linked, out);
        }
        self.link_scratch = others;
    }

    /// Remove `slot` from its group's member list (it is leaving the engine).
    #[cold]
    #[inline(never)]
    pub(super) fn leave_group(&mut self, group: u32, slot: u32) {
        if let Some(g) = self.groups.get_mut(&group) {
            if let Some(i) = g.members.iter().position(|&s| s == slot) {
                g.members.swap_remove(i);
            }
        }
    }

    /// Add the newly accepted order in `slot` to its request's group, if that is open.
    #[inline]
    pub(super) fn enter_group(&mut self, slot: u32) {
        let group = self.book.get(slot).group;
        if group != 0 {
            self.join_open_group(slot, group);
        }
    }

    #[cold]
    #[inline(never)]
    fn join_open_group(&mut self, slot: u32, group: u32) {
        match self.groups.get_mut(&group) {
            Some(g) => g.members.push(slot),
            None => self.book.node_mut(slot).group = 0,
        }
    }

    #[cold]
    #[inline(never)]
    fn cancel_member(&mut self, slot: u32, reason: CancelReason, out: &mut Vec<Event>) {
        if slot == self.walking {
            self.taker_kill = Some(reason);
            return;
        }
        let id = self.discard(slot);
        out.push(Event::Canceled { id, reason });
    }

    #[cold]
    #[inline(never)]
    fn reduce_member(&mut self, slot: u32, qty: u64, out: &mut Vec<Event>) {
        if slot == self.walking {
            self.taker_cut = self.taker_cut.saturating_add(qty);
            return;
        }
        let o = self.book.get(slot);
        let (id, leaves, resting) = (o.id, o.leaves(), o.resting);
        if leaves <= qty {
            self.cancel_member(slot, CancelReason::Ouo, out);
            return;
        }
        if resting {
            self.book.reduce(slot, leaves - qty);
        } else {
            self.book.node_mut(slot).qty -= qty;
        }
        let qty = self.book.get(slot).qty;
        out.push(Event::Resized { id, qty });
    }

    /// Apply what group rules did to the order being walked (`slot`, whose open quantity
    /// is `leaves`): `Err(reason)` if it must be canceled, else its new open quantity.
    #[cold]
    #[inline(never)]
    pub(super) fn walker_check(
        &mut self,
        slot: u32,
        leaves: u64,
        out: &mut Vec<Event>,
    ) -> Result<u64, CancelReason> {
        if let Some(reason) = self.taker_kill.take() {
            self.taker_cut = 0;
            return Err(reason);
        }
        if self.taker_cut == 0 {
            return Ok(leaves);
        }
        let cut = std::mem::take(&mut self.taker_cut).min(leaves);
        if cut == leaves {
            return Err(CancelReason::Ouo);
        }
        let n = self.book.node_mut(slot);
        n.qty -= cut;
        let (id, qty) = (n.id, n.qty);
        out.push(Event::Resized { id, qty });
        Ok(leaves - cut)
    }

    /// Forget the walker (after a walk, or when none is running).
    pub(super) fn end_walk(&mut self) {
        self.walking = NIL;
        self.taker_kill = None;
        self.taker_cut = 0;
    }
}
