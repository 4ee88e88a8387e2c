//! A slow, lossy link between two network namespaces, emulated in user space, for kernels without
//! `sch_netem` (this machine's: `tc qdisc add ... netem` says "Specified qdisc kind is unknown";
//! `tbf` exists and could shape the rate, but nothing here can delay, and neither `nft` nor
//! `iptables` is installed to drop at random).
//!
//! Each namespace gets a point-to-point TUN device (`fk0`, [`CLIENT_ADDR`] <-> [`SERVER_ADDR`]),
//! and every IP packet one side's kernel sends is read here and written into the other side's
//! TUN after going through a model of the link, per direction:
//!
//! - a drop-tail FIFO of [`Link::queue_bytes`] (a packet that would overflow it is dropped),
//! - serialisation at [`Link::bits_per_sec`] (IP bytes; no link-layer framing is added),
//! - [`Link::delay`] of one-way propagation after the last bit is out,
//! - independent random loss with probability [`Link::loss`], from a seeded generator, so a run
//!   can be repeated. A lost packet still occupies the link for its transmission time (lost on
//!   the air, not before it).
//!
//! The kernels' real TCP stacks see real loss, delay, queueing and rate. Threads (or a runtime
//! on one thread) enter a side with [`Namespace::enter`]; sockets belong to the namespace of the
//! thread that created them. Namespaces are named per process and emulator, and both the
//! forwarders and the namespaces go when the [`Netem`] is dropped, a panic included.

use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The laptop side's address.
pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
/// The server side's address.
pub const SERVER_ADDR: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const DEVICE: &str = "fk0";
/// How often an idle forwarder looks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// One direction's link (both directions use the same).
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub bits_per_sec: u64,
    /// One-way propagation delay.
    pub delay: Duration,
    /// Probability that a packet is lost, 0..=1.
    pub loss: f64,
    /// Drop-tail queue in front of the link, in bytes (the packet being sent included).
    pub queue_bytes: usize,
    /// Seeds the loss generator; the two directions use `seed` and `seed + 1`.
    pub seed: u64,
}

impl Link {
    /// The time `bytes` take to serialise at this link's rate.
    pub fn transmission(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_sec as f64)
    }
}

/// What one direction carried. Counted at the sending side's TUN, so `bytes` includes packets
/// later lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionStats {
    /// IP packets the sending kernel put on the link.
    pub packets: u64,
    /// Their IP bytes (headers included).
    pub bytes: u64,
    /// Lost at random.
    pub lost: u64,
    /// Dropped because the queue was full.
    pub overflowed: u64,
    /// Delivered to the other side.
    pub delivered: u64,
    /// TCP segments opening a connection (SYN without ACK), retransmitted SYNs included.
    pub syns: u64,
    /// TCP connections opened (distinct SYNs).
    pub connections: u64,
    /// TCP segments carrying data that had been sent before (retransmissions), and their IP bytes.
    pub retransmitted: u64,
    pub retransmitted_bytes: u64,
    /// TCP payload bytes, first transmissions only.
    pub tcp_payload: u64,
}

impl DirectionStats {
    /// `self - earlier`, for the traffic of one phase.
    pub fn since(&self, earlier: &DirectionStats) -> DirectionStats {
        DirectionStats {
            packets: self.packets - earlier.packets,
            bytes: self.bytes - earlier.bytes,
            lost: self.lost - earlier.lost,
            overflowed: self.overflowed - earlier.overflowed,
            delivered: self.delivered - earlier.delivered,
            syns: self.syns - earlier.syns,
            connections: self.connections - earlier.connections,
            retransmitted: self.retransmitted - earlier.retransmitted,
            retransmitted_bytes: self.retransmitted_bytes - earlier.retransmitted_bytes,
            tcp_payload: self.tcp_payload - earlier.tcp_payload,
        }
    }

    pub fn dropped(&self) -> u64 {
        self.lost + self.overflowed
    }
}

#[derive(Default)]
struct Counters {
    packets: AtomicU64,
    bytes: AtomicU64,
    lost: AtomicU64,
    overflowed: AtomicU64,
    delivered: AtomicU64,
    syns: AtomicU64,
    connections: AtomicU64,
    retransmitted: AtomicU64,
    retransmitted_bytes: AtomicU64,
    tcp_payload: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> DirectionStats {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        DirectionStats {
            packets: get(&self.packets),
            bytes: get(&self.bytes),
            lost: get(&self.lost),
            overflowed: get(&self.overflowed),
            delivered: get(&self.delivered),
            syns: get(&self.syns),
            connections: get(&self.connections),
            retransmitted: get(&self.retransmitted),
            retransmitted_bytes: get(&self.retransmitted_bytes),
            tcp_payload: get(&self.tcp_payload),
        }
    }
}

/// A named network namespace (`ip netns add`), deleted when dropped.
pub struct Namespace {
    pub name: String,
}

