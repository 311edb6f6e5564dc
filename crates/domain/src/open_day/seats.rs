//! Seats and the waitlist. An event has a capacity, of which some places are reserved (for
//! invited guests and the press) and never offered. In first-come mode a registrant gets a seat
//! while one is free and nobody is waiting, and waits otherwise: a newcomer never passes someone
//! already waiting. A cancellation frees a seat, and the first waiting person gets it at once.
//! In selection mode registrants wait for staff, who confirm at most the open seats.

use super::ApprovalMode;

/// The places of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    pub capacity: u32,
    /// Kept back from registration.
    pub reserved: u32,
}

impl Seats {
    /// The places registrants may hold.
    pub fn open(self) -> u32 {
        self.capacity.saturating_sub(self.reserved)
    }

    /// Why these numbers cannot stand, if they cannot.
    pub fn problem(self) -> Option<(&'static str, &'static str, &'static str)> {
        if self.capacity == 0 {
            Some(("capacity", "名额", "应至少为 1"))
        } else if self.reserved >= self.capacity {
            Some(("reserved", "预留名额", "应少于总名额"))
        } else {
            None
        }
    }
}

/// What a new registration gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A seat, confirmed now.
    Seat,
    /// A place on the waitlist.
    Waitlist,
    /// Waits for staff to choose (selection mode).
    Pending,
}

/// The admission of a new registrant when `holding` registrants hold seats and `waiting` wait.
pub fn admit(mode: ApprovalMode, seats: Seats, holding: u32, waiting: u32) -> Admission {
    match mode {
        ApprovalMode::Selection => Admission::Pending,
        ApprovalMode::FirstCome if holding < seats.open() && waiting == 0 => Admission::Seat,
        ApprovalMode::FirstCome => Admission::Waitlist,
    }
}

/// Who of the waitlist (in the order they registered) gets a seat now: as many of the first as
/// there are free seats. Called after every cancellation (and when seats are added), in the
/// same transaction, so no seat stays free while someone waits.
pub fn promote<T>(seats: Seats, holding: u32, waitlist: &[T]) -> &[T] {
    let free = seats.open().saturating_sub(holding) as usize;
    &waitlist[..free.min(waitlist.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SEATS: Seats = Seats { capacity: 5, reserved: 2 };

    #[test]
    fn admission_by_mode_and_occupancy() {
        use Admission::*;
        use ApprovalMode::*;
        for (mode, holding, waiting, want) in [
            (FirstCome, 0, 0, Seat),
            (FirstCome, 2, 0, Seat),
            (FirstCome, 3, 0, Waitlist),
            (FirstCome, 2, 1, Waitlist),
            (Selection, 0, 0, Pending),
            (Selection, 3, 4, Pending),
        ] {
            assert_eq!(admit(mode, SEATS, holding, waiting), want, "{mode:?} {holding} {waiting}");
        }
        assert_eq!(SEATS.open(), 3);
        assert_eq!(Seats { capacity: 2, reserved: 5 }.open(), 0);
        assert_eq!(Seats { capacity: 0, reserved: 0 }.problem().map(|p| p.0), Some("capacity"));
        assert_eq!(Seats { capacity: 3, reserved: 3 }.problem().map(|p| p.0), Some("reserved"));
        assert_eq!(SEATS.problem(), None);
    }

    #[test]
    fn promotion_takes_the_first_waiters_for_the_free_seats() {
        let waitlist = [11, 12, 13];
        assert_eq!(promote(SEATS, 3, &waitlist), &[] as &[i32]);
        assert_eq!(promote(SEATS, 2, &waitlist), &[11]);
        assert_eq!(promote(SEATS, 0, &waitlist), &[11, 12, 13]);
        assert_eq!(promote(SEATS, 0, &waitlist[..1]), &[11]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Register,
        /// Cancels the registration at this index of those not cancelled (modulo their number).
        Cancel(usize),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        proptest::collection::vec(prop_oneof![3 => Just(Op::Register), 2 => any::<usize>().prop_map(Op::Cancel)], 0..80)
    }

    proptest! {
        /// Any sequence of registrations and cancellations, run through `admit` and `promote` as
        /// the application runs them: never more seats held than open, never a free seat while
        /// someone waits, and seats go to waiters strictly in the order they registered.
        #[test]
        fn never_over_capacity_never_a_skipped_waiter(ops in ops(), capacity in 1u32..8, reserved in 0u32..3) {
            let seats = Seats { capacity, reserved: reserved.min(capacity - 1) };
            let (mut holding, mut waiting): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
            let mut promoted_order = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let n = n as u32;
                match op {
                    Op::Register => match admit(ApprovalMode::FirstCome, seats, holding.len() as u32, waiting.len() as u32) {
                        Admission::Seat => holding.push(n),
                        Admission::Waitlist => waiting.push(n),
                        Admission::Pending => prop_assert!(false, "first come never pends"),
                    },
                    Op::Cancel(i) => {
                        let total = holding.len() + waiting.len();
                        if total == 0 {
                            continue;
                        }
                        let i = i % total;
                        if i < holding.len() { holding.remove(i); } else { waiting.remove(i - holding.len()); }
                        let up = promote(seats, holding.len() as u32, &waiting).to_vec();
                        waiting.drain(..up.len());
                        promoted_order.extend(up.iter().copied());
                        holding.extend(up);
                    }
                }
                prop_assert!(holding.len() as u32 <= seats.open());
                prop_assert!(waiting.is_empty() || holding.len() as u32 == seats.open(), "a free seat while someone waits");
                prop_assert!(waiting.windows(2).all(|w| w[0] < w[1]), "the waitlist keeps its order");
                prop_assert!(promoted_order.windows(2).all(|w| w[0] < w[1]), "waiters promoted out of order");
            }
        }
    }
}
