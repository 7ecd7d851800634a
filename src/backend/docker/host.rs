//! Where the Docker engine is and how to reach a container's published port.
//!
//! The engine is found the way testcontainers-rs finds it (so both always agree):
//! `DOCKER_HOST`, else the first existing socket of `/var/run/docker.sock`,
//! `$XDG_RUNTIME_DIR/.docker/run/docker.sock`, `~/.docker/run/docker.sock`,
//! `~/.docker/desktop/docker.sock`. Podman's socket is not searched by testcontainers, so
//! [`podman_docker_host`] tells the caller what to put in `DOCKER_HOST` before any thread
//! starts.
//!
//! The host in connection URLs is ours to decide, because testcontainers-rs ignores
//! `TESTCONTAINERS_HOST_OVERRIDE` (see [`connection_host`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long [`engine_available`] may wait on each step (connect, answer).
const PING_STEP_TIMEOUT: Duration = Duration::from_millis(400);

/// The variables and files the host decisions depend on, read once so the decisions can be
/// tested without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct HostEnv {
    pub docker_host: Option<String>,
    pub host_override: Option<String>,
    pub tls_verify: Option<String>,
    pub cert_path: Option<String>,
    pub runtime_dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
    /// `/.dockerenv` exists: we run inside a container.
    pub in_container: bool,
}

impl HostEnv {
    /// Reads the process environment.
    pub fn from_process() -> HostEnv {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        HostEnv {
            docker_host: var("DOCKER_HOST"),
            host_override: var("TESTCONTAINERS_HOST_OVERRIDE"),
            tls_verify: var("DOCKER_TLS_VERIFY"),
            cert_path: var("DOCKER_CERT_PATH"),
            runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
            in_container: Path::new("/.dockerenv").exists(),
        }
    }

    /// The engine address testcontainers will use (`unix:///…` or `tcp://host:port`).
    pub fn docker_host(&self, exists: impl Fn(&Path) -> bool) -> String {
        if let Some(h) = &self.docker_host {
            return h.clone();
        }
        let mut candidates = vec![PathBuf::from("/var/run/docker.sock")];
        if let Some(dir) = &self.runtime_dir {
            candidates.push(dir.join(".docker/run/docker.sock"));
        }
        if let Some(home) = &self.home {
            candidates.push(home.join(".docker/run/docker.sock"));
            candidates.push(home.join(".docker/desktop/docker.sock"));
        }
        let found = candidates.into_iter().find(|p| exists(p));
        format!(
            "unix://{}",
            found
                .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
                .display()
        )
    }

    /// A Podman API socket to use when no `DOCKER_HOST` is set and no Docker socket exists.
    pub fn podman_socket(&self, exists: impl Fn(&Path) -> bool) -> Option<String> {
        if self.docker_host.is_some() {
            return None;
        }
        let docker_found = self.docker_host(&exists);
        if exists(Path::new(docker_found.trim_start_matches("unix://"))) {
            return None;
        }
        let mut candidates = Vec::new();
        if let Some(dir) = &self.runtime_dir {
            candidates.push(dir.join("podman/podman.sock"));
        }
        candidates.push(PathBuf::from("/run/podman/podman.sock"));
        candidates
            .into_iter()
            .find(|p| exists(p))
            .map(|p| format!("unix://{}", p.display()))
    }

    /// Whether TLS is asked for (testcontainers treats only `1` as yes).
    pub fn tls(&self) -> bool {
        self.tls_verify.as_deref() == Some("1")
    }

    /// testcontainers panics when TLS is on without certificates; say so instead.
    pub fn check_tls(&self) -> Result<(), String> {
        if self.tls() && self.cert_path.is_none() {
            return Err(
                "DOCKER_TLS_VERIFY=1 is set but DOCKER_CERT_PATH is not: point DOCKER_CERT_PATH \
                 at the directory holding ca.pem, cert.pem and key.pem (GitLab docker:dind: \
                 /certs/client), or unset DOCKER_TLS_VERIFY for a plain tcp:// engine"
                    .to_string(),
            );
        }
        Ok(())
    }
}