impl Namespace {
    fn create(name: String) -> Namespace {
        // Left over from a run that was killed before its Drop ran: start clean.
        let _ = std::process::Command::new("ip").args(["netns", "del", &name]).output();
        ip(&["netns", "add", &name]);
        let namespace = Namespace { name };
        ip(&["-n", &namespace.name, "link", "set", "lo", "up"]);
        namespace
    }

    /// Moves the calling thread into this namespace: sockets it creates from now on live here.
    pub fn enter(&self) {
        enter(&self.name);
    }

    /// Sets this namespace's default TCP congestion control ("reno", "bbr"; this kernel refuses
    /// "cubic" outside the initial namespace). Returns the one in force.
    pub fn set_congestion_control(&self, algorithm: &str) -> String {
        let (name, algorithm) = (self.name.clone(), algorithm.to_string());
        std::thread::spawn(move || {
            enter(&name);
            let path = "/proc/sys/net/ipv4/tcp_congestion_control";
            std::fs::write(path, &algorithm).unwrap_or_else(|e| panic!("{algorithm} in {name}: {e}"));
            std::fs::read_to_string(path).expect("read back").trim().to_string()
        })
        .join()
        .expect("sysctl thread")
    }

    /// This namespace's default TCP congestion control.
    pub fn congestion_control(&self) -> String {
        let name = self.name.clone();
        std::thread::spawn(move || {
            enter(&name);
            std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control").expect("read").trim().to_string()
        })
        .join()
        .expect("sysctl thread")
    }
}

