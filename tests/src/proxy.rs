//! A TCP proxy between laptop and server that counts bytes and breaks things on request: cut a
//! connection after so many bytes towards the server (a link dropping mid-batch), or tell the test
//! when a byte count is reached (to kill the server mid-batch). It sees only TLS records, so it
//! breaks the channel exactly as a bad link would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

#[derive(Default)]
struct Faults {
    /// Close the connection once this many more bytes went towards the server.
    cut_upstream_after: Option<u64>,
    /// Tell the test once total upstream bytes reach this.
    notify_at_upstream: Option<(u64, oneshot::Sender<()>)>,
}

/// A slow link: each direction carries `bytes_per_sec` and delivers every byte `delay` after it
/// finished transmitting. Packet loss cannot be modelled here (the proxy sits above TCP, which
/// hides loss as retransmission delay); `netem.rs` emulates a lossy link below TCP instead.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub bytes_per_sec: u64,
    pub delay: std::time::Duration,
}

#[derive(Default)]
struct Shared {
    link: Mutex<Option<Link>>,
    upstream: AtomicU64,
    downstream: AtomicU64,
    connections: AtomicU64,
    faults: Mutex<Faults>,
    target: Mutex<Option<SocketAddr>>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared::default());
        *shared.target.lock().expect("lock") = Some(target);
        let accept_shared = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = Arc::clone(&accept_shared);
                tokio::spawn(async move { relay(client, shared).await });
            }
        });
        Proxy { addr, shared, task }
    }

    /// Shapes connections opened from now on like `link`.
    pub fn shape(&self, link: Link) {
        *self.shared.link.lock().expect("lock") = Some(link);
    }

    /// Sends new connections somewhere else (a restarted server on a new port).
    pub fn retarget(&self, target: SocketAddr) {
        *self.shared.target.lock().expect("lock") = Some(target);
    }

    pub fn upstream_bytes(&self) -> u64 {
        self.shared.upstream.load(Ordering::SeqCst)
    }

    pub fn downstream_bytes(&self) -> u64 {
        self.shared.downstream.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    pub fn cut_upstream_after(&self, bytes: u64) {
        self.shared.faults.lock().expect("lock").cut_upstream_after = Some(bytes);
    }

    /// Resolves once the total bytes sent towards the server reach `bytes`.
    pub fn when_upstream_reaches(&self, bytes: u64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.shared.faults.lock().expect("lock").notify_at_upstream = Some((bytes, tx));
        rx
    }
}

async fn relay(client: TcpStream, shared: Arc<Shared>) {
    let Some(target) = *shared.target.lock().expect("lock") else { return };
    let Ok(server) = TcpStream::connect(target).await else { return };
    shared.connections.fetch_add(1, Ordering::SeqCst);
    let link = *shared.link.lock().expect("lock");
    if let Some(link) = link {
        return shaped(client, server, link, shared).await;
    }
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up_shared = Arc::clone(&shared);
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut n = n;
            let mut cut = false;
            {
                let mut faults = up_shared.faults.lock().expect("lock");
                if let Some(left) = faults.cut_upstream_after {
                    if (n as u64) >= left {
                        n = left as usize;
                        cut = true;
                        faults.cut_upstream_after = None;
                    } else {
                        faults.cut_upstream_after = Some(left - n as u64);
                    }
                }
            }
            if n > 0 && server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            let total = up_shared.upstream.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
            {
                let mut faults = up_shared.faults.lock().expect("lock");
                if faults.notify_at_upstream.as_ref().is_some_and(|(at, _)| total >= *at)
                    && let Some((_, tx)) = faults.notify_at_upstream.take()
                {
                    let _ = tx.send(());
                }
            }
            if cut {
                return;
            }
        }
    };
    let down_shared = Arc::clone(&shared);
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            down_shared.downstream.fetch_add(n as u64, Ordering::SeqCst);
        }
    };
    // Whichever side ends first ends the connection, as a real cut does.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// Relays both directions through a model of `link`: a reader stamps each chunk with the time it
/// would finish arriving (transmission at the link's rate, queued behind earlier chunks, plus the
/// one-way delay) and a writer delivers it then.
async fn shaped(client: TcpStream, server: TcpStream, link: Link, shared: Arc<Shared>) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = one_way(client_read, server_write, link, Arc::clone(&shared), true);
    let down = one_way(server_read, client_write, link, shared, false);
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

async fn one_way(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    link: Link,
    shared: Arc<Shared>,
    upstream: bool,
) {
    use tokio::time::Instant;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 1500];
        let mut link_free_at = Instant::now();
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let transmit = std::time::Duration::from_secs_f64(n as f64 / link.bytes_per_sec as f64);
            link_free_at = link_free_at.max(Instant::now()) + transmit;
            if tx.send((link_free_at + link.delay, buf[..n].to_vec())).is_err() {
                return;
            }
        }
    };
    let writer = async move {
        while let Some((due, chunk)) = rx.recv().await {
            // Emulating the link's timing is the point here, not synchronisation.
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
            let counter = if upstream { &shared.upstream } else { &shared.downstream };
            counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        }
    };
    // The reader ending (peer closed) lets the writer drain what is still "on the wire".
    tokio::join!(reader, writer);
}
