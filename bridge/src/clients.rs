//! Per-client session counting: how many WebSocket sessions each client
//! holds, so one client cannot take every session
//! (`max_sessions_per_client`).
//!
//! A client is what [`client_key`] makes of its source address: an IPv4
//! address, or an IPv6 /64. One IPv6 host is usually given a whole /64 and
//! can pick any of its 2^64 addresses per connection, so counting exact IPv6
//! addresses would not limit it at all.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Open sessions per client address.
#[derive(Debug)]
pub(crate) struct ClientSlots {
    /// Most sessions one address may hold.
    max_per_client: usize,
    /// Count per client key ([`client_key`]); entries are removed at zero so the map stays as
    /// small as the set of connected clients. A std `Mutex`: held for a map
    /// operation only, never across an await.
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One session's place; given back when dropped.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    /// The map it counts in.
    slots: Arc<ClientSlots>,
    /// The client key it counts for ([`client_key`]).
    ip: IpAddr,
}

impl ClientSlots {
    /// Slots allowing `max_per_client` sessions per address.
    pub(crate) fn new(max_per_client: usize) -> Arc<Self> {
        Arc::new(Self {
            max_per_client,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a place for the client at `ip` (counted by [`client_key`]), or
    /// `None` if that client already holds the maximum.
    pub(crate) fn try_take(self: &Arc<Self>, ip: IpAddr) -> Option<ClientSlot> {
        let ip = client_key(ip);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.max_per_client {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            slots: Arc::clone(self),
            ip,
        })
    }

    /// Sessions the client at `ip` holds now.
    #[cfg(test)]
    fn held(&self, ip: IpAddr) -> usize {
        let ip = client_key(ip);
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(&ip).copied().unwrap_or(0)
    }
}

/// The client an address belongs to, for per-client limits: an IPv4 address
/// is its own client (also when written IPv4-mapped, `::ffff:a.b.c.d`, as a
/// dual-stack listener reports IPv4 peers); an IPv6 address counts as its
/// /64, the prefix one host or one site is given and can pick addresses from
/// at will.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.slots.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_at_most_its_share_and_drops_give_it_back() {
        let slots = ClientSlots::new(2);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let a1 = slots.try_take(a).expect("first");
        let _a2 = slots.try_take(a).expect("second");
        assert!(slots.try_take(a).is_none(), "a third for the same address");
        let _b1 = slots.try_take(b).expect("another address is independent");
        drop(a1);
        assert_eq!(slots.held(a), 1);
        assert!(slots.try_take(a).is_some());
        assert_eq!(slots.held(a), 1, "the temporary slot was given back");
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64_and_a_mapped_ipv4_is_the_ipv4() {
        let ip = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let slots = ClientSlots::new(2);
        // Two addresses of one /64 fill its share; a third address of the
        // same /64 (a fresh one, as an attacker would pick) is refused.
        let _a1 = slots.try_take(ip("2001:db8:1:2::1")).expect("first");
        let _a2 = slots
            .try_take(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
            .expect("second");
        assert!(slots.try_take(ip("2001:db8:1:2:dead:beef:0:1")).is_none());
        assert_eq!(slots.held(ip("2001:db8:1:2::99")), 2);
        // The neighbouring /64 is another client.
        let _b = slots.try_take(ip("2001:db8:1:3::1")).expect("other /64");
        // IPv4 counts per address, written plain or IPv4-mapped alike.
        let _c1 = slots.try_take(ip("192.0.2.7")).expect("v4 first");
        let _c2 = slots.try_take(ip("::ffff:192.0.2.7")).expect("v4 second");
        assert!(slots.try_take(ip("192.0.2.7")).is_none());
        assert!(slots.try_take(ip("::ffff:192.0.2.7")).is_none());
        let _d = slots.try_take(ip("192.0.2.8")).expect("next v4 address");
        assert_eq!(client_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("::1")), ip("::"));
        assert_eq!(client_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_eq!(client_key(ip("10.0.0.1")), ip("10.0.0.1"));
    }
}
