//! 信息处理费 under 国办函〔2020〕109号: charged only to regulate excessive requests, either by
//! item or by page (never both for one application), progressively. Amounts are in yuan.

use crate::calendar::{Calendar, Counted};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_list! {
    /// 计费方式: one per application.
    FeeBasis {
        PerItem = ("per_item", "按件计收"),
        PerPage = ("per_page", "按量计收"),
    }
}

/// The rate of the k-th item an applicant asks for in one calendar month (k from 1): the
/// first 10 are free, the 11th to the 30th cost 100 yuan each, and from the 31st the rate
/// rises by 100 yuan with every further 10 items.
pub fn item_rate(k: u64) -> u64 {
    match k {
        0..=10 => 0,
        11..=30 => 100,
        _ => 100 + 100 * ((k - 31) / 10 + 1),
    }
}

/// The fee for the first `n` items of a month, summed in closed form: tier i (from 1) of ten
/// items beyond the 30th costs 100·(i+1) yuan per item.
fn items_total(n: u64) -> u64 {
    match n {
        0..=10 => 0,
        11..=30 => 100 * (n - 10),
        _ => {
            let (tiers, rest) = ((n - 30) / 10, (n - 30) % 10);
            2000u64
                .saturating_add(1000u64.saturating_mul(tiers.saturating_mul(tiers + 1) / 2 + tiers))
                .saturating_add((100 * rest).saturating_mul(tiers + 2))
        }
    }
}

/// The fee for `items` items of one application when the applicant already asked for
/// `earlier` items from this agency in the same calendar month.
pub fn per_item_fee(earlier: u64, items: u64) -> u64 {
    items_total(earlier.saturating_add(items)) - items_total(earlier)
}

/// The fee for `pages` pages of one application: 30 free, 31–100 at 10 yuan, 101–200 at 20,
/// beyond 200 at 40 yuan a page.
pub fn per_page_fee(pages: u64) -> u64 {
    let band = |from: u64, to: u64| pages.min(to).saturating_sub(from);
    (10 * band(30, 100) + 20 * band(100, 200)).saturating_add(40u64.saturating_mul(pages.saturating_sub(200)))
}

/// The day by which the fee must be paid: 20 working days after the notice; after it the
/// application is no longer processed (outcome `other.fee_unpaid`).
pub fn payment_due(cal: &Calendar, noticed_on: NaiveDate) -> Counted<NaiveDate> {
    cal.add_workdays(noticed_on, crate::requests::FEE_PAYMENT_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_schedule_of_the_notice() {
        for (earlier, items, fee) in [
            (0, 10, 0),
            (0, 11, 100),
            (0, 30, 2000),
            (0, 31, 2200),
            (0, 40, 4000),
            (0, 41, 4300),
            (0, 50, 7000),
            (10, 1, 100),
            (30, 10, 2000),
            (35, 10, 2500),
            (5, 3, 0),
        ] {
            assert_eq!(per_item_fee(earlier, items), fee, "{earlier} earlier, {items} now");
        }
        for (pages, fee) in [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)] {
            assert_eq!(per_page_fee(pages), fee, "{pages} pages");
        }
        assert_eq!(item_rate(10), 0);
        assert_eq!(item_rate(31), 200);
        assert_eq!(item_rate(41), 300);
        assert_eq!(FeeBasis::parse("按量计收"), Some(FeeBasis::PerPage));
    }

    #[test]
    fn absurd_counts_saturate_instead_of_overflowing() {
        assert_eq!(per_item_fee(0, u64::MAX), items_total(u64::MAX));
        assert!(per_page_fee(u64::MAX) > 0);
    }

    #[test]
    fn payment_is_due_twenty_working_days_after_the_notice() {
        let cal = Calendar::official();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(payment_due(&cal, d("2024-09-27")).value, d("2024-10-30"));
    }

    proptest! {
        #[test]
        fn the_closed_form_sums_the_rates(n in 0u64..2000) {
            prop_assert_eq!(items_total(n), (1..=n).map(item_rate).sum::<u64>());
        }

        #[test]
        fn splitting_an_application_changes_nothing(earlier in 0u64..500, a in 0u64..200, b in 0u64..200) {
            prop_assert_eq!(per_item_fee(earlier, a + b), per_item_fee(earlier, a) + per_item_fee(earlier + a, b));
        }

        #[test]
        fn more_pages_never_cost_less(p in 0u64..100_000) {
            prop_assert!(per_page_fee(p + 1) >= per_page_fee(p));
            prop_assert_eq!(per_page_fee(p + 1) - per_page_fee(p), match p + 1 { 0..=30 => 0, 31..=100 => 10, 101..=200 => 20, _ => 40 });
        }
    }
}
