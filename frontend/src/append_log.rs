//! [`AppendLog`]: an append-only list whose clones share one buffer, so
//! that cloning the app state (which `reduce` does on every action) copies
//! no transcript entry, and neither does appending to the clone.
//!
//! Each clone is a version of the log: the first `len` items of a shared
//! buffer. Appending to the newest version pushes onto the buffer in place;
//! older versions keep seeing their own, shorter prefix, which never
//! changes. Only appending to a version that is no longer the newest (a
//! second successor of the same state) copies that version's items into a
//! buffer of its own. The reducer's states form a chain, each made from the
//! latest, so that copy does not happen there: an action costs O(1) in the
//! length of the transcripts.
//!
//! `Rc<Vec<T>>` with `Rc::make_mut` would not do: the reducer's previous
//! state is still alive while the next one is made (Yew keeps it, and
//! `reduce` receives it), so the vector is always shared and `make_mut`
//! would copy it on every append.

use std::cell::{Ref, RefCell};
use std::fmt;
use std::rc::Rc;

/// An append-only list; clones are cheap versions sharing one buffer (see
/// the module docs).
pub(crate) struct AppendLog<T> {
    /// The items of every version cut from this one. Items below any
    /// version's `len` are never changed or removed: only pushed after.
    buffer: Rc<RefCell<Vec<T>>>,
    /// How many of the buffer's items this version holds.
    len: usize,
}

impl<T> AppendLog<T> {
    /// An empty log.
    pub(crate) fn new() -> Self {
        Self {
            buffer: Rc::default(),
            len: 0,
        }
    }

    /// This version's items, oldest first.
    ///
    /// The borrow cannot fail: the buffer is borrowed mutably only inside
    /// [`push`](Self::push), which calls no other code meanwhile.
    pub(crate) fn items(&self) -> Ref<'_, [T]> {
        Ref::map(self.buffer.borrow(), |items| &items[..self.len])
    }

    /// True when `self` and `other` are versions of one buffer, so that
    /// neither was copied to make the other.
    pub(crate) fn shares_buffer_with(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.buffer, &other.buffer)
    }
}

impl<T: Clone> AppendLog<T> {
    /// Appends `item` to this version; see the module docs for when that
    /// copies.
    pub(crate) fn push(&mut self, item: T) {
        if let Ok(mut items) = self.buffer.try_borrow_mut() {
            if items.len() == self.len {
                items.push(item);
                self.len += 1;
                return;
            }
        }
        // Another version already appended past this one (or, never in
        // practice, the buffer is being read): branch off with a copy.
        let mut items = self.items().to_vec();
        items.push(item);
        self.len = items.len();
        self.buffer = Rc::new(RefCell::new(items));
    }
}

impl<T> Clone for AppendLog<T> {
    /// Another version of the same items: copies none of them.
    fn clone(&self) -> Self {
        Self {
            buffer: Rc::clone(&self.buffer),
            len: self.len,
        }
    }
}

impl<T> Default for AppendLog<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: PartialEq> PartialEq for AppendLog<T> {
    /// Equal items; two versions of one buffer compare by length alone.
    fn eq(&self, other: &Self) -> bool {
        if self.shares_buffer_with(other) {
            return self.len == other.len;
        }
        *self.items() == *other.items()
    }
}

impl<T: fmt::Debug> fmt::Debug for AppendLog<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items().iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// An item that counts how often it is cloned.
    #[derive(Debug, PartialEq)]
    struct Counted {
        value: usize,
        clones: Rc<Cell<usize>>,
    }

    impl Clone for Counted {
        fn clone(&self) -> Self {
            self.clones.set(self.clones.get() + 1);
            Self {
                value: self.value,
                clones: Rc::clone(&self.clones),
            }
        }
    }

    #[test]
    fn cloning_and_appending_to_the_newest_version_copies_no_item() {
        let clones = Rc::new(Cell::new(0));
        let item = |value| Counted {
            value,
            clones: Rc::clone(&clones),
        };
        let mut log = AppendLog::new();
        for i in 0..1000 {
            log.push(item(i));
        }
        // What the reducer does: each state is a clone of the previous one,
        // which stays alive, and the clone gets the next item.
        let mut versions = vec![log.clone()];
        for i in 1000..1100 {
            let mut next = versions.last().expect("a version").clone();
            next.push(item(i));
            versions.push(next);
        }
        assert_eq!(clones.get(), 0, "no item was copied");
        let newest = versions.last().expect("a version");
        assert_eq!(newest.items().len(), 1100);
        assert!(newest.shares_buffer_with(&log));
        assert_eq!(log.items().len(), 1000, "an older version keeps its items");
        assert_eq!(log.items().last().map(|c| c.value), Some(999));
        assert_eq!(versions[50].items().len(), 1050);
        assert_ne!(versions[50], *newest);
        assert_eq!(versions[50], versions[50].clone());
    }

    #[test]
    fn a_second_successor_of_one_version_branches_off() {
        let mut base = AppendLog::new();
        base.push("a");
        let mut first = base.clone();
        first.push("b");
        let mut second = base.clone();
        second.push("c");
        assert_eq!(*first.items(), ["a", "b"]);
        assert_eq!(*second.items(), ["a", "c"]);
        assert_eq!(*base.items(), ["a"]);
        assert!(first.shares_buffer_with(&base));
        assert!(!second.shares_buffer_with(&base));
        second.push("d");
        assert_eq!(*second.items(), ["a", "c", "d"]);
    }

    #[test]
    fn versions_compare_by_their_items() {
        let mut a = AppendLog::new();
        a.push(1);
        let mut b = AppendLog::new();
        b.push(1);
        assert_eq!(a, b);
        b.push(2);
        assert_ne!(a, b);
        assert_eq!(format!("{b:?}"), "[1, 2]");
        assert!(AppendLog::<u8>::default().items().is_empty());
    }
}
