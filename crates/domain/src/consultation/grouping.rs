//! Near-duplicate opinions (issue 16): two opinions are similar when, after dropping whitespace
//! and punctuation, the Jaccard similarity of their character 3-shingles is at least
//! [`THRESHOLD`]. Candidates are found with MinHash ([`Signature`]) and banded LSH
//! ([`Signature::bands`]), never by comparing every pair, and every candidate is verified with
//! the exact [`jaccard`] before it counts.
//!
//! - [`group_all`] groups a whole campaign at once (a million opinions in bounded memory);
//! - [`Index`] groups opinions one at a time, in memory (tests, small batches);
//! - the store keeps each opinion's [`Signature::bands`] keys (BIGINT) to find candidates for a
//!   new opinion with an index lookup, and verifies them with [`similar`] on the texts.
//!
//! Everything here is hand-rolled (about a hundred lines of hashing) rather than taken from an
//! LSH crate: the shingle hashes, the MinHash permutations and the band keys are stored in
//! databases, so they must stay bit-for-bit the same across runs, machines, Rust versions and
//! dependency upgrades; with the constants written out below nothing outside this file can
//! change them. **Never change `shingle_hash`, `PERMUTATIONS` or [`Signature::bands`]
//! without recomputing every stored band key.**

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Two opinions are near-duplicates when the Jaccard similarity of their shingle sets is at
/// least this.
pub const THRESHOLD: f64 = 0.8;

/// Number of MinHash values in a [`Signature`].
pub const HASHES: usize = BANDS * ROWS;
/// Number of LSH bands; two texts are candidates when all rows of one band agree.
///
/// With `b = 20` bands of `r = 5` rows a pair of Jaccard similarity `s` becomes a candidate
/// with probability `1 - (1 - s^5)^20`:
///
/// | s    | P(candidate) |
/// |------|--------------|
/// | 0.9  | 1 - 4e-12    |
/// | 0.8  | 0.99964 (`1 - (1 - 0.32768)^20 = 1 - 0.67232^20`) |
/// | 0.7  | 0.9726       |
/// | 0.5  | 0.47         |
/// | 0.3  | 0.047        |
/// | 0.1  | 0.0002       |
///
/// So a pair at the threshold is missed once in 2,800, while unrelated opinions (s < 0.1 for
/// texts by different authors) almost never meet. Six rows would halve the candidates at
/// s = 0.5 but miss 1 in 430 pairs at 0.8 (`1 - (1 - 0.8^6)^20 = 0.9977`); 100 hashes also
/// keep signing a million texts to a few seconds.
pub const BANDS: usize = 20;
/// Number of MinHash values per band.
pub const ROWS: usize = 5;