/// The host to put in connection URLs for a port the engine published:
/// 1. `TESTCONTAINERS_HOST_OVERRIDE` when set (socket-mounted CI jobs, e.g.
///    `host.docker.internal`);
/// 2. the host of a `tcp://`/`http(s)://` `DOCKER_HOST` (GitLab dind: `docker`);
/// 3. for a local socket: inside a container, the bridge network's gateway (where sibling
///    containers' ports are published), else `127.0.0.1`.
pub fn connection_host(env: &HostEnv, docker_host: &str, bridge_gateway: Option<&str>) -> String {
    if let Some(h) = env
        .host_override
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        return bracket_ipv6(h);
    }
    if let Some(h) = tcp_host(docker_host) {
        return h;
    }
    match bridge_gateway.map(str::trim).filter(|g| !g.is_empty()) {
        Some(gateway) if env.in_container => bracket_ipv6(gateway),
        _ => "127.0.0.1".to_string(),
    }
}

/// The host part of a network `DOCKER_HOST` (`tcp://docker:2375` → `docker`), else `None`.
pub fn tcp_host(docker_host: &str) -> Option<String> {
    let (scheme, rest) = docker_host.split_once("://")?;
    if !matches!(scheme, "tcp" | "http" | "https") {
        return None;
    }
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority
        .rsplit_once('@')
        .map(|(_, a)| a)
        .unwrap_or(authority);
    let host = if let Some(inner) = authority.strip_prefix('[') {
        format!("[{}]", inner.split(']').next().unwrap_or(""))
    } else {
        authority.split(':').next().unwrap_or("").to_string()
    };
    (!host.is_empty() && host != "[]").then_some(host)
}

/// `host:port` of a network `DOCKER_HOST`, with Docker's default ports.
fn tcp_address(docker_host: &str, tls: bool) -> Option<String> {
    let host = tcp_host(docker_host)?;
    let (scheme, rest) = docker_host.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or("");
    let after_host = authority
        .rsplit_once(']')
        .map(|(_, p)| p)
        .unwrap_or(authority);
    let port = after_host
        .rsplit_once(':')
        .map(|(_, p)| p.to_string())
        .filter(|p| !p.is_empty());
    let default_port = if scheme == "https" || tls {
        "2376"
    } else {
        "2375"
    };
    Some(format!(
        "{host}:{}",
        port.as_deref().unwrap_or(default_port)
    ))
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Whether a Docker engine answers at the address testcontainers would use, within about a
/// second: a `GET /_ping` over the socket (or TCP), or for TLS engines an accepted
/// connection. Used by `--backend auto` to prefer docker over a local cluster.
pub fn engine_available() -> bool {
    let env = HostEnv::from_process();
    if env.check_tls().is_err() {
        return false;
    }
    let host = env.docker_host(Path::exists);
    if let Some(path) = host.strip_prefix("unix://") {
        return std::os::unix::net::UnixStream::connect(path)
            .map(|s| ping(s).unwrap_or(false))
            .unwrap_or(false);
    }
    let tls = env.tls() || host.starts_with("https://");
    let Some(address) = tcp_address(&host, tls) else {
        return false;
    };
    let Some(addr) = resolve(&address) else {
        return false;
    };
    match std::net::TcpStream::connect_timeout(&addr, PING_STEP_TIMEOUT) {
        Ok(stream) if tls => {
            drop(stream);
            true
        }
        Ok(stream) => ping(stream).unwrap_or(false),
        Err(_) => false,
    }
}

/// Resolves `host:port` on a helper thread so a slow resolver cannot stall the check.
fn resolve(address: &str) -> Option<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let (tx, rx) = std::sync::mpsc::channel();
    let address = address.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(address.to_socket_addrs().ok().and_then(|mut a| a.next()));
    });
    rx.recv_timeout(PING_STEP_TIMEOUT).ok().flatten()
}

