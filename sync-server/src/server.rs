//! The whole server, composed once: the laptops' listener (mutual TLS), and when `[console]`
//! has an address, the review console (HTTPS) and the outbound delivery worker. `main.rs`'s
//! `serve` is [`run`]; tests and benchmarks can [`start`] the same thing in process.

use crate::config::Config;
use crate::console::delivery::{Deliverer, DeliveryError, Endpoint};
use crate::console::{Console, ConsoleSettings};
use crate::storage::Storage;
use crate::storage::review::ReviewStorage;
use crate::{Backend, tls};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Why the server could not start (or stopped with an error).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// A `[[console.delivery]]` names a token variable that is not set.
    #[error("console.delivery for {mda}: the environment variable {variable} (its token) is not set")]
    MissingToken { mda: String, variable: String },
}

/// A server that is listening: where, and the handle to wait for it to stop.
pub struct Server {
    /// Where laptops connect (mutual TLS).
    pub laptops: SocketAddr,
    /// Where browsers reach the console, if it is configured.
    pub console: Option<SocketAddr>,
    laptops_task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Server {
    /// Waits until `shutdown` (given to [`start`]) completes and everything has stopped: the
    /// laptops' listener first, then the console and the delivery worker.
    pub async fn wait(mut self) -> Result<(), RunError> {
        let laptops = self.laptops_task.await.map_err(|e| std::io::Error::other(e.to_string()));
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        laptops??;
        Ok(())
    }
}

/// Binds every listener `config` asks for and starts serving `storage` on them until
/// `shutdown` completes. Returns once listening, with the addresses bound.
pub async fn start<S: Backend>(
    config: &Config,
    storage: Arc<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Server, RunError> {
    let tls = tls::server_config(&config.pki_dir)?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let laptops = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let mut tasks = JoinSet::new();
    let mut console_address = None;
    if let Some(address) = config.console.listen {
        let settings = ConsoleSettings {
            idle_timeout: config.console.idle_timeout,
            session_lifetime: config.console.session_lifetime,
            ..ConsoleSettings::default()
        };
        let console = Arc::new(Console::new(Arc::clone(&storage), settings, Arc::new(time::OffsetDateTime::now_utc)));
        let console_listener = tokio::net::TcpListener::bind(address).await?;
        let console_tls = tls::console_config(&config.pki_dir)?;
        let bound = console_listener.local_addr()?;
        tracing::info!(address = %bound, "serving the review console over HTTPS");
        console_address = Some(bound);
        start_deliveries(config, &console, &mut tasks, until_stopped(stopped.clone()))?;
        let shutdown = until_stopped(stopped.clone());
        tasks.spawn(async move {
            if let Err(e) = crate::console::serve::serve(console_listener, console_tls, console, shutdown).await {
                tracing::error!(error = %e, "the console stopped");
            }
        });
    }
    tracing::info!(address = %laptops, protocol = fieldkit_protocol::PROTOCOL_VERSION, "serving laptops over mutual TLS 1.3");
    let stop_all = stop.clone();
    let laptops_task = tokio::spawn(crate::serve::serve(listener, tls, storage, async move {
        shutdown.await;
        let _ = stop_all.send(true);
    }));
    Ok(Server { laptops, console: console_address, laptops_task, stop, tasks })
}

/// [`start`], then [`Server::wait`]: the whole server until `shutdown` completes.
pub async fn run<S: Backend>(
    config: &Config,
    storage: Arc<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    start(config, storage, shutdown).await?.wait().await
}

/// Starts the outbound adapter for the MDAs with a `[[console.delivery]]` endpoint.
fn start_deliveries<S: Storage + ReviewStorage>(
    config: &Config,
    console: &Arc<Console<S>>,
    tasks: &mut JoinSet<()>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    if config.console.deliveries.is_empty() {
        return Ok(());
    }
    let mut endpoints = Vec::new();
    for delivery in &config.console.deliveries {
        let bearer_token = match &delivery.token_env {
            None => None,
            Some(name) => Some(
                std::env::var(name)
                    .map_err(|_| RunError::MissingToken { mda: delivery.mda.clone(), variable: name.clone() })?,
            ),
        };
        endpoints.push(Endpoint {
            mda: delivery.mda.clone(),
            url: delivery.url.clone(),
            ca_file: delivery.ca_file.clone(),
            bearer_token,
        });
    }
    let deliverer = Deliverer::new(Arc::clone(&console.storage), endpoints)?;
    let wake = Arc::clone(&console.deliveries_waiting);
    let source = Arc::clone(console);
    tasks.spawn(async move {
        let catalogue = move || {
            let source = Arc::clone(&source);
            async move { source.catalogue().await.ok() }
        };
        deliverer.run(catalogue, wake, shutdown).await;
    });
    Ok(())
}
