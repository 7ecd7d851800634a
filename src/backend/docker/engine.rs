//! Direct calls to the Docker engine through the bollard client testcontainers configured
//! (same `DOCKER_HOST`, same TLS settings): ping, inspect, logs, listing and removing
//! containers by label, including a synchronous removal usable from `Drop`.

use super::host::{self, HostEnv};
use crate::backend::BackendError;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use testcontainers_modules::testcontainers::bollard::{
    Docker,
    errors::Error as BollardError,
    models::{ContainerInspectResponse, ContainerSummary},
    query_parameters::{
        InspectContainerOptions, ListContainersOptionsBuilder, LogsOptionsBuilder,
        RemoveContainerOptionsBuilder,
    },
};
use testcontainers_modules::testcontainers::core::client::docker_client_instance;

/// Marks every container sqltest starts; `sqltest clean` removes what carries it.
pub const LABEL_MANAGED: &str = "org.sqltest.managed";
/// The run that started the container.
pub const LABEL_RUN_ID: &str = "org.sqltest.run-id";
/// The project root of the run that started the container.
pub const LABEL_PROJECT: &str = "org.sqltest.project";
/// The engine the container serves (`postgres`).
pub const LABEL_ENGINE: &str = "org.sqltest.engine";
/// One provisioning attempt: lets a cancelled start remove exactly what it created.
pub const LABEL_INSTANCE: &str = "org.sqltest.instance";
/// Present on warm containers kept between runs (`--reuse`); the value is the reuse key.
pub const LABEL_REUSE: &str = "org.sqltest.reuse";

/// Engine calls that should answer at once (ping, inspect, remove); pulls are not bounded.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The engine's client, after checking that the engine answers. The error says how to fix.
pub async fn connect() -> Result<Docker, BackendError> {
    let env = HostEnv::from_process();
    env.check_tls().map_err(BackendError::new)?;
    let docker_host = env.docker_host(Path::exists);
    let unreachable =
        |cause: String| BackendError::new(host::unreachable_message(&env, &docker_host, &cause));
    let docker = docker_client_instance()
        .await
        .map_err(|e| unreachable(error_chain(&e)))?;
    match tokio::time::timeout(Duration::from_secs(5), docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(e)) => Err(unreachable(error_chain(&e))),
        Err(_) => Err(unreachable("no answer within 5s".to_string())),
    }
}

