//! Borrowing the browser layer's shared state (`Rc<RefCell<…>>` between the API objects, callbacks and
//! tasks) without a panic location per call site.
//!
//! `RefCell::borrow` and `borrow_mut` are `#[track_caller]`: each of the ~90 call sites stored its own file,
//! line and column for the "already borrowed" panic, about 0.8 KiB of the gzipped wasm. Through these two
//! methods all sites share one. A conflicting borrow is a bug either way, and the console's stack trace still
//! names the caller.

use std::cell::{Ref, RefCell, RefMut};

/// `read` and `write` for a `RefCell`: `borrow` and `borrow_mut` with a shared panic location.
pub(crate) trait Access<T> {
    /// Shared access, as `RefCell::borrow`.
    fn read(&self) -> Ref<'_, T>;
    /// Exclusive access, as `RefCell::borrow_mut`.
    fn write(&self) -> RefMut<'_, T>;
}

impl<T> Access<T> for RefCell<T> {
    fn read(&self) -> Ref<'_, T> {
        self.borrow()
    }

    fn write(&self) -> RefMut<'_, T> {
        self.borrow_mut()
    }
}