trait Stream: Read + Write {
    fn set_timeouts(&self, t: Duration) -> std::io::Result<()>;
}

impl Stream for std::os::unix::net::UnixStream {
    fn set_timeouts(&self, t: Duration) -> std::io::Result<()> {
        self.set_read_timeout(Some(t))?;
        self.set_write_timeout(Some(t))
    }
}

impl Stream for std::net::TcpStream {
    fn set_timeouts(&self, t: Duration) -> std::io::Result<()> {
        self.set_read_timeout(Some(t))?;
        self.set_write_timeout(Some(t))
    }
}

fn ping(mut stream: impl Stream) -> std::io::Result<bool> {
    stream.set_timeouts(PING_STEP_TIMEOUT)?;
    stream.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")?;
    let mut head = [0u8; 32];
    let n = stream.read(&mut head)?;
    let head = String::from_utf8_lossy(&head[..n]);
    Ok(head.starts_with("HTTP/1.") && head.split_whitespace().nth(1) == Some("200"))
}

/// What to set `DOCKER_HOST` to when only Podman's API socket exists (testcontainers does
/// not look for it). Call it in `main` before the runtime starts, when setting the variable
/// is still safe: `if let Some(h) = podman_docker_host() { unsafe { std::env::set_var("DOCKER_HOST", h) } }`.
pub fn podman_docker_host() -> Option<String> {
    HostEnv::from_process().podman_socket(Path::exists)
}

