//! Addresses at the network edge: which ones are public, lists of addresses and networks from
//! the configuration, the client's address behind trusted proxies, and the count of open
//! connections per client.

use ipnet::IpNet;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Addresses and networks (`10.0.0.0/8`, `192.0.2.7`, `fd00::/8`) from the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetList(pub Vec<IpNet>);

impl NetList {
    /// Parses entries separated by commas or whitespace; names the first bad one.
    pub fn parse(raw: &str) -> Result<NetList, String> {
        raw.split([',', ' ', '\n', '\t'])
            .filter(|s| !s.is_empty())
            .map(parse_net)
            .collect::<Result<_, _>>()
            .map(NetList)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// One address (a host network) or network in CIDR form.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| format!("“{s}”不是 IP 地址或网段（如 10.0.0.1、10.0.0.0/8、fd00::/8）"))
}

/// Whether an address is on the public internet: not this host, not a private, shared,
/// link-local, unique-local, multicast, documentation or reserved range, in any of the IPv6
/// forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT), RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Forms that carry an IPv4 address: judged by that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_unspecified() && !ip.is_loopback() {
        // IPv4-compatible (deprecated)
        return is_public_v4(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64, RFC 6052
        return is_public_v4(Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if s[0] == 0x2002 {
        // 6to4
        return is_public_v4(Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard 100::/64
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)) // local-use NAT64 64:ff9b:1::/48
}

/// The client's address. Without `trust_proxy` it is the socket peer. With it, and only when
/// the peer is one of `proxies` (or, with no list, the peer is taken for the one proxy), the
/// `X-Forwarded-For` entries are read from the right — each proxy appends the address it saw —
/// skipping trusted proxies; the first other entry is the client. Entries further left were
/// written by the client and prove nothing. A malformed entry ends the walk at the peer, and a
/// chain made only of trusted proxies gives its leftmost entry.
pub fn client_addr(peer: IpAddr, forwarded_for: &[&str], trust_proxy: bool, proxies: &NetList) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: IpAddr| proxies.contains(ip);
    if !trust_proxy || !(proxies.is_empty() || trusted(peer)) {
        return peer;
    }
    let mut client = peer;
    // Several header lines count as one list, in order (RFC 9110, 5.3).
    let entries = forwarded_for.iter().flat_map(|line| line.split(',')).collect::<Vec<_>>();
    for entry in entries.iter().rev() {
        let Some(ip) = parse_forwarded_entry(entry) else { return peer };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, also in the forms `[v6]`, `v4:port`, `[v6]:port`.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    e.parse::<std::net::SocketAddr>()
        .map(|s| s.ip())
        .ok()
        .or_else(|| e.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
        .map(|ip: IpAddr| ip.to_canonical())
}

/// The key a client's connections are counted under: its IPv4 address, or its IPv6 /64 (one
/// subscriber usually has a whole /64, and could otherwise open connections from each address).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// Open connections, in total and per client; refuses past either cap.
#[derive(Debug)]
pub struct ConnectionLimits {
    per_client: usize,
    total: usize,
    open: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// Holds one connection's place; gives it back when dropped (the connection closed).
#[derive(Debug)]
pub struct ConnectionPermit {
    limits: Arc<ConnectionLimits>,
    key: Option<IpAddr>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Total,
    PerClient,
}

impl ConnectionLimits {
    pub fn new(per_client: usize, total: usize) -> Arc<ConnectionLimits> {
        Arc::new(ConnectionLimits { per_client, total, open: Mutex::default() })
    }

    /// Admits a connection from `peer` unless a cap is reached; `exempt` peers (trusted
    /// proxies, which carry many clients) count only toward the total.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, exempt: bool) -> Result<ConnectionPermit, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.total {
            return Err(Refused::Total);
        }
        let key = if exempt {
            None
        } else {
            let key = client_key(peer);
            let n = open.by_client.entry(key).or_insert(0);
            if *n >= self.per_client {
                return Err(Refused::PerClient);
            }
            *n += 1;
            Some(key)
        };
        open.total += 1;
        Ok(ConnectionPermit { limits: self.clone(), key })
    }

    /// Connections open now: in total, and from `peer`'s client key.
    pub fn open(&self, peer: IpAddr) -> (usize, usize) {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        (open.total, open.by_client.get(&client_key(peer)).copied().unwrap_or(0))
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(key) = self.key
            && let Some(n) = open.by_client.get_mut(&key)
        {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_and_internal_addresses() {
        for s in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "100::1",
        ] {
            assert!(!is_public(ip(s)), "{s} is not public");
        }
        for s in ["8.8.8.8", "1.1.1.1", "100.63.0.1", "100.128.0.1", "172.32.0.1", "2400:3200::1", "::ffff:8.8.8.8"] {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn lists_parse_and_match() {
        let list = NetList::parse("10.0.0.0/8, 192.0.2.7 fd00::/8").unwrap();
        assert!(list.contains(ip("10.1.2.3")) && list.contains(ip("192.0.2.7")) && list.contains(ip("fd00::5")));
        assert!(list.contains(ip("::ffff:10.9.9.9")), "IPv4-mapped peers match IPv4 networks");
        assert!(!list.contains(ip("192.0.2.8")) && !list.contains(ip("11.0.0.1")));
        assert_eq!(NetList::parse("").unwrap(), NetList::default());
        assert!(NetList::parse("10.0.0.0/33").unwrap_err().contains("10.0.0.0/33"));
        assert!(NetList::parse("proxy.local").unwrap_err().contains("proxy.local"));
    }

    #[test]
    fn client_address_behind_proxies() {
        let peer = ip("10.0.0.5");
        let none = NetList::default();
        let proxies = NetList::parse("10.0.0.0/24, 203.0.113.9").unwrap();
        for (trust, list, xff, want) in [
            // Not trusted: the peer, whatever the header says.
            (false, &none, &["1.2.3.4"][..], "10.0.0.5"),
            // One proxy, no list: the entry it appended (the rightmost), not the client's own.
            (true, &none, &["1.2.3.4"][..], "1.2.3.4"),
            (true, &none, &["6.6.6.6, 1.2.3.4"][..], "1.2.3.4"),
            (true, &none, &["6.6.6.6", "1.2.3.4"][..], "1.2.3.4"),
            // A list: trusted hops are skipped from the right.
            (true, &proxies, &["6.6.6.6, 1.2.3.4, 203.0.113.9"][..], "1.2.3.4"),
            (true, &proxies, &["1.2.3.4, 10.0.0.7"][..], "1.2.3.4"),
            // Only proxies: the leftmost of them.
            (true, &proxies, &["10.0.0.8, 10.0.0.7"][..], "10.0.0.8"),
            // No header: the peer.
            (true, &proxies, &[][..], "10.0.0.5"),
            // Malformed entries stop the walk at the peer.
            (true, &none, &["1.2.3.4, ' OR 1=1"][..], "10.0.0.5"),
            (true, &none, &["1.2.3.4, "][..], "10.0.0.5"),
            (true, &proxies, &["evil, 1.2.3.4"][..], "1.2.3.4"),
            // Port and bracket forms.
            (true, &none, &["[2001:db8::1]:443"][..], "2001:db8::1"),
            (true, &none, &["1.2.3.4:5678"][..], "1.2.3.4"),
            (true, &none, &["::ffff:1.2.3.4"][..], "1.2.3.4"),
        ] {
            assert_eq!(client_addr(peer, xff, trust, list), ip(want), "{trust} {xff:?}");
        }
        // A peer outside the list is not a proxy: its header is ignored.
        assert_eq!(client_addr(ip("1.2.3.4"), &["9.9.9.9"], true, &proxies), ip("1.2.3.4"));
    }

    #[test]
    fn connection_caps() {
        let limits = ConnectionLimits::new(2, 3);
        let a = ip("192.0.2.1");
        let p1 = limits.admit(a, false).unwrap();
        let _p2 = limits.admit(a, false).unwrap();
        assert_eq!(limits.admit(a, false).unwrap_err(), Refused::PerClient);
        let _b = limits.admit(ip("192.0.2.2"), false).unwrap();
        assert_eq!(limits.admit(ip("192.0.2.3"), true).unwrap_err(), Refused::Total);
        drop(p1);
        assert_eq!(limits.open(a), (2, 1));
        let _p3 = limits.admit(a, false).unwrap();
        // One IPv6 /64 is one client.
        let limits = ConnectionLimits::new(1, 10);
        let _v6 = limits.admit(ip("2001:db8:1:2::1"), false).unwrap();
        assert!(limits.admit(ip("2001:db8:1:2::2"), false).is_err());
        assert!(limits.admit(ip("2001:db8:1:3::1"), false).is_ok());
        // Exempt peers count only toward the total.
        let _x = limits.admit(ip("10.0.0.1"), true).unwrap();
        let _y = limits.admit(ip("10.0.0.1"), true).unwrap();
    }
}
