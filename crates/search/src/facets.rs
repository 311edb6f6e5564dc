//! Facet counts (unit, genre, topic, year, validity) read straight from the fast columns.
//! Tantivy's generic aggregations do the same job several times slower per matching
//! document, and a common two-character word matches a large part of a million documents;
//! this collector only counts, by column ordinal, and names the values once per segment.

use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// How many values of each facet are reported, most frequent first.
const LIMITS: [(&str, usize); 5] = [("unit", 30), ("genre", 20), ("topic", 30), ("year", 20), ("validity", 5)];
const NUMERIC: [&str; 2] = ["unit", "year"];
const TEXT: [&str; 3] = ["genre", "topic", "validity"];

/// Counts per value, by facet name.
#[derive(Debug, Default)]
pub struct FacetCounts(pub HashMap<&'static str, HashMap<String, u64>>);

impl FacetCounts {
    /// The values of one facet, most frequent first (ties by value), cut to its limit.
    pub fn top(&self, facet: &str) -> Vec<(String, u64)> {
        let limit = LIMITS.iter().find(|(n, _)| *n == facet).map(|(_, l)| *l).unwrap_or(10);
        let mut all: Vec<(String, u64)> =
            self.0.get(facet).map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect()).unwrap_or_default();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(limit);
        all
    }
}

pub struct FacetCollector;

pub struct FacetSegment {
    numeric: Vec<(&'static str, Column<u64>, HashMap<u64, u64>)>,
    text: Vec<(&'static str, StrColumn, Vec<u64>)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let fast = segment.fast_fields();
        let mut numeric = Vec::new();
        for name in NUMERIC {
            numeric.push((name, fast.u64(name)?, HashMap::new()));
        }
        let mut text = Vec::new();
        for name in TEXT {
            if let Some(col) = fast.str(name)? {
                let terms = col.num_terms();
                text.push((name, col, vec![0; terms]));
            }
        }
        Ok(FacetSegment { numeric, text })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut out = FacetCounts::default();
        for fruit in fruits {
            for (facet, counts) in fruit.0 {
                let into = out.0.entry(facet).or_default();
                for (value, n) in counts {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (_, col, counts) in &mut self.numeric {
            if let Some(v) = col.first(doc) {
                *counts.entry(v).or_default() += 1;
            }
        }
        for (_, col, counts) in &mut self.text {
            if let Some(ord) = col.ords().first(doc)
                && let Some(c) = counts.get_mut(ord as usize)
            {
                *c += 1;
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut out = FacetCounts::default();
        for (name, _, counts) in self.numeric {
            out.0.insert(name, counts.into_iter().map(|(v, n)| (v.to_string(), n)).collect());
        }
        for (name, col, counts) in self.text {
            let mut named = HashMap::new();
            for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                let mut value = String::new();
                if col.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    named.insert(value, n);
                }
            }
            out.0.insert(name, named);
        }
        out
    }
}
