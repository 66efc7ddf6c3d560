//! Per-user limits for sessions whose user a trusted proxy named
//! ([`crate::identity`]): concurrent sessions (`--max-sessions-per-user`)
//! and bytes relayed per rolling hour, both directions together
//! (`--max-bytes-per-user`). The counts are this replica's: replicas share
//! no state, so behind a load balancer over N replicas a user may reach N
//! times the limits.
//!
//! The hour is kept as one-minute buckets, so a user's allowance comes
//! back a minute's worth at a time, an hour after it was used.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::identity::UserName;
use crate::relay::ByteBudget;

/// The window bytes are counted over.
pub const BYTE_WINDOW: Duration = Duration::from_secs(3600);

/// The width of one bucket of the window.
const BUCKET: Duration = Duration::from_secs(60);

/// The per-user limits; `None`: no limit of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserLimits {
    /// Concurrent sessions of one user.
    pub max_sessions: Option<usize>,
    /// Bytes one user may relay per rolling hour.
    pub max_bytes_per_hour: Option<u64>,
}

/// Why a user gets no new session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserRefusal {
    /// The user holds the most sessions allowed.
    #[error("your user already has {max} sessions open on this bridge, the most it allows one user; close one first")]
    Sessions {
        /// The limit.
        max: usize,
    },
    /// The user relayed the most bytes allowed in the last hour.
    #[error("your user relayed {max} bytes through this bridge in the last hour, the most it allows one user; try again later")]
    Bytes {
        /// The limit.
        max: u64,
    },
}

/// Every user's open sessions and recent bytes.
#[derive(Debug)]
pub struct Users {
    /// The limits.
    limits: UserLimits,
    /// When the counting started: buckets are minutes since then.
    epoch: Instant,
    /// Per user. A std `Mutex`: held for a map operation only, never across
    /// an await.
    state: Mutex<HashMap<UserName, UserState>>,
}

/// One user's counts.
#[derive(Debug, Default)]
struct UserState {
    /// Sessions open now.
    open: usize,
    /// Bytes per minute (minutes since [`Users::epoch`]), oldest first,
    /// none older than the window.
    buckets: VecDeque<(u64, u64)>,
}

impl UserState {
    /// Drops buckets older than the window ending in `minute`; the bytes
    /// left.
    fn recent(&mut self, minute: u64) -> u64 {
        let window = BYTE_WINDOW.as_secs() / BUCKET.as_secs();
        while self
            .buckets
            .front()
            .is_some_and(|(m, _)| m.saturating_add(window) <= minute)
        {
            self.buckets.pop_front();
        }
        self.buckets.iter().map(|(_, b)| *b).sum()
    }

    fn add(&mut self, minute: u64, n: u64) {
        match self.buckets.back_mut() {
            Some((m, bytes)) if *m == minute => *bytes = bytes.saturating_add(n),
            _ => self.buckets.push_back((minute, n)),
        }
    }
}

/// One session's place in its user's count; given back when dropped. It is
/// also the session's [`ByteBudget`]: its relayed bytes count against the
/// user's hour.
#[derive(Debug)]
pub struct UserSlot {
    /// The counts it belongs to.
    users: Arc<Users>,
    /// Its user.
    user: UserName,
}

impl Users {
    /// No user counted yet.
    pub fn new(limits: UserLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            epoch: Instant::now(),
            state: Mutex::new(HashMap::new()),
        })
    }

    fn minute(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_secs() / BUCKET.as_secs()
    }

    /// A place for a new session of `user`.
    ///
    /// # Errors
    /// [`UserRefusal`] when the user is at a limit.
    pub fn try_take(self: &Arc<Self>, user: &UserName) -> Result<UserSlot, UserRefusal> {
        self.try_take_at(user, Instant::now())
    }

    fn try_take_at(
        self: &Arc<Self>,
        user: &UserName,
        now: Instant,
    ) -> Result<UserSlot, UserRefusal> {
        let minute = self.minute(now);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // Users with nothing open and nothing in the window are forgotten,
        // so the map holds the last hour's users only.
        state.retain(|_, s| s.open > 0 || s.recent(minute) > 0);
        let entry = state.entry(user.clone()).or_default();
        if let Some(max) = self.limits.max_sessions {
            if entry.open >= max {
                return Err(UserRefusal::Sessions { max });
            }
        }
        if let Some(max) = self.limits.max_bytes_per_hour {
            if entry.recent(minute) >= max {
                return Err(UserRefusal::Bytes { max });
            }
        }
        entry.open += 1;
        Ok(UserSlot {
            users: Arc::clone(self),
            user: user.clone(),
        })
    }

    /// Counts `n` bytes of `user` at `now` unless they would pass the hourly
    /// limit; `Err(limit)` then, and the user's allowance counts as used up.
    fn spend_at(&self, user: &UserName, n: u64, now: Instant) -> Result<(), u64> {
        let minute = self.minute(now);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = state.entry(user.clone()).or_default();
        if let Some(max) = self.limits.max_bytes_per_hour {
            let recent = entry.recent(minute);
            if recent.saturating_add(n) > max {
                // The session that met the limit ends, and the user gets no
                // new one until bytes leave the window.
                entry.add(minute, max.saturating_sub(recent));
                return Err(max);
            }
        }
        entry.add(minute, n);
        Ok(())
    }

    /// Sessions `user` holds now.
    #[cfg(test)]
    fn open(&self, user: &UserName) -> usize {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.get(user).map_or(0, |s| s.open)
    }
}

