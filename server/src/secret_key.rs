//! The key that encrypts secrets at rest: from `GATEHOUSE_SECRET_KEY`, or a
//! key file created with mode 0600 on first start (DESIGN §5).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use app::ssr::crypto::random_bytes;
use app::ssr::state::SecretKey;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The configured key is not 32 bytes of base64.
    #[error(
        "{source_name} must be 32 random bytes in base64 (for example: openssl rand -base64 32)"
    )]
    Malformed { source_name: String },
    /// The key file could not be read or written.
    #[error("cannot use the secret-key file {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn decode(text: &str, source_name: &str) -> Result<SecretKey, KeyError> {
    let text = text.trim();
    let bytes = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|_| KeyError::Malformed {
            source_name: source_name.to_owned(),
        })?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed {
        source_name: source_name.to_owned(),
    })?;
    Ok(SecretKey::new(bytes))
}

/// The key from `configured` or `file`, which must exist: for one-shot
/// commands, which must seal with the server's key, never a new one.
pub fn load_existing(configured: Option<&str>, file: &Path) -> Result<SecretKey, KeyError> {
    if configured.is_none() && !file.exists() {
        return Err(KeyError::File {
            path: file.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no key yet: start the server once, or give GATEHOUSE_SECRET_KEY / --secret-key-file",
            ),
        });
    }
    load_or_create(configured, file)
}

/// The key from `configured` (the variable or flag) or else from `file`,
/// which is created with a new random key, readable by its owner only, when
/// it does not exist.
pub fn load_or_create(configured: Option<&str>, file: &Path) -> Result<SecretKey, KeyError> {
    if let Some(key) = configured {
        return decode(key, "GATEHOUSE_SECRET_KEY");
    }
    let file_error = |source| KeyError::File {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let mode = std::fs::metadata(file)
                .map_err(file_error)?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %file.display(), "the secret-key file is readable by others; chmod 600 it");
            }
            decode(&text, &format!("the secret-key file {}", file.display()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(file_error)?;
            }
            let bytes = random_bytes::<32>();
            let mut handle = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(file)
                .map_err(file_error)?;
            handle
                .write_all(STANDARD.encode(bytes).as_bytes())
                .map_err(file_error)?;
            handle.sync_all().map_err(file_error)?;
            tracing::info!(path = %file.display(), "created a new secret-key file");
            Ok(SecretKey::new(bytes))
        }
        Err(error) => Err(file_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_file_is_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/secret.key");
        let created = load_or_create(None, &path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(None, &path).unwrap();
        assert_eq!(created.expose(), again.expose());
    }

    #[test]
    fn a_configured_key_must_be_32_bytes_of_base64() {
        let path = Path::new("/nonexistent/never-used");
        let key = STANDARD.encode([7u8; 32]);
        assert_eq!(
            load_or_create(Some(&key), path).unwrap().expose(),
            &[7u8; 32]
        );
        for bad in ["", "not base64!", &STANDARD.encode([7u8; 16])] {
            let error = load_or_create(Some(bad), path).unwrap_err();
            assert!(
                error.to_string().contains("GATEHOUSE_SECRET_KEY"),
                "{error}"
            );
        }
    }
}
