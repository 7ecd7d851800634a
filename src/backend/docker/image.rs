//! Which image a container runs: the default per engine, splitting a reference into the
//! name and tag testcontainers wants, and the key that identifies a reusable container.

use crate::project::Engine;

/// Bumped whenever the container's configuration (command, tmpfs, env) changes, so warm
/// containers started by an older sqltest are not mistaken for current ones.
const CONTAINER_CONFIG_VERSION: u32 = 1;

/// The image used when neither `--image` nor the project's `image:` names one.
/// `version` (the project's `version:`) replaces the default tag's version part.
/// MySQL and MariaDB are listed for the issue that adds them; only PostgreSQL runs today.
pub fn default_image(engine: Engine, version: Option<&str>) -> Option<String> {
    let version = version.map(str::trim).filter(|v| !v.is_empty());
    match engine {
        Engine::Postgres => Some(format!("postgres:{}-alpine", version.unwrap_or("16"))),
        Engine::Mysql => Some(format!("mysql:{}", version.unwrap_or("8.4"))),
        Engine::Mariadb => Some(format!("mariadb:{}", version.unwrap_or("11"))),
        Engine::Sqlite => None,
    }
}

/// The image reference to run: the one asked for, else the engine's default.
pub fn image_for(engine: Engine, image: Option<&str>, version: Option<&str>) -> Option<String> {
    match image.map(str::trim).filter(|i| !i.is_empty()) {
        Some(i) => Some(i.to_string()),
        None => default_image(engine, version),
    }
}

/// Splits `registry:5000/repo/name:tag` into (`registry:5000/repo/name`, `tag`).
/// A missing tag means `latest`, as with `docker run`. testcontainers joins the parts as
/// `name:tag`, so a digest reference `name@sha256:hex` is split as (`name@sha256`, `hex`),
/// which joins back to the same reference.
pub fn split_reference(image: &str) -> (String, String) {
    if let Some((name, digest)) = image.split_once('@') {
        return match digest.split_once(':') {
            Some((algo, hex)) => (format!("{name}@{algo}"), hex.to_string()),
            None => (name.to_string(), "latest".to_string()),
        };
    }
    let last_slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (image[..at].to_string(), image[at + 1..].to_string())
        }
        None => (image.to_string(), "latest".to_string()),
    }
}

/// Whether `image` is one of the defaults `scripts/build-offline-images.sh` can build.
pub fn is_default_family(image: &str) -> bool {
    let (name, _) = split_reference(image);
    let short = name
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    matches!(short, "postgres" | "mysql" | "mariadb")
}

/// Identifies the one warm container kept for (engine, image): a stable hash (xxh64), so
/// every sqltest build and every project on the machine agree on it.
pub fn reuse_key(engine: Engine, image: &str) -> String {
    let text = format!(
        "{}\n{}\n{}",
        engine.as_str(),
        image,
        CONTAINER_CONFIG_VERSION
    );
    format!("{:016x}", xxhash_rust::xxh64::xxh64(text.as_bytes(), 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_per_engine_follow_the_version() {
        assert_eq!(
            default_image(Engine::Postgres, None).as_deref(),
            Some("postgres:16-alpine")
        );
        assert_eq!(
            default_image(Engine::Postgres, Some("15")).as_deref(),
            Some("postgres:15-alpine")
        );
        assert_eq!(
            default_image(Engine::Postgres, Some(" ")).as_deref(),
            Some("postgres:16-alpine")
        );
        assert_eq!(
            default_image(Engine::Mysql, None).as_deref(),
            Some("mysql:8.4")
        );
        assert_eq!(
            default_image(Engine::Mariadb, None).as_deref(),
            Some("mariadb:11")
        );
        assert_eq!(default_image(Engine::Sqlite, None), None);
    }

    #[test]
    fn an_explicit_image_wins_over_the_default() {
        assert_eq!(
            image_for(Engine::Postgres, Some("postgis/postgis:16-3.4"), Some("15")).as_deref(),
            Some("postgis/postgis:16-3.4")
        );
        assert_eq!(
            image_for(Engine::Postgres, Some(""), Some("15")).as_deref(),
            Some("postgres:15-alpine")
        );
    }

    #[test]
    fn references_split_into_name_and_tag() {
        let s = |i: &str| split_reference(i);
        assert_eq!(
            s("postgres:16-alpine"),
            ("postgres".into(), "16-alpine".into())
        );
        assert_eq!(s("postgres"), ("postgres".into(), "latest".into()));
        assert_eq!(
            s("localhost:5000/team/pg:16"),
            ("localhost:5000/team/pg".into(), "16".into())
        );
        assert_eq!(
            s("localhost:5000/team/pg"),
            ("localhost:5000/team/pg".into(), "latest".into())
        );
        let (name, tag) = s("postgres@sha256:abc123");
        assert_eq!(format!("{name}:{tag}"), "postgres@sha256:abc123");
    }

    #[test]
    fn default_family_is_recognised_with_or_without_registry() {
        assert!(is_default_family("postgres:16-alpine"));
        assert!(is_default_family("docker.io/library/postgres:16-alpine"));
        assert!(is_default_family("mariadb:11"));
        assert!(!is_default_family("postgis/postgis:16-3.4"));
    }

    #[test]
    fn reuse_keys_differ_per_engine_and_image_and_are_stable() {
        let a = reuse_key(Engine::Postgres, "postgres:16-alpine");
        assert_eq!(a, reuse_key(Engine::Postgres, "postgres:16-alpine"));
        assert_ne!(a, reuse_key(Engine::Postgres, "postgres:15-alpine"));
        assert_ne!(a, reuse_key(Engine::Mysql, "postgres:16-alpine"));
        assert_eq!(a.len(), 16);
    }
}
