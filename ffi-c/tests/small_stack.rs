//! `mongodb_aws_chain_new` builds the chain (about 230 KiB of fixed buffers) in its box, never on
//! the caller's stack: a C driver's thread with musl's default 128 KiB stack (Alpine) makes and
//! drives one. Release builds only (`scripts/test` runs `cargo test --release -p mongodb-aws-ffi
//! --test small_stack`): a debug build keeps every temporary on the stack.
#![cfg(not(debug_assertions))]

use mongodb_aws::*;
use std::ptr::{null, null_mut};

mod support;
use support::{env_var, AKID, NOW, SECRET};

#[test]
fn a_chain_on_a_128_kib_stack() {
    let done = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(|| {
            let vars = [
                env_var("AWS_ACCESS_KEY_ID", AKID),
                env_var("AWS_SECRET_ACCESS_KEY", SECRET),
            ];
            let random = [7u8; 16];
            let mut chain = null_mut();
            // SAFETY: the documented contract: two valid entries, no profile, 16 random bytes.
            let made = unsafe {
                mongodb_aws_chain_new(
                    vars.as_ptr(),
                    vars.len(),
                    null(),
                    0,
                    NOW,
                    random.as_ptr(),
                    0,
                    0,
                    &mut chain,
                )
            };
            let mut action = std::mem::MaybeUninit::<mongodb_aws_chain_action>::zeroed();
            // SAFETY: `chain` is live; `action` is writable.
            let polled = unsafe { mongodb_aws_chain_poll(chain, action.as_mut_ptr()) };
            // SAFETY: the poll wrote it (checked below through its status).
            let kind = unsafe { action.assume_init() }.kind;
            // SAFETY: `chain` came from mongodb_aws_chain_new.
            unsafe { mongodb_aws_chain_free(chain) };
            (made, polled, kind)
        })
        .unwrap()
        .join()
        .expect("the chain overflowed its 128 KiB stack or panicked");
    assert_eq!(
        done,
        (
            mongodb_aws_status::MONGODB_AWS_OK,
            mongodb_aws_status::MONGODB_AWS_OK,
            MONGODB_AWS_ACTION_DONE
        )
    );
}
