//! The audit log is a hash chain: each record's hash covers its own fields and the previous
//! record's hash, so altering or removing any record breaks every hash after it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// UTC instant in the fixed-width text form of `time::format_instant`.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// The acting user's unit.
    pub unit_id: Option<i64>,
    /// The unit the changed object belongs to, so that a unit sees what others did to it.
    pub subject_unit_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub summary: String,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash of this record given its fields and `prev_hash`. Fields are encoded as a JSON
    /// array so that no separator inside a value can make two records hash alike.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_id,
            self.actor_name,
            self.unit_id,
            self.subject_unit_id,
            self.action,
            self.object_type,
            self.object_id,
            self.summary,
            self.ip,
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// A record is missing before this sequence number.
    Gap { expected: i64, found: i64 },
    /// This record does not point to the hash of the record before it.
    Link { seq: i64 },
    /// This record's fields no longer match its hash.
    Altered { seq: i64 },
    /// Records after this one were removed from the end of the log.
    Truncated { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap { expected, found } => {
                write!(f, "record {expected} is missing (next record found is {found})")
            }
            ChainBreak::Link { seq } => write!(f, "record {seq} does not link to the record before it"),
            ChainBreak::Altered { seq } => write!(f, "record {seq} was altered after it was written"),
            ChainBreak::Truncated { last_seq, head_seq } => {
                write!(f, "records after {last_seq} were removed (the chain head says {head_seq})")
            }
        }
    }
}

/// Walks records in sequence order and checks every link; keeps only the last hash so the log
/// can be streamed. `start` is the state before the first record fed.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { next_seq: 1, last_hash: GENESIS_HASH.to_string() }
    }
}

impl ChainVerifier {
    pub fn feed(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.next_seq {
            return Err(ChainBreak::Gap { expected: self.next_seq, found: record.seq });
        }
        if record.prev_hash != self.last_hash {
            return Err(ChainBreak::Link { seq: record.seq });
        }
        if record.compute_hash() != record.hash {
            return Err(ChainBreak::Altered { seq: record.seq });
        }
        self.next_seq += 1;
        self.last_hash = record.hash.clone();
        Ok(())
    }

    /// Compares the end of the walk with the chain head kept beside the log.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.next_seq - 1;
        if last != head_seq || (last > 0 && head_hash != self.last_hash) {
            return Err(ChainBreak::Truncated { last_seq: last, head_seq });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    actor_id: Some(1),
                    actor_name: "admin".into(),
                    unit_id: Some(1),
                    subject_unit_id: Some(2),
                    action: "unit.rename".into(),
                    object_type: "unit".into(),
                    object_id: seq.to_string(),
                    summary: format!("名称改为 第{seq}号"),
                    ip: "127.0.0.1".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = r.compute_hash();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.feed(r)?;
        }
        v.finish(head_seq, head_hash)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_found() {
        let c = chain(5);
        let head = c[4].hash.clone();

        let mut altered = c.clone();
        altered[2].summary = "名称改为 别的".into();
        assert_eq!(verify(&altered, 5, &head), Err(ChainBreak::Altered { seq: 3 }));

        // Re-hashing the altered record does not help: the next one no longer links.
        altered[2].hash = altered[2].compute_hash();
        assert_eq!(verify(&altered, 5, &head), Err(ChainBreak::Link { seq: 4 }));

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, 5, &head), Err(ChainBreak::Gap { expected: 2, found: 3 }));

        let truncated = &c[..4];
        assert_eq!(verify(truncated, 5, &head), Err(ChainBreak::Truncated { last_seq: 4, head_seq: 5 }));

        let mut actor_changed = c.clone();
        actor_changed[0].actor_id = Some(2);
        assert_eq!(verify(&actor_changed, 5, &head), Err(ChainBreak::Altered { seq: 1 }));
    }

    #[test]
    fn separators_cannot_forge_equal_hashes() {
        let c = chain(1);
        let mut a = c[0].clone();
        let mut b = c[0].clone();
        a.action = "x".into();
        a.object_type = "yz".into();
        b.action = "xy".into();
        b.object_type = "z".into();
        assert_ne!(a.compute_hash(), b.compute_hash());
    }
}