/// An error and its causes on one line ("client error (Connect): Permission denied").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Whether an engine error is "no such object" (404).
pub fn is_not_found(e: &BollardError) -> bool {
    matches!(
        e,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

pub async fn inspect(docker: &Docker, id: &str) -> Result<ContainerInspectResponse, BackendError> {
    bounded(docker.inspect_container(id, None::<InspectContainerOptions>))
        .await
        .map_err(|e| {
            BackendError::new(format!("failed to inspect container {}: {e}", short_id(id)))
        })
}

/// The host port the engine published for `container_port/tcp`.
pub fn published_port(info: &ContainerInspectResponse, container_port: u16) -> Option<u16> {
    let ports = info.network_settings.as_ref()?.ports.as_ref()?;
    let bindings = ports.get(&format!("{container_port}/tcp"))?.as_ref()?;
    bindings
        .iter()
        .filter_map(|b| b.host_port.as_deref()?.parse().ok())
        .next()
}

/// The value of `name` in the container's environment.
pub fn env_value(info: &ContainerInspectResponse, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    info.config
        .as_ref()?
        .env
        .as_ref()?
        .iter()
        .find_map(|e| e.strip_prefix(&prefix).map(str::to_string))
}

/// Whether the container is running, and its exit code when it is not.
pub fn running_state(info: &ContainerInspectResponse) -> (bool, Option<i64>) {
    let state = info.state.as_ref();
    (
        state.and_then(|s| s.running).unwrap_or(false),
        state.and_then(|s| s.exit_code),
    )
}

/// The gateway of the default bridge network: where a sibling container's published ports
/// are reachable from inside another container.
pub async fn bridge_gateway(docker: &Docker) -> Option<String> {
    use testcontainers_modules::testcontainers::bollard::query_parameters::InspectNetworkOptions;
    let net = bounded(docker.inspect_network("bridge", None::<InspectNetworkOptions>))
        .await
        .ok()?;
    net.ipam?
        .config?
        .into_iter()
        .find_map(|c| c.gateway.filter(|g| !g.trim().is_empty()))
}

/// The last `lines` lines the container wrote (stdout and stderr, in order).
pub async fn log_tail(docker: &Docker, id: &str, lines: usize) -> String {
    let options = LogsOptionsBuilder::new()
        .stdout(true)
        .stderr(true)
        .tail(&lines.to_string())
        .build();
    let collect = async {
        let mut out = String::new();
        let mut stream = docker.logs(id, Some(options));
        while let Some(Ok(chunk)) = stream.next().await {
            out.push_str(&chunk.to_string());
        }
        out
    };
    let text = tokio::time::timeout(CALL_TIMEOUT, collect)
        .await
        .unwrap_or_default();
    let text = text.trim_end();
    if text.is_empty() {
        "  (the container wrote nothing)".to_string()
    } else {
        indent(text)
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Containers (running or not) carrying `key=value`.
pub async fn list_labelled(
    docker: &Docker,
    key: &str,
    value: &str,
) -> Result<Vec<ContainerSummary>, BackendError> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{key}={value}")])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    bounded(docker.list_containers(Some(options)))
        .await
        .map_err(|e| {
            BackendError::new(format!(
                "failed to list containers labelled {key}={value}: {e}"
            ))
        })
}

/// Removes a container and its anonymous volumes, killing it first; gone already is fine.
pub async fn remove(docker: &Docker, id: &str) -> Result<(), BackendError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match bounded(docker.remove_container(id, Some(options))).await {
        Ok(()) => Ok(()),
        Err(Failure::Engine(e)) if is_not_found(&e) => Ok(()),
        Err(e) => Err(BackendError::new(format!(
            "failed to remove container {}: {e}; remove it with: docker rm -f {}",
            short_id(id),
            short_id(id)
        ))),
    }
}

/// Removes every container labelled `key=value`; returns how many were removed.
pub async fn remove_labelled(
    docker: &Docker,
    key: &str,
    value: &str,
) -> Result<usize, BackendError> {
    let mut removed = 0;
    let mut problems = Vec::new();
    for c in list_labelled(docker, key, value).await? {
        let Some(id) = c.id else { continue };
        match remove(docker, &id).await {
            Ok(()) => removed += 1,
            Err(e) => problems.push(e.message),
        }
    }
    if problems.is_empty() {
        Ok(removed)
    } else {
        Err(BackendError::new(problems.join("\n")))
    }
}

/// Removes the containers labelled `key=value` until none is left, and returns how many
/// were seen. The engine lists a container while it is still being created but answers
/// "no such container" to its removal until creation ends, so removal is repeated until
/// the list stays empty. When a create request may still be on its way (a provisioning
/// cancelled midway), the list is watched for `appear_within` before concluding that
/// nothing was created.
pub async fn remove_labelled_settled(
    docker: &Docker,
    key: &str,
    value: &str,
    appear_within: Duration,
) -> usize {
    let start = std::time::Instant::now();
    let mut seen = std::collections::HashSet::new();
    loop {
        let Ok(found) = list_labelled(docker, key, value).await else {
            break;
        };
        if found.is_empty() && (!seen.is_empty() || start.elapsed() >= appear_within) {
            break;
        }
        for id in found.into_iter().filter_map(|c| c.id) {
            let _ = remove(docker, &id).await;
            seen.insert(id);
        }
        if start.elapsed() > SETTLE_LIMIT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen.len()
}

/// How long cleanup keeps trying to remove a container that is still being created.
const SETTLE_LIMIT: Duration = Duration::from_secs(15);

/// [`remove_labelled_settled`] from synchronous code (`Drop`, possibly during a panic or
/// after the runtime is gone): a helper thread with its own small runtime and its own
/// client, so it works whether or not the caller is inside a tokio runtime.
pub fn remove_labelled_blocking(key: &'static str, value: String, appear_within: Duration) {
    let worker = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if let Some(docker) = fresh_client() {
                remove_labelled_settled(&docker, key, &value, appear_within).await;
            }
        });
    });
    let _ = worker.join();
}