impl UserSlot {
    /// The user.
    pub fn user(&self) -> &UserName {
        &self.user
    }
}

impl ByteBudget for UserSlot {
    fn try_spend(&self, n: u64) -> Result<(), u64> {
        self.users.spend_at(&self.user, n, Instant::now())
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut state = self.users.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = state.get_mut(&self.user) {
            s.open = s.open.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> UserName {
        UserName::parse(s.as_bytes()).expect("name")
    }

    #[test]
    fn each_user_gets_at_most_its_sessions_and_drops_give_them_back() {
        let users = Users::new(UserLimits {
            max_sessions: Some(2),
            max_bytes_per_hour: None,
        });
        let (alice, bob) = (name("alice"), name("bob"));
        let a1 = users.try_take(&alice).expect("first");
        let _a2 = users.try_take(&alice).expect("second");
        assert_eq!(
            users.try_take(&alice).map(|_| ()),
            Err(UserRefusal::Sessions { max: 2 })
        );
        let _b = users.try_take(&bob).expect("another user is independent");
        drop(a1);
        assert_eq!(users.open(&alice), 1);
        assert!(users.try_take(&alice).is_ok());
    }

    #[test]
    fn bytes_count_over_a_rolling_hour_across_sessions() {
        let users = Users::new(UserLimits {
            max_sessions: None,
            max_bytes_per_hour: Some(1000),
        });
        let t0 = users.epoch;
        let carol = name("carol");
        let s1 = users.try_take_at(&carol, t0).expect("first");
        let s2 = users.try_take_at(&carol, t0).expect("second");
        assert_eq!(users.spend_at(&carol, 600, t0), Ok(()));
        let half = t0 + Duration::from_secs(30 * 60);
        assert_eq!(users.spend_at(&carol, 300, half), Ok(()), "900 in the hour");
        assert_eq!(
            users.spend_at(&carol, 101, half),
            Err(1000),
            "over the hour's bytes"
        );
        assert_eq!(
            users.spend_at(&carol, 1, half),
            Err(1000),
            "meeting the limit uses the allowance up"
        );
        assert!(users.try_take_at(&carol, half).is_err());
        assert_eq!(
            s1.users
                .spend_at(&carol, 1, t0 + Duration::from_secs(59 * 60)),
            Err(1000),
            "a minute before the first bytes leave the window"
        );
        // An hour later the first 600 bytes have left the window; the rest
        // (300, and the 100 used up at the limit) has not.
        let later = t0 + Duration::from_secs(61 * 60);
        assert_eq!(users.spend_at(&carol, 600, later), Ok(()));
        assert_eq!(users.spend_at(&carol, 1, later), Err(1000));
        assert!(
            users.try_take_at(&name("dave"), later).is_ok(),
            "dave's own allowance"
        );
        drop((s1, s2));
    }

    #[test]
    fn a_user_at_the_byte_limit_gets_no_new_session_and_idle_users_are_forgotten() {
        let users = Users::new(UserLimits {
            max_sessions: None,
            max_bytes_per_hour: Some(10),
        });
        let t0 = users.epoch;
        let erin = name("erin");
        let slot = users.try_take_at(&erin, t0).expect("first");
        assert_eq!(users.spend_at(&erin, 10, t0), Ok(()));
        drop(slot);
        assert_eq!(
            users.try_take_at(&erin, t0).map(|_| ()),
            Err(UserRefusal::Bytes { max: 10 })
        );
        let slot = users
            .try_take_at(&erin, t0 + BYTE_WINDOW + BUCKET)
            .expect("an hour later");
        drop(slot);
        let _other = users.try_take_at(&name("frank"), t0 + BYTE_WINDOW * 3);
        let state = users.state.lock().expect("lock");
        assert!(!state.contains_key(&erin), "nothing open, nothing recent");
    }
}