/// The characters that count: alphanumeric characters only (whitespace, punctuation and
/// symbols dropped), full-width ASCII (U+FF01–U+FF5E) folded to half-width and ASCII letters
/// to lower case.
pub fn normalise(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len() / 2);
    for c in text.chars() {
        let c = match c {
            // The common case first: CJK Unified Ideographs (all alphabetic) skip the slow
            // Unicode table lookup of `is_alphanumeric`.
            '\u{4E00}'..='\u{9FFF}' => {
                out.push(c);
                continue;
            }
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The splitmix64 finaliser: a bijection of `u64` that mixes every bit into every other.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of one shingle of up to three characters: each code point plus one (21 bits, 0 for
/// a missing position in a text of one or two characters) packed into 63 bits, then
/// `mix64`. Both steps are injective, so distinct shingles never share a hash.
fn shingle_hash(c0: Option<char>, c1: Option<char>, c2: Option<char>) -> u64 {
    let code = |c: Option<char>| c.map_or(0, |c| c as u64 + 1);
    mix64((code(c0) << 42) | (code(c1) << 21) | code(c2))
}

/// The sorted, deduplicated hashes of the character 3-shingles of [`normalise`]d `text`. A
/// normalised text of one or two characters gives one shingle of itself; an empty one none.
pub fn shingles(text: &str) -> Vec<u64> {
    let chars = normalise(text);
    let mut out: Vec<u64> = match chars.len() {
        0 => Vec::new(),
        1 => vec![shingle_hash(None, None, Some(chars[0]))],
        2 => vec![shingle_hash(None, Some(chars[0]), Some(chars[1]))],
        _ => chars.windows(3).map(|w| shingle_hash(Some(w[0]), Some(w[1]), Some(w[2]))).collect(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// The Jaccard similarity `|a ∩ b| / |a ∪ b|` of two sorted, deduplicated sets (a merge walk);
/// two empty sets give 0.0.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}

/// Whether two texts are near-duplicates: `jaccard(shingles(a), shingles(b)) >= THRESHOLD`.
pub fn similar(a: &str, b: &str) -> bool {
    jaccard(&shingles(a), &shingles(b)) >= THRESHOLD
}

/// The MinHash permutations `h ↦ high 32 bits of (a·h + b) mod 2^64`, `a` odd: one
/// multiply-add per shingle and hash on top of the (already mixed) shingle hash, instead of a
/// full hash per seed. The constants come from a splitmix64 sequence with a fixed seed.
const PERMUTATIONS: [(u64, u64); HASHES] = {
    let mut out = [(0u64, 0u64); HASHES];
    let mut state: u64 = 0x6F6B_6169_5F31_3621; // fixed forever: stored band keys depend on it
    let mut i = 0;
    while i < HASHES {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let a = mix64(state) | 1;
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let b = mix64(state);
        out[i] = (a, b);
        i += 1;
    }
    out
};

/// A MinHash signature: for each of [`HASHES`] permutations the least permuted shingle hash.
/// The fraction of positions where two signatures agree estimates the Jaccard similarity of the
/// shingle sets (standard error `sqrt(s(1-s)/100)`, at most 0.05).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(pub [u32; HASHES]);

impl Signature {
    /// The signature of a shingle set (from [`shingles`]). An empty set gives all `u32::MAX`,
    /// whose band keys are the same for every empty text: callers never index empty texts
    /// ([`group_all`] and [`Index`] skip them, so empty texts are never grouped).
    pub fn of(shingles: &[u64]) -> Signature {
        let mut sig = [u32::MAX; HASHES];
        // Four permutations per pass over the shingles: four independent minimum chains. The
        // least high half is the high half of the least value.
        for (slots, perms) in sig.chunks_exact_mut(4).zip(PERMUTATIONS.chunks_exact(4)) {
            let mut least = [u64::MAX; 4];
            for &h in shingles {
                for (least, &(a, b)) in least.iter_mut().zip(perms) {
                    *least = (*least).min(a.wrapping_mul(h).wrapping_add(b));
                }
            }
            for (slot, least) in slots.iter_mut().zip(least) {
                *slot = (least >> 32) as u32;
            }
        }
        Signature(sig)
    }

    /// One stable 64-bit key per band: `mix64` chained over the band index and its
    /// [`ROWS`] values. Two texts share a key (almost surely) only when that band agrees. As
    /// `i64` for a BIGINT column.
    pub fn bands(&self) -> [i64; BANDS] {
        let mut keys = [0i64; BANDS];
        for (band, key) in keys.iter_mut().enumerate() {
            let mut k = mix64(0x6261_6E64_0000_0000 ^ band as u64);
            for &row in &self.0[band * ROWS..(band + 1) * ROWS] {
                k = mix64(k ^ u64::from(row));
            }
            *key = k as i64;
        }
        keys
    }

    /// The fraction of equal positions: an estimate of the Jaccard similarity.
    pub fn estimate(&self, other: &Signature) -> f64 {
        self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count() as f64 / HASHES as f64
    }
}

/// A hasher for band keys, which are already uniformly mixed: it passes them through.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_i64(&mut self, i: i64) {
        self.0 = i as u64;
    }
}

/// "No entry" in [`Index`]'s chains.
const NONE: u32 = u32::MAX;

/// How many of the most recent texts sharing a band key [`Index::insert`] examines per band, so
/// that a campaign of many copies of one letter costs a bounded time per insert.
const CHAIN_LIMIT: usize = 64;

/// An in-memory, incremental LSH index: opinions are inserted one at a time and each is matched
/// with the most similar earlier one.
///
/// It keeps each inserted text's shingles so that candidates are verified with the exact
/// [`jaccard`] (precision first): about 8 bytes per character plus ~450 bytes of band
/// entries, i.e. 1.7 KiB for a 150-character opinion — fine for a batch or a consultation of
/// some hundred thousand opinions. For a million at once use [`group_all`], which keeps only the
/// band keys and re-derives shingles from the texts; the store keeps band keys in a table.
#[derive(Default)]
pub struct Index {
    ids: Vec<u64>,
    shingles: Vec<Box<[u64]>>,
    /// Band key → its latest entry; entry `e` is band `e % BANDS` of slot `e / BANDS`.
    heads: HashMap<i64, u32, BuildHasherDefault<KeyHasher>>,
    /// Entry → the previous entry with the same band key, or `NONE`.
    previous: Vec<u32>,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// The number of (non-empty) texts inserted.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds `text` under `id` and returns the id of the most similar earlier text among its LSH
    /// candidates (at most `CHAIN_LIMIT` most recent per band) whose exact Jaccard similarity
    /// is at least [`THRESHOLD`]; ties go to the earlier text. None when nothing verifies. A
    /// text with no characters that count is neither matched nor indexed.
    pub fn insert(&mut self, id: u64, text: &str) -> Option<u64> {
        let own = shingles(text);
        if own.is_empty() {
            return None;
        }
        let keys = Signature::of(&own).bands();
        let mut candidates = Vec::new();
        for key in &keys {
            let mut entry = self.heads.get(key).copied().unwrap_or(NONE);
            let mut seen = 0;
            while entry != NONE && seen < CHAIN_LIMIT {
                candidates.push(entry as usize / BANDS);
                entry = self.previous[entry as usize];
                seen += 1;
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(f64, usize)> = None;
        for slot in candidates {
            let s = jaccard(&own, &self.shingles[slot]);
            if s >= THRESHOLD && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, slot));
            }
        }
        let slot = self.ids.len();
        let base =
            u32::try_from(slot * BANDS + BANDS).expect("an Index holds fewer than 200 million texts") - BANDS as u32;
        for (band, key) in keys.iter().enumerate() {
            self.previous.push(self.heads.insert(*key, base + band as u32).unwrap_or(NONE));
        }
        self.ids.push(id);
        self.shingles.push(own.into_boxed_slice());
        best.map(|(_, slot)| self.ids[slot])
    }
}

/// Union-find over text indices whose root is always the smallest index of its set.
struct Components(Vec<u32>);

impl Components {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize]; // path halving
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// How many first members of one LSH bucket stand for it: each later text of the bucket is
/// verified against these (skipping those already in its group), so a bucket of up to 17
/// texts is checked completely.
const BUCKET_REPRESENTATIVES: usize = 16;
/// How many exact verifications one text spends in one bucket.
const BUCKET_TRIES: usize = 4;
/// After this many failed verifications in one bucket a representative is no longer tried (it
/// still stands for its group), so that an outlier among thousands of copies of one letter
/// costs a few verifications, not one per copy.
const REPRESENTATIVE_FAILURES: usize = 8;

/// Groups a whole campaign: for each text, the index of its group's representative (the
/// smallest index in the group; a text alone is its own). Groups are the connected components
/// of verified pairs (exact Jaccard ≥ [`THRESHOLD`]) among LSH candidates.
///
/// Memory: the band keys of every text (`8 × BANDS` = 160 bytes a text), one band's sorted
/// column at a time (16 bytes a text) and the union-find; shingles are re-derived from the
/// texts when a candidate is verified. Signing runs on up to four threads.
///
/// A bucket (texts sharing one band key) of `k` texts costs `O(k)` verifications, not `O(k²)`:
/// each text is verified against at most `BUCKET_TRIES` of the bucket's first
/// `BUCKET_REPRESENTATIVES` members that are in other groups, each of which is dropped after
/// `REPRESENTATIVE_FAILURES` failures, so a campaign of a hundred thousand copies of one
/// letter stays linear. The price: a similar pair can be passed over in one band (it is usually
/// joined in another, or through a third text); measured recall is in the tests and the benchmark.
/// Empty texts (no characters that count) are never grouped.
///
/// # Panics
///
/// With more than `u32::MAX` texts.
pub fn group_all(texts: &[&str]) -> Vec<u32> {
    let n = u32::try_from(texts.len()).expect("fewer than 2^32 opinions in one campaign");
    let (keys, empty) = band_keys(texts);
    let mut groups = Components((0..n).collect());
    let mut column: Vec<(i64, u32)> = Vec::with_capacity(texts.len());
    // The bucket's first members, each with its shingles (derived when first needed) and how
    // often it failed verification.
    let mut representatives: Vec<(u32, Option<Vec<u64>>, usize)> = Vec::with_capacity(BUCKET_REPRESENTATIVES);
    for band in 0..BANDS {
        column.clear();
        column.extend((0..n).filter(|&i| !empty[i as usize]).map(|i| (keys[i as usize * BANDS + band], i)));
        column.sort_unstable();
        for bucket in column.chunk_by(|a, b| a.0 == b.0).filter(|bucket| bucket.len() > 1) {
            representatives.clear();
            for &(_, x) in bucket {
                let mut own: Option<Vec<u64>> = None;
                let mut tries = 0;
                for (y, theirs, failures) in &mut representatives {
                    if *failures == REPRESENTATIVE_FAILURES || groups.find(x) == groups.find(*y) {
                        continue;
                    }
                    if tries == BUCKET_TRIES {
                        break;
                    }
                    tries += 1;
                    let own = own.get_or_insert_with(|| shingles(texts[x as usize]));
                    let theirs = theirs.get_or_insert_with(|| shingles(texts[*y as usize]));
                    if jaccard(own, theirs) >= THRESHOLD {
                        groups.union(x, *y);
                    } else {
                        *failures += 1;
                    }
                }
                if representatives.len() < BUCKET_REPRESENTATIVES {
                    representatives.push((x, own, 0));
                }
            }
        }
    }
    (0..n).map(|i| groups.find(i)).collect()
}

/// The band keys of every text (`BANDS` per text, text-major) and which texts are empty,
/// signed on up to four threads.
fn band_keys(texts: &[&str]) -> (Vec<i64>, Vec<bool>) {
    let mut keys = vec![0i64; texts.len() * BANDS];
    let mut empty = vec![false; texts.len()];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let per_thread = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for ((texts, keys), empty) in
            texts.chunks(per_thread).zip(keys.chunks_mut(per_thread * BANDS)).zip(empty.chunks_mut(per_thread))
        {
            scope.spawn(move || {
                for ((text, keys), empty) in texts.iter().zip(keys.chunks_mut(BANDS)).zip(empty.iter_mut()) {
                    let own = shingles(text);
                    *empty = own.is_empty();
                    keys.copy_from_slice(&Signature::of(&own).bands());
                }
            });
        }
    });
    (keys, empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;
    use std::collections::HashSet;

    fn set(items: &[u64]) -> Vec<u64> {
        let mut v = items.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn normalise_keeps_the_characters_that_count() {
        let cases: [(&str, &str); 8] = [
            ("", ""),
            ("建议，增加公交线路！", "建议增加公交线路"),
            ("  老旧 小区\t改造\n", "老旧小区改造"),
            ("建议：（１）增设ＡＢＣ路灯", "建议1增设abc路灯"),
            ("Hello, World!", "helloworld"),
            ("第3条、第４条……", "第3条第4条"),
            ("“加装电梯”——《方案》", "加装电梯方案"),
            ("￥100元，＄５", "100元5"),
        ];
        for (text, want) in cases {
            assert_eq!(normalise(text).into_iter().collect::<String>(), want, "{text:?}");
        }
        // The fast path for CJK ideographs agrees with the Unicode tables.
        assert!(('\u{4E00}'..='\u{9FFF}').all(|c| c.is_alphanumeric() && normalise(&c.to_string()) == [c]));
    }

    #[test]
    fn shingles_of_short_texts() {
        assert!(shingles("").is_empty());
        assert!(shingles("，。 ！").is_empty());
        assert_eq!(shingles("路").len(), 1);
        assert_eq!(shingles("路灯").len(), 1);
        assert_ne!(shingles("路"), shingles("灯"));
        assert_ne!(shingles("路灯"), shingles("灯路"));
        assert_eq!(shingles("路灯"), shingles("路，灯。"));
        assert_eq!(shingles("修路灯").len(), 1);
        assert_eq!(shingles("修路灯吧").len(), 2);
        // 哈哈哈哈 has one distinct shingle: 哈哈哈.
        assert_eq!(shingles("哈哈哈哈"), shingles("哈哈哈"));
        // The short shingle of a two-character text is not one of any longer text.
        assert!(!shingles("修路灯").contains(&shingles("路灯")[0]));
        let s = shingles("建议增加公交线路");
        assert_eq!(s.len(), 6);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "sorted and deduplicated");
        // Fixed forever: band keys stored in databases are derived from these hashes.
        assert_eq!(shingles("abc"), vec![mix64((98 << 42) | (99 << 21) | 100)]);
    }

    #[test]
    fn jaccard_of_small_sets() {
        let cases: [(&[u64], &[u64], f64); 7] = [
            (&[], &[], 0.0),
            (&[1], &[], 0.0),
            (&[1, 2, 3], &[1, 2, 3], 1.0),
            (&[1, 2, 3], &[4, 5, 6], 0.0),
            (&[1, 2, 3, 4], &[3, 4, 5, 6], 2.0 / 6.0),
            (&[1, 2, 3, 4, 5], &[1, 2, 3, 4], 0.8),
            (&[1, 3, 5, 7, 9], &[2, 3, 4, 5], 2.0 / 7.0),
        ];
        for (a, b, want) in cases {
            assert!((jaccard(a, b) - want).abs() < 1e-12, "{a:?} {b:?}");
            assert!((jaccard(b, a) - want).abs() < 1e-12, "{b:?} {a:?}");
        }
        // Exactly at the threshold counts: 8 shingles of 10 shared; 8 of 11 do not.
        assert!(similar("一二三四五六七八九十", "一二三四五六七八九十甲乙"));
        assert!(!similar("一二三四五六七八九十", "一二三四五六七八九十甲乙丙"));
        assert!(similar("一二三四五六七八九十", "一二三四五六七八九十甲"));
        assert!(!similar("", ""));
    }

    #[test]
    fn signatures_and_band_keys_are_stable() {
        let sig = Signature::of(&shingles("建议在和平路与解放路路口增设红绿灯"));
        assert_eq!(sig, Signature::of(&shingles("建议在和平路与解放路路口，增设红绿灯。")));
        assert_eq!(sig.estimate(&sig), 1.0);
        let other = Signature::of(&shingles("希望尽快解决小区停车难的问题"));
        let (a, b) = (sig.bands(), other.bands());
        assert!(a.iter().all(|k| !b.contains(k)));
        let distinct: HashSet<i64> = a.iter().copied().collect();
        assert_eq!(distinct.len(), BANDS, "the band index is part of the key");
        let empty = Signature::of(&[]);
        assert!(empty.0.iter().all(|&v| v == u32::MAX));
        // Fixed forever (stored in databases): a change of hashing or constants breaks this.
        assert_eq!(Signature::of(&shingles("abc")).bands()[0], Signature::of(&shingles("ABC")).bands()[0]);
        assert_eq!(shingles("abc"), vec![2_574_074_266_296_446_589]);
        assert_eq!(
            Signature::of(&shingles("建议增加公交线路")).bands()[..2],
            [5_205_453_199_544_103_197, -7_757_972_998_408_403_958]
        );
        assert_eq!(PERMUTATIONS[0].0 & 1, 1);
    }

    #[test]
    fn empty_texts_are_never_grouped() {
        assert_eq!(group_all(&["", "，。", "", "建议修路", "建议修路"]), vec![0, 1, 2, 3, 3]);
        let mut index = Index::new();
        assert_eq!(index.insert(1, "。"), None);
        assert_eq!(index.insert(2, ""), None);
        assert!(index.is_empty());
        assert_eq!(index.insert(3, "建议修路"), None);
        assert_eq!(index.insert(4, "建议，修路！"), Some(3));
        assert_eq!(index.len(), 2);
        assert_eq!(group_all(&[]), Vec::<u32>::new());
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const COMMON: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研";
    const PLACES: [&str; 12] = [
        "和平路",
        "解放路",
        "幸福里小区",
        "滨河公园",
        "第三中学",
        "人民医院",
        "东关街道",
        "新华社区",
        "火车站广场",
        "城南菜市场",
        "科技园",
        "青年路",
    ];
    const SUBJECTS: [&str; 16] = [
        "早晚高峰道路拥堵的问题",
        "老旧小区加装电梯的事情",
        "夜间施工噪音扰民的情况",
        "垃圾分类投放点设置不合理",
        "公交线路覆盖不足的问题",
        "学校周边接送车辆乱停乱放",
        "社区养老服务设施不足",
        "路灯长期损坏无人维修",
        "共享单车占用人行道",
        "餐饮油烟排放影响居民生活",
        "电动自行车充电难的问题",
        "雨后路面积水严重",
        "公共厕所数量少且卫生差",
        "菜市场环境脏乱",
        "停车位严重不足",
        "河道水质变差有异味",
    ];
    const DETAILS: [&str; 12] = [
        "每天上下班要多花半个多小时，群众意见很大",
        "老人和孩子出行很不方便，存在安全隐患",
        "已经向物业和社区反映多次，一直没有解决",
        "周边居民晚上休息受到严重影响",
        "附近上千户居民都受到影响，大家非常关心",
        "这个问题存在好几年了，每年都有人提",
        "特别是下雨天和节假日，情况更加突出",
        "外地来的游客也经常抱怨，影响城市形象",
        "我们多次拨打热线电话，答复说正在研究",
        "上个月还发生了一起事故，幸好没有人受伤",
        "附近新建了几个楼盘，人口增加以后更紧张了",
        "很多上班族只能早出晚归绕远路",
    ];
    const SUGGESTIONS: [&str; 14] = [
        "建议相关部门尽快组织现场调研，制定整改方案并向社会公布进度",
        "建议增加巡查频次，对违规行为依法处理，并设立举报电话",
        "希望政府统筹资金，把这件事列入今年的民生实事项目",
        "建议优化信号灯配时，增设临时停车泊位和交通引导员",
        "建议由街道牵头，召集物业、业委会和居民代表协商解决",
        "希望参考其他城市的做法，引入社会资本参与建设和运营",
        "建议在显著位置增设指示标志，并安排专人定期清理维护",
        "建议将该项目纳入城市更新规划，分批次推进实施",
        "希望有关部门听取群众意见，公开征求方案后再决定",
        "建议加大财政补贴力度，降低居民自筹比例",
        "建议开通定制公交或者微循环线路，方便群众出行",
        "希望执法部门联合检查，建立长效管理机制",
        "建议利用闲置空地建设立体停车场，缓解供需矛盾",
        "建议建立问题台账，明确责任单位和完成时限",
    ];
    const CLOSINGS: [&str; 8] = [
        "以上意见，请领导考虑。",
        "谢谢！",
        "盼复。",
        "希望能够得到重视和答复。",
        "",
        "感谢政府的辛勤付出！",
        "恳请予以采纳。",
        "此致敬礼",
    ];

    /// A distinct opinion: place, subject, one or two details, one or two suggestions, a
    /// closing, and a random number so that two opinions are seldom alike.
    fn opinion(r: &mut Rng) -> String {
        let mut text = format!("关于{}{}，", r.pick(&PLACES), r.pick(&SUBJECTS));
        text.push_str(r.pick(&DETAILS));
        text.push('。');
        if r.below(2) == 0 {
            text.push_str(r.pick(&DETAILS));
            text.push('，');
        }
        text.push_str(&format!("我住在这里{}年了。", 2 + r.below(40)));
        text.push_str(r.pick(&SUGGESTIONS));
        text.push('；');
        if r.below(2) == 0 {
            text.push_str(r.pick(&SUGGESTIONS));
            text.push('。');
        }
        text.push_str(r.pick(&CLOSINGS));
        text
    }

    /// A near-duplicate: punctuation changed, whitespace added, and one to three characters
    /// inserted, deleted or substituted.
    fn near_duplicate(r: &mut Rng, text: &str) -> String {
        let common: Vec<char> = COMMON.chars().collect();
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..1 + r.below(3) {
            let at = r.below(chars.len());
            match r.below(3) {
                0 => chars.insert(at, common[r.below(common.len())]),
                1 => {
                    chars.remove(at);
                }
                _ => chars[at] = common[r.below(common.len())],
            }
        }
        for _ in 0..r.below(3) {
            let at = r.below(chars.len());
            match r.below(4) {
                0 => chars.insert(at, ' '),
                1 => chars.insert(at, '，'),
                2 => chars.insert(at, '\n'),
                _ => chars.insert(at, '！'),
            }
        }
        chars.into_iter().map(|c| if c == '。' && r.below(3) == 0 { '.' } else { c }).collect()
    }

    /// The constructed corpus: 300 distinct opinions, each followed later (in shuffled order)
    /// by zero to four near-duplicates; with each text, the index of its source.
    fn corpus() -> (Vec<String>, Vec<usize>) {
        let mut r = Rng(0x5EED_0016);
        let mut items: Vec<(String, usize)> = Vec::new();
        for source in 0..300 {
            let original = opinion(&mut r);
            for _ in 0..r.below(5) {
                items.push((near_duplicate(&mut r, &original), source));
            }
            items.push((original, source));
        }
        for i in (1..items.len()).rev() {
            items.swap(i, r.below(i + 1));
        }
        items.into_iter().unzip()
    }

    /// Pair-level precision and recall of `predicted` (text → group) against `truth` pairs.
    fn pair_scores(predicted: &[usize], truth: &HashSet<(usize, usize)>) -> (f64, f64, usize, usize) {
        let mut predicted_pairs = 0;
        let mut hits = 0;
        for i in 0..predicted.len() {
            for j in i + 1..predicted.len() {
                if predicted[i] == predicted[j] {
                    predicted_pairs += 1;
                    hits += usize::from(truth.contains(&(i, j)));
                }
            }
        }
        let precision = if predicted_pairs == 0 { 1.0 } else { hits as f64 / predicted_pairs as f64 };
        let recall = if truth.is_empty() { 1.0 } else { hits as f64 / truth.len() as f64 };
        (precision, recall, predicted_pairs, truth.len())
    }

    fn components(n: usize, edges: impl IntoIterator<Item = (usize, usize)>) -> Vec<usize> {
        let mut c = Components((0..n as u32).collect());
        for (a, b) in edges {
            c.union(a as u32, b as u32);
        }
        (0..n as u32).map(|i| c.find(i) as usize).collect()
    }

    fn pairs_of(groups: &[usize]) -> HashSet<(usize, usize)> {
        let mut out = HashSet::new();
        for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                if groups[i] == groups[j] {
                    out.insert((i, j));
                }
            }
        }
        out
    }

    #[test]
    fn grouping_finds_constructed_near_duplicates() {
        let (texts, sources) = corpus();
        let n = texts.len();
        let all: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
        // Ground truth by comparing every pair, which is fine at this size.
        let mut exact = HashSet::new();
        let mut histogram = [0usize; 10];
        for i in 0..n {
            for j in i + 1..n {
                let s = jaccard(&all[i], &all[j]);
                histogram[((s * 10.0) as usize).min(9)] += 1;
                if s >= THRESHOLD {
                    exact.insert((i, j));
                }
            }
        }
        let exact_groups = pairs_of(&components(n, exact.iter().copied()));
        let same_source = pairs_of(&sources);
        let near_misses: usize = histogram[5..8].iter().sum();
        println!(
            "corpus: {n} texts, {} exact pairs ≥ {THRESHOLD}, {} same-source pairs, {near_misses} pairs in [0.5, 0.8)",
            exact.len(),
            same_source.len(),
        );
        assert!(exact.len() > 500 && near_misses > 50, "the corpus tests both sides of the threshold");

        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let grouped: Vec<usize> = group_all(&refs).into_iter().map(|g| g as usize).collect();
        for (i, &g) in grouped.iter().enumerate() {
            assert!(g <= i && grouped[g] == g, "the representative is the smallest index of the group");
        }
        let (p, r, predicted, truth) = pair_scores(&grouped, &exact);
        println!("group_all vs exact pairs: precision {p:.4} recall {r:.4} ({predicted} predicted, {truth} true)");
        assert!(r >= 0.95, "recall {r} against the exact pairs");
        let (p, r, _, truth) = pair_scores(&grouped, &exact_groups);
        println!("group_all vs exact groups: precision {p:.4} recall {r:.4} ({truth} true)");
        assert!(p >= 0.95 && r >= 0.95, "precision {p} recall {r} against the exact groups");
        let (p, r, _, truth) = pair_scores(&grouped, &same_source);
        println!("group_all vs same source: precision {p:.4} recall {r:.4} ({truth} true)");
        assert!(p >= 0.95, "precision {p} against the constructed sources");

        // The index answers one question per text: its most similar earlier text, if any.
        let mut index = Index::new();
        let (mut should_match, mut matched, mut best, mut wrong) = (0, 0, 0, 0);
        let mut matches = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let found = index.insert(i as u64, text);
            let earlier = (0..i).map(|j| jaccard(&all[i], &all[j])).fold(0.0, f64::max);
            should_match += usize::from(earlier >= THRESHOLD);
            if let Some(j) = found {
                let s = jaccard(&all[i], &all[j as usize]);
                wrong += usize::from(s < THRESHOLD);
                matched += usize::from(earlier >= THRESHOLD);
                best += usize::from(s == earlier);
                matches.push((i, j as usize));
            }
        }
        let (p, r) = (1.0 - wrong as f64 / matches.len() as f64, matched as f64 / should_match as f64);
        println!(
            "Index matches: precision {p:.4} recall {r:.4} ({} found, {should_match} true, {best} the most similar)",
            matches.len()
        );
        assert!(wrong == 0 && r >= 0.99 && best as f64 >= 0.99 * matches.len() as f64);
        // Its groups (each text joined to its match, never merging groups) are coarser.
        let indexed = components(n, matches);
        let (p, r, _, _) = pair_scores(&indexed, &exact);
        println!("Index groups vs exact pairs: precision {p:.4} recall {r:.4}");
        let (p, r, _, _) = pair_scores(&indexed, &same_source);
        println!("Index groups vs same source: precision {p:.4} recall {r:.4}");
        assert!(p >= 0.95, "precision {p} against the constructed sources");
    }

    /// A random text of common characters with punctuation.
    fn random_text(seed: u64, len: usize) -> String {
        let common: Vec<char> = COMMON.chars().collect();
        let mut r = Rng(seed | 1);
        (0..len).map(|i| if i % 13 == 12 { '，' } else { common[r.below(common.len())] }).collect()
    }

    proptest! {
        #[test]
        fn jaccard_is_symmetric_and_bounded(
            a in proptest::collection::vec(0u64..64, 0..40),
            b in proptest::collection::vec(0u64..64, 0..40),
        ) {
            let (a, b) = (set(&a), set(&b));
            let s = jaccard(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert_eq!(s, jaccard(&b, &a));
            prop_assert_eq!(jaccard(&a, &a), if a.is_empty() { 0.0 } else { 1.0 });
        }

        #[test]
        fn texts_are_similar_to_themselves_with_punctuation_added(
            seed in any::<u64>(),
            len in 1usize..200,
            inserts in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![' ', '，', '。', '\n', '！', '、', '…', '\u{3000}', '"'])), 0..20),
        ) {
            let text = random_text(seed, len);
            prop_assert!(similar(&text, &text));
            let mut chars: Vec<char> = text.chars().collect();
            for (at, c) in inserts {
                let at = at.index(chars.len() + 1);
                chars.insert(at, c);
            }
            let noisy: String = chars.into_iter().collect();
            prop_assert!(similar(&text, &noisy), "{text:?} vs {noisy:?}");
        }
    }

    proptest! {
        // A fixed seed: the estimate is random by nature (standard error up to 0.05), and a
        // test that failed once in a while would teach people to ignore it.
        #![proptest_config(ProptestConfig { rng_seed: RngSeed::Fixed(16), cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn signature_estimates_jaccard(
            seed in any::<u64>(),
            len in 20usize..250,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u64>()), 0..60),
        ) {
            let a = random_text(seed, len);
            let common: Vec<char> = COMMON.chars().collect();
            let mut chars: Vec<char> = a.chars().collect();
            for (at, kind, pick) in edits {
                let at = at.index(chars.len());
                let c = common[(pick % common.len() as u64) as usize];
                match kind {
                    0 => chars.insert(at, c),
                    1 if chars.len() > 1 => { chars.remove(at); }
                    _ => chars[at] = c,
                }
            }
            let b: String = chars.into_iter().collect();
            let (sa, sb) = (shingles(&a), shingles(&b));
            let exact = jaccard(&sa, &sb);
            let estimate = Signature::of(&sa).estimate(&Signature::of(&sb));
            prop_assert!((estimate - exact).abs() <= 0.15, "estimate {estimate} exact {exact}");
        }
    }
}
