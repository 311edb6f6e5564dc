//! Registration codes: 8 characters from an alphabet without the look-alikes 0/O, 1/I/L, so a
//! code read aloud or typed from a screenshot at the door is typed right. The last character
//! checks the first seven (weighted sum mod 31), so the check-in page catches a mistyped code
//! on the spot, even offline. Seven random characters give 31⁷ ≈ 2.75 × 10¹⁰ codes: guessing
//! one is hopeless, and lookups of unknown codes are throttled besides.

/// The alphabet: digits 2–9 and the letters without I, L and O.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code, the check character included.
pub const LEN: usize = 8;

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

/// The check character of the first seven characters (their values weighted 1…7, mod 31, a
/// prime): any single changed character, and any swap of two different neighbours among the
/// seven, changes it.
fn check_char(first: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (i, &c) in first.iter().enumerate() {
        sum += (i + 1) * value(c)?;
    }
    Some(ALPHABET[sum % ALPHABET.len()])
}

/// A code from seven random draws (each below 31; the application layer draws them).
pub fn from_draws(draws: [u8; LEN - 1]) -> String {
    let mut code: Vec<u8> = draws.iter().map(|&d| ALPHABET[usize::from(d) % ALPHABET.len()]).collect();
    let check = check_char(&code).expect("alphabet characters");
    code.push(check);
    String::from_utf8(code).expect("ASCII")
}

/// The code as typed, made canonical (upper case, spaces and dashes dropped), when it is well
/// formed and its check character agrees; `None` tells the person at once that it was mistyped.
pub fn normalise(input: &str) -> Option<String> {
    let code: Vec<u8> = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .map(|c| u8::try_from(c).unwrap_or(0))
        .collect();
    if code.len() != LEN || code.iter().any(|&c| value(c).is_none()) {
        return None;
    }
    (check_char(&code[..LEN - 1]) == Some(code[LEN - 1])).then(|| String::from_utf8(code).expect("ASCII"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for c in *b"01ILO" {
            assert!(!ALPHABET.contains(&c), "{}", c as char);
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 31);
    }

    #[test]
    fn codes_are_read_back_as_typed_by_people() {
        let code = from_draws([0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(code.len(), LEN);
        assert_eq!(normalise(&code), Some(code.clone()));
        let typed = format!(" {}-{} ", code[..4].to_lowercase(), &code[4..]);
        assert_eq!(normalise(&typed), Some(code.clone()));
        for bad in ["", "2345678", "234567892", "0OIL2345", "中文中文中文中文"] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_new_code_checks(draws in proptest::array::uniform7(0u8..31)) {
            let code = from_draws(draws);
            prop_assert_eq!(normalise(&code), Some(code));
        }

        #[test]
        fn one_mistyped_character_is_caught(draws in proptest::array::uniform7(0u8..31), at in 0usize..LEN, by in 1usize..31) {
            let code = from_draws(draws).into_bytes();
            let mut typo = code.clone();
            typo[at] = ALPHABET[(value(code[at]).unwrap() + by) % 31];
            prop_assert_eq!(normalise(std::str::from_utf8(&typo).unwrap()), None);
        }

        #[test]
        fn neighbours_swapped_are_caught(draws in proptest::array::uniform7(0u8..31), at in 0usize..LEN - 2) {
            let code = from_draws(draws).into_bytes();
            prop_assume!(code[at] != code[at + 1]);
            let mut typo = code.clone();
            typo.swap(at, at + 1);
            prop_assert_eq!(normalise(std::str::from_utf8(&typo).unwrap()), None);
        }
    }
}
