//! Accepting laptops: TCP, then the TLS 1.3 handshake (which refuses any client without a
//! certificate from our CA), then HTTP/1.1 on that connection with the client certificate's
//! fingerprint attached to every request. Plain HTTP never reaches the routes: it fails the
//! handshake.

use crate::{ClientCertificate, app};
use axum::Extension;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A handshake that has not finished in this long is dropped, so a stalled or hostile peer
/// cannot hold a connection slot.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves `storage` on `listener` until `shutdown` completes. Connections already accepted are
/// left to finish their requests.
pub async fn serve<S: crate::Backend>(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    storage: Arc<S>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = app(storage);
    accept_loop(listener, tls, shutdown, move |connection, peer| {
        // The verifier required a certificate, so there is one; refuse rather than trust if not.
        let Some(fingerprint) =
            connection.peer_certificates().and_then(|c| c.first()).map(|c| crate::pki::fingerprint(c))
        else {
            tracing::warn!(%peer, "handshake finished without a client certificate");
            return None;
        };
        Some(router.clone().layer(Extension(ClientCertificate(fingerprint))))
    })
    .await
}

/// Accepts TCP connections on `listener`, completes the TLS handshake (with a timeout), and
/// serves HTTP/1.1 on each with the router `route` picks for that connection (`None` drops it).
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()>,
    route: impl Fn(&rustls::ServerConnection, SocketAddr) -> Option<axum::Router> + Clone + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Running out of file descriptors and the like: log, and keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => {
                tracing::info!("shutting down: no new connections");
                return Ok(());
            }
        };
        let acceptor = acceptor.clone();
        let route = route.clone();
        tokio::spawn(async move { connection(acceptor, route, tcp, peer).await });
    }
}

async fn connection(
    acceptor: TlsAcceptor,
    route: impl Fn(&rustls::ServerConnection, SocketAddr) -> Option<axum::Router>,
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let _ = tcp.set_nodelay(true);
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            tracing::info!(%peer, error = %e, "TLS handshake refused");
            return;
        }
        Err(_) => {
            tracing::info!(%peer, "TLS handshake timed out");
            return;
        }
    };
    let Some(router) = route(stream.get_ref().1, peer) else {
        return;
    };
    let service = TowerToHyperService::new(router);
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HANDSHAKE_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
