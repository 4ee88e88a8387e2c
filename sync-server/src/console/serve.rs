//! Serving the console over HTTPS: the deployment's server certificate, no client certificate,
//! each request tagged with the address it came from (for login throttling).

use super::auth::PeerAddress;
use super::{Console, router};
use axum::Extension;
use rustls::ServerConfig;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub async fn serve<S: crate::Backend>(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    console: Arc<Console<S>>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = router(console);
    crate::serve::accept_loop(listener, tls, shutdown, move |_, peer| {
        Some(router.clone().layer(Extension(PeerAddress(peer))))
    })
    .await
}
