//! Per-client session counting: how many WebSocket sessions each client IP
//! address holds, so one client cannot take every session
//! (`max_sessions_per_client`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open sessions per client address.
#[derive(Debug)]
pub(crate) struct ClientSlots {
    /// Most sessions one address may hold.
    max_per_client: usize,
    /// Count per address; entries are removed at zero so the map stays as
    /// small as the set of connected clients. A std `Mutex`: held for a map
    /// operation only, never across an await.
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One session's place; given back when dropped.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    /// The map it counts in.
    slots: Arc<ClientSlots>,
    /// The address it counts for.
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

    /// Takes a place for `ip`, or `None` if it already holds the maximum.
    pub(crate) fn try_take(self: &Arc<Self>, ip: IpAddr) -> Option<ClientSlot> {
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

    /// Sessions `ip` holds now.
    #[cfg(test)]
    fn held(&self, ip: IpAddr) -> usize {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(&ip).copied().unwrap_or(0)
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
}