/// Moves the calling thread into the namespace `name`.
fn enter(name: &str) {
    let path = format!("/run/netns/{name}");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    rustix::thread::move_into_link_name_space(
        std::os::fd::AsFd::as_fd(&file),
        Some(rustix::thread::LinkNameSpaceType::Network),
    )
    .unwrap_or_else(|e| panic!("setns into {name} (needs root): {e}"));
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

fn ip(args: &[&str]) {
    let output = std::process::Command::new("ip").args(args).output().expect("run ip (iproute2)");
    assert!(
        output.status.success(),
        "ip {} failed (the link emulator needs root and iproute2): {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

/// Reads both directions' counters; cheap to clone into the threads that run a test.
#[derive(Clone)]
pub struct Meter {
    up: Arc<Counters>,
    down: Arc<Counters>,
}

impl Meter {
    /// Laptop -> server so far.
    pub fn upstream(&self) -> DirectionStats {
        self.up.snapshot()
    }

    /// Server -> laptop so far.
    pub fn downstream(&self) -> DirectionStats {
        self.down.snapshot()
    }
}

/// The emulated link and its two namespaces; everything is torn down on drop.
pub struct Netem {
    pub link: Link,
    meter: Meter,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    // Dropped after the forwarders (fields drop in order): the devices close first.
    pub client: Namespace,
    pub server: Namespace,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Netem {
    /// Creates both namespaces, a TUN device in each, and the forwarders. Panics, naming what is
    /// missing, if that is impossible (not root, no /dev/net/tun, no iproute2).
    pub fn start(link: Link) -> Netem {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let client = Namespace::create(format!("fk{pid}-{n}c"));
        let server = Namespace::create(format!("fk{pid}-{n}s"));
        // A TUN device belongs to the namespace of the thread that opens it.
        let (client_tun, server_tun) = std::thread::scope(|scope| {
            let c = scope.spawn(|| open_tun(&client, CLIENT_ADDR, SERVER_ADDR));
            let s = scope.spawn(|| open_tun(&server, SERVER_ADDR, CLIENT_ADDR));
            (c.join().expect("client TUN"), s.join().expect("server TUN"))
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (up, down) = (Arc::new(Counters::default()), Arc::new(Counters::default()));
        let (client_read, client_write) = client_tun.split();
        let (server_read, server_write) = server_tun.split();
        let mut threads = Vec::new();
        threads.extend(direction(client_read, server_write, link, link.seed, Arc::clone(&up), Arc::clone(&stop)));
        threads.extend(direction(
            server_read,
            client_write,
            link,
            link.seed.wrapping_add(1),
            Arc::clone(&down),
            Arc::clone(&stop),
        ));
        Netem { link, meter: Meter { up, down }, stop, threads, client, server }
    }

    pub fn meter(&self) -> Meter {
        self.meter.clone()
    }

    /// Runs `work` on a new thread inside the client (laptop) namespace.
    pub fn in_client<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
        spawn_in(&self.client.name, work)
    }

    /// Runs `work` on a new thread inside the server namespace.
    pub fn in_server<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
        spawn_in(&self.server.name, work)
    }
}

/// A point-to-point TUN device `local` <-> `peer` in `namespace`, up; the calling thread is moved
/// into the namespace.
fn open_tun(namespace: &Namespace, local: Ipv4Addr, peer: Ipv4Addr) -> tun::Device {
    namespace.enter();
    let mut config = tun::Configuration::default();
    config
        .tun_name(DEVICE)
        .layer(tun::Layer::L3)
        .address(local)
        .destination(peer)
        .netmask(Ipv4Addr::new(255, 255, 255, 255))
        .mtu(1500)
        .up();
    tun::create(&config).unwrap_or_else(|e| panic!("TUN device in {} (needs root, /dev/net/tun): {e}", namespace.name))
}

fn spawn_in<T: Send + 'static>(name: &str, work: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    let name = name.to_string();
    std::thread::spawn(move || {
        enter(&name);
        work()
    })
}

impl Drop for Netem {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Per flow (addresses and ports): the end of the highest TCP sequence sent, to tell
/// retransmissions from new data (`None` until the first data segment).
type Flows = HashMap<(u32, u32, u16, u16), Option<u32>>;

/// One direction: a reader that models queue, rate and loss and stamps each surviving packet
/// with its arrival time, and a writer that delivers it then.
fn direction(
    reader: tun::Reader,
    mut writer: tun::Writer,
    link: Link,
    seed: u64,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) -> [JoinHandle<()>; 2] {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let reader_counters = Arc::clone(&counters);
    let reader_stop = Arc::clone(&stop);
    let read = std::thread::spawn(move || {
        let counters = reader_counters;
        let mut rng = crate::Rng::new(seed);
        let mut flows = Flows::new();
        // Packets on the link or waiting for it: (when their last bit is out, size).
        let mut queue: VecDeque<(Instant, usize)> = VecDeque::new();
        let mut queued = 0usize;
        let mut link_free_at = Instant::now();
        let mut buf = vec![0u8; 65_536];
        while !reader_stop.load(Ordering::SeqCst) {
            let n = match reader.recv_timeout(&mut buf, STOP_CHECK) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let packet = &buf[..n];
            let now = Instant::now();
            counters.packets.fetch_add(1, Ordering::SeqCst);
            counters.bytes.fetch_add(n as u64, Ordering::SeqCst);
            classify(packet, &mut flows, &counters);
            while queue.front().is_some_and(|(done, _)| *done <= now) {
                if let Some((_, size)) = queue.pop_front() {
                    queued -= size;
                }
            }
            if queued + n > link.queue_bytes {
                counters.overflowed.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            let done = link_free_at.max(now) + link.transmission(n as u64);
            link_free_at = done;
            queue.push_back((done, n));
            queued += n;
            if link.loss > 0.0 && (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= link.loss {
                counters.lost.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            if tx.send((done + link.delay, packet.to_vec())).is_err() {
                return;
            }
        }
    });
    let write = std::thread::spawn(move || {
        loop {
            let (at, packet) = match rx.recv_timeout(STOP_CHECK) {
                Ok(item) => item,
                Err(mpsc::RecvTimeoutError::Timeout) if !stop.load(Ordering::SeqCst) => continue,
                Err(_) => return,
            };
            // The propagation delay: this is the emulated link, not synchronisation.
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            if std::io::Write::write(&mut writer, &packet).is_ok() {
                counters.delivered.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    [read, write]
}

/// Counts SYNs, retransmissions and new payload for an IPv4 TCP packet; ignores anything else.
fn classify(packet: &[u8], flows: &mut Flows, counters: &Counters) {
    let Some(&first) = packet.first() else { return };
    if first >> 4 != 4 || packet.len() < 20 {
        return;
    }
    let header = usize::from(first & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]])).min(packet.len());
    if packet[9] != 6 || total < header + 20 {
        return;
    }
    let tcp = &packet[header..total];
    let flags = tcp[13];
    let (syn, ack) = (flags & 0x02 != 0, flags & 0x10 != 0);
    let word = |at: usize| u32::from_be_bytes([packet[at], packet[at + 1], packet[at + 2], packet[at + 3]]);
    let key = (word(12), word(16), u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
    if syn && !ack {
        counters.syns.fetch_add(1, Ordering::SeqCst);
        // A new connection, unless this is a retransmitted SYN (the flow is already known).
        if flows.insert(key, None).is_none() {
            counters.connections.fetch_add(1, Ordering::SeqCst);
        }
    }
    let payload = (total - header - usize::from(tcp[12] >> 4) * 4) as u32;
    if payload == 0 {
        return;
    }
    let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
    let end = seq.wrapping_add(payload);
    let highest = flows.entry(key).or_insert(None).get_or_insert(seq);
    // Wrapping comparison: `end` at or before the highest sequence sent means nothing new.
    if end.wrapping_sub(*highest) as i32 <= 0 {
        counters.retransmitted.fetch_add(1, Ordering::SeqCst);
        counters.retransmitted_bytes.fetch_add(total as u64, Ordering::SeqCst);
    } else {
        let fresh = end.wrapping_sub(*highest).min(payload);
        counters.tcp_payload.fetch_add(u64::from(fresh), Ordering::SeqCst);
        *highest = end;
    }
}
