//! The client's IP address: the TCP peer, or — behind reverse proxies the settings trust
//! (`server.trust_proxy` and `server.trusted_proxies`) — the right-most `X-Forwarded-For` hop
//! that is not one of those proxies. Entries to the left of it were written by the client and
//! prove nothing.

use std::net::{IpAddr, SocketAddr};

/// An address range: `10.0.0.0/8`, `::1/128`, or one address (`192.0.2.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Option<IpNet> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(a.parse().ok()?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                same_prefix(u32::from(n).into(), u32::from(i).into(), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                same_prefix(u128::from(n), u128::from(i), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8, bits: u32) -> bool {
    let shift = bits - u32::from(prefix);
    shift >= bits || (a >> shift) == (b >> shift)
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop of `X-Forwarded-For`: an address, possibly with a port.
fn hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// The client of a request from `peer` carrying the `X-Forwarded-For` header values
/// `forwarded_for` (in the order received). A peer that is not a trusted proxy is the client
/// itself, whatever the header says. Otherwise the hops are walked from the right while they
/// are trusted proxies; the first untrusted one is the client. An unreadable hop ends the walk
/// at the last address that was read.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = canonical(peer);
    if !is_trusted(client) {
        return client;
    }
    for entry in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
        let Some(ip) = hop(entry) else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn loopback() -> Vec<IpNet> {
        ["127.0.0.0/8", "::1"]
            .iter()
            .filter_map(|s| IpNet::parse(s))
            .collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let net = IpNet::parse("10.0.0.0/8").expect("net");
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped");
        assert!(
            IpNet::parse("0.0.0.0/0")
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        assert!(IpNet::parse("::1").expect("one").contains(ip("::1")));
        assert!(
            IpNet::parse("fd00::/8")
                .expect("v6")
                .contains(ip("fd12::1"))
        );
        assert_eq!(IpNet::parse("10.0.0.0/33"), None);
        assert_eq!(IpNet::parse("proxy.local"), None);
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let t = loopback();
        let peer = ip("127.0.0.1");
        assert_eq!(
            client_ip(peer, &["6.6.6.6, 203.0.113.7"], &t),
            ip("203.0.113.7"),
            "the forged first entry is ignored"
        );
        let mut chain = loopback();
        chain.push(IpNet::parse("10.0.0.0/8").expect("net"));
        assert_eq!(
            client_ip(peer, &["6.6.6.6, 203.0.113.7, 10.0.0.2"], &chain),
            ip("203.0.113.7"),
            "trusted hops are skipped"
        );
        assert_eq!(
            client_ip(peer, &["6.6.6.6", "203.0.113.7"], &t),
            ip("203.0.113.7"),
            "several headers read in order"
        );
        assert_eq!(
            client_ip(peer, &["203.0.113.7:51234"], &t),
            ip("203.0.113.7")
        );
        assert_eq!(client_ip(peer, &[], &t), peer, "no header: the peer");
        assert_eq!(
            client_ip(peer, &["6.6.6.6, garbage"], &t),
            peer,
            "an unreadable hop is not taken, nor anything left of it"
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            client_ip(ip("198.51.100.9"), &["6.6.6.6"], &loopback()),
            ip("198.51.100.9")
        );
    }
}
