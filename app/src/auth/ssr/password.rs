//! Password hashing with argon2id and OWASP's parameters (19 MiB, 2 passes,
//! 1 lane). Hashing and verifying run on the blocking pool: they take tens of
//! milliseconds of CPU each. At most one runs per core, and a bounded few
//! wait: beyond that the answer is `Busy` (429 with `Retry-After`), never a
//! queue of 19 MiB jobs that grows until memory runs out.

use std::sync::Arc;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::ssr::{Error, Result};

/// OWASP Password Storage Cheat Sheet, argon2id option 2.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's limits.
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords. Holds a hash of a random password, which
/// sign-in verifies against when the user does not exist, so that an unknown
/// user costs the same time as a wrong password.
#[derive(Clone)]
pub struct Passwords {
    dummy_hash: Arc<str>,
    /// Hashing jobs running or waiting; full means `Busy`.
    admitted: Arc<tokio::sync::Semaphore>,
    /// Hashing jobs running: one per core.
    running: Arc<tokio::sync::Semaphore>,
}

/// Jobs that may wait for a core, per core.
const WAITING_PER_CORE: usize = 4;

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords")
    }
}

impl Passwords {
    pub fn new() -> Result<Self> {
        let random = crate::ssr::crypto::random_token::<32>();
        let dummy_hash = hash_blocking(random.expose_secret())?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Self {
            dummy_hash: dummy_hash.into(),
            admitted: Arc::new(tokio::sync::Semaphore::new(cores * (1 + WAITING_PER_CORE))),
            running: Arc::new(tokio::sync::Semaphore::new(cores)),
        })
    }

    /// Runs a hashing job when a core is free; `Busy` when too many wait.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _admitted = self
            .admitted
            .try_acquire()
            .map_err(|_| crate::error::AppError::Busy)?;
        let _running = self
            .running
            .acquire()
            .await
            .map_err(|_| crate::error::AppError::Busy)?;
        tokio::task::spawn_blocking(job).await?
    }

    /// The PHC string of a new password.
    pub async fn hash(&self, password: SecretString) -> Result<String> {
        self.run(move || hash_blocking(password.expose_secret()))
            .await
    }

    /// Whether `password` matches `stored`; with `None`, verifies against the
    /// dummy hash (and answers false) to take the same time.
    pub async fn verify(&self, password: SecretString, stored: Option<String>) -> Result<bool> {
        let (hash, known) = match stored {
            Some(hash) => (hash, true),
            None => (self.dummy_hash.to_string(), false),
        };
        let matches = self
            .run(move || {
                let parsed = PasswordHash::new(&hash).map_err(Error::PasswordHash)?;
                Ok(argon2()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(known && matches)
    }
}

fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(Error::PasswordHash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let passwords = Passwords::new().unwrap();
        let hash = passwords
            .hash("correct horse battery staple".into())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords
            .verify("correct horse battery staple".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify("Correct horse battery staple".into(), Some(hash))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn when_every_place_in_the_queue_is_taken_hashing_answers_busy_at_once() {
        let passwords = Passwords::new().unwrap();
        let places = passwords.admitted.available_permits();
        let _taken = passwords.admitted.try_acquire_many(places as u32).unwrap();
        let refused = passwords.verify("anything".into(), None).await;
        assert!(
            matches!(refused, Err(Error::Public(crate::error::AppError::Busy))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        let passwords = Passwords::new().unwrap();
        assert!(!passwords.verify("anything".into(), None).await.unwrap());
    }
}