/// A client of its own (not testcontainers' shared one, whose pooled connections belong to
/// the main runtime), set up the way testcontainers sets up its client.
fn fresh_client() -> Option<Docker> {
    use testcontainers_modules::testcontainers::bollard::API_DEFAULT_VERSION;
    let env = HostEnv::from_process();
    let docker_host = env.docker_host(Path::exists);
    let timeout = CALL_TIMEOUT.as_secs();
    if docker_host.starts_with("unix://") {
        return Docker::connect_with_unix(&docker_host, timeout, API_DEFAULT_VERSION).ok();
    }
    if env.tls() || docker_host.starts_with("https://") {
        let certs = std::path::PathBuf::from(env.cert_path.as_deref()?);
        return Docker::connect_with_ssl(
            &docker_host,
            &certs.join("key.pem"),
            &certs.join("cert.pem"),
            &certs.join("ca.pem"),
            timeout,
            API_DEFAULT_VERSION,
        )
        .ok();
    }
    Docker::connect_with_http(&docker_host, timeout, API_DEFAULT_VERSION).ok()
}

/// 12 characters, as `docker ps` shows ids.
pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// An engine call that failed or did not answer in time.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{}", error_chain(.0))]
    Engine(BollardError),
    #[error("the Docker engine did not answer within {}s", CALL_TIMEOUT.as_secs())]
    Timeout,
}

async fn bounded<T>(fut: impl Future<Output = Result<T, BollardError>>) -> Result<T, Failure> {
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(r) => r.map_err(Failure::Engine),
        Err(_) => Err(Failure::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testcontainers_modules::testcontainers::bollard::models::{
        ContainerConfig, ContainerState, NetworkSettings, PortBinding,
    };

    #[test]
    fn published_port_env_and_state_are_read_from_inspect() {
        let info = ContainerInspectResponse {
            config: Some(ContainerConfig {
                env: Some(vec![
                    "PATH=/bin".into(),
                    "POSTGRES_PASSWORD=s3cret=x".into(),
                ]),
                ..Default::default()
            }),
            network_settings: Some(NetworkSettings {
                ports: Some(HashMap::from([(
                    "5432/tcp".to_string(),
                    Some(vec![PortBinding {
                        host_ip: Some("0.0.0.0".into()),
                        host_port: Some("49153".into()),
                    }]),
                )])),
                ..Default::default()
            }),
            state: Some(ContainerState {
                running: Some(false),
                exit_code: Some(1),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(published_port(&info, 5432), Some(49153));
        assert_eq!(published_port(&info, 3306), None);
        assert_eq!(
            env_value(&info, "POSTGRES_PASSWORD").as_deref(),
            Some("s3cret=x")
        );
        assert_eq!(env_value(&info, "POSTGRES_USER"), None);
        assert_eq!(running_state(&info), (false, Some(1)));
    }

    #[test]
    fn error_chain_shows_the_cause_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "Permission denied");
        #[derive(Debug, thiserror::Error)]
        #[error("client error (Connect)")]
        struct Outer(#[source] std::io::Error);
        assert_eq!(
            error_chain(&Outer(inner)),
            "client error (Connect): Permission denied"
        );
    }

    #[test]
    fn short_ids_are_twelve_characters() {
        assert_eq!(short_id("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
    }
}
