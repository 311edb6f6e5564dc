//! Secrets: password hashes (Argon2id), session and API token values (random, stored hashed).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Argon2id with the crate's defaults (19 MiB, 2 passes), the OWASP recommendation.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default params").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that the answer takes as long
/// as for a real account and does not reveal which names exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("gongkai-dummy-password-for-timing"))
}

/// 32 random bytes, URL-safe base64 with a prefix naming what the secret is.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Secrets are stored as SHA-256 hashes: they are random and long, so a slow hash adds
/// nothing, and a stolen table cannot be replayed.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("Gongkai-admin-2026");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Gongkai-admin-2026", &h));
        assert!(!verify_password("Gongkai-admin-2027", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash_password("same"), hash_password("same"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("gk_");
        assert!(a.starts_with("gk_") && a.len() == 46);
        assert_ne!(a, new_secret("gk_"));
        assert_eq!(secret_hash(&a).len(), 64);
    }
}
