//! [`Shared`]: a `RefCell` whose borrows share one panic location.
//!
//! `RefCell::borrow` and `borrow_mut` are `#[track_caller]`: each call site puts its own source
//! location (16 bytes) in the package's data, and its own panic call in the code, for the
//! message of a borrow that overlaps another. The shell, the registry and the listener lists
//! borrow at about 60 sites and never hold a borrow while user code runs, so that panic is a
//! bug, never an outcome for a page; through this wrapper its location is this file, once.
//! (A double borrow still panics, with the same message.)

use std::cell::{Ref, RefCell, RefMut};

#[derive(Debug, Default)]
pub(crate) struct Shared<T>(RefCell<T>);

impl<T> Shared<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(RefCell::new(value))
    }

    pub(crate) fn borrow(&self) -> Ref<'_, T> {
        self.0.borrow()
    }

    pub(crate) fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.borrow_mut()
    }
}