/// The message for an engine that does not answer: what was tried and how to fix it.
pub fn unreachable_message(env: &HostEnv, docker_host: &str, cause: &str) -> String {
    let mut msg = format!("cannot reach the Docker engine at {docker_host}: {cause}\n");
    if cause.to_lowercase().contains("permission denied") {
        msg.push_str(
            "Your user may not use the Docker socket: add it to the docker group \
             (sudo usermod -aG docker $USER, then log in again), or run Docker rootless.\n",
        );
    } else if docker_host.starts_with("unix://") {
        msg.push_str(
            "Start Docker (Linux: sudo systemctl start docker; macOS/Windows: start Docker Desktop), \
             or set DOCKER_HOST to where the engine listens (GitLab docker:dind: DOCKER_HOST=tcp://docker:2375).\n",
        );
    } else {
        msg.push_str("Check that the engine at DOCKER_HOST is running and reachable from here.\n");
    }
    if let Some(podman) = env.podman_socket(Path::exists) {
        msg.push_str(&format!(
            "A Podman socket exists: export DOCKER_HOST={podman}\n"
        ));
    }
    msg.push_str(
        "Or run without Docker: --backend local (PostgreSQL server binaries) or --database-url.",
    );
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> HostEnv {
        HostEnv {
            runtime_dir: Some(PathBuf::from("/run/user/1000")),
            home: Some(PathBuf::from("/home/u")),
            ..HostEnv::default()
        }
    }

    #[test]
    fn docker_host_env_wins_then_sockets_in_testcontainers_order() {
        let mut e = env();
        assert_eq!(e.docker_host(|_| false), "unix:///var/run/docker.sock");
        assert_eq!(
            e.docker_host(|p| p == Path::new("/home/u/.docker/desktop/docker.sock")),
            "unix:///home/u/.docker/desktop/docker.sock"
        );
        assert_eq!(
            e.docker_host(|p| p.starts_with("/run/user/1000") || p.starts_with("/home")),
            "unix:///run/user/1000/.docker/run/docker.sock"
        );
        e.docker_host = Some("tcp://docker:2375".into());
        assert_eq!(e.docker_host(|_| true), "tcp://docker:2375");
    }

    #[test]
    fn host_override_wins_for_the_connection_host() {
        let mut e = env();
        e.host_override = Some("host.docker.internal".into());
        e.in_container = true;
        assert_eq!(
            connection_host(&e, "tcp://docker:2375", Some("172.17.0.1")),
            "host.docker.internal"
        );
        e.host_override = Some("fd00::1".into());
        assert_eq!(
            connection_host(&e, "unix:///var/run/docker.sock", None),
            "[fd00::1]"
        );
    }

    #[test]
    fn tcp_docker_host_gives_its_host() {
        let e = env();
        assert_eq!(connection_host(&e, "tcp://docker:2375", None), "docker");
        assert_eq!(
            connection_host(&e, "tcp://10.0.0.5:2376/", None),
            "10.0.0.5"
        );
        assert_eq!(
            connection_host(&e, "https://user@dind.example:2376", None),
            "dind.example"
        );
        assert_eq!(
            connection_host(&e, "tcp://[fd00::2]:2375", None),
            "[fd00::2]"
        );
    }

    #[test]
    fn unix_socket_gives_loopback_or_the_bridge_gateway_inside_a_container() {
        let mut e = env();
        assert_eq!(
            connection_host(&e, "unix:///var/run/docker.sock", Some("172.17.0.1")),
            "127.0.0.1"
        );
        e.in_container = true;
        assert_eq!(
            connection_host(&e, "unix:///var/run/docker.sock", Some("172.17.0.1")),
            "172.17.0.1"
        );
        assert_eq!(
            connection_host(&e, "unix:///var/run/docker.sock", None),
            "127.0.0.1"
        );
    }

    #[test]
    fn tcp_addresses_get_docker_default_ports() {
        assert_eq!(
            tcp_address("tcp://docker", false).as_deref(),
            Some("docker:2375")
        );
        assert_eq!(
            tcp_address("tcp://docker", true).as_deref(),
            Some("docker:2376")
        );
        assert_eq!(
            tcp_address("tcp://docker:1234", true).as_deref(),
            Some("docker:1234")
        );
        assert_eq!(
            tcp_address("tcp://[::1]:2375", false).as_deref(),
            Some("[::1]:2375")
        );
        assert_eq!(tcp_address("unix:///var/run/docker.sock", false), None);
    }

    #[test]
    fn podman_socket_is_offered_only_without_docker() {
        let e = env();
        let podman = Path::new("/run/user/1000/podman/podman.sock");
        assert_eq!(
            e.podman_socket(|p| p == podman).as_deref(),
            Some("unix:///run/user/1000/podman/podman.sock")
        );
        assert_eq!(
            e.podman_socket(|p| p == podman || p == Path::new("/var/run/docker.sock")),
            None
        );
        let mut set = env();
        set.docker_host = Some("unix:///x.sock".into());
        assert_eq!(set.podman_socket(|_| true), None);
    }

    #[test]
    fn tls_without_certificates_is_an_error_not_a_panic() {
        let mut e = env();
        e.tls_verify = Some("1".into());
        assert!(e.check_tls().unwrap_err().contains("DOCKER_CERT_PATH"));
        e.cert_path = Some("/certs/client".into());
        assert!(e.check_tls().is_ok());
        e.tls_verify = Some("0".into());
        e.cert_path = None;
        assert!(e.check_tls().is_ok());
    }

    #[test]
    fn unreachable_message_says_how_to_fix_it() {
        let e = env();
        let m = unreachable_message(
            &e,
            "unix:///var/run/docker.sock",
            "No such file or directory",
        );
        assert!(m.contains("systemctl start docker"));
        assert!(m.contains("--backend local"));
        assert!(m.contains("--database-url"));
        let m = unreachable_message(
            &e,
            "unix:///var/run/docker.sock",
            "Permission denied (os error 13)",
        );
        assert!(m.contains("docker group"));
    }

    #[test]
    fn ping_reads_the_status_line() {
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let _ = a.read(&mut buf);
            a.write_all(b"HTTP/1.0 200 OK\r\n\r\nOK").unwrap();
        });
        assert!(ping(b).unwrap());
        server.join().unwrap();
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let _ = a.read(&mut buf);
            a.write_all(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        });
        assert!(!ping(b).unwrap());
        server.join().unwrap();
    }
}
