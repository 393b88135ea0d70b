//! The C API's promise, counted: no export allocates except those that make an object
//! (`mongodb_aws_signing_key_new`: one allocation; `mongodb_aws_credentials_handle_new`: two; the
//! chain and the blocking calls) — not the conversation, the signer, the server side, the chain's
//! poll, request and events, nor the error paths and size queries. Counted by a thread-local global allocator around each call.

use mongodb_aws::*;
use std::ptr::{null, null_mut};

#[path = "../../core/tests/support/counting_alloc.rs"]
mod counting_alloc;
mod support;

use support::{creds, env_var, header, post_request, scope, NOW, SECRET, TOKEN};

/// Runs `f` and returns (its status, the allocations it made).
fn counted(f: impl FnOnce() -> mongodb_aws_status) -> (mongodb_aws_status, usize) {
    counting_alloc::counted(f)
}

const OK: mongodb_aws_status = mongodb_aws_status::MONGODB_AWS_OK;

/// Polls `chain`, counting allocations: the status and the allocations, and the action's kind.
///
/// # Safety
/// `chain` must be a live chain.
unsafe fn counted_poll(chain: *mut mongodb_aws_chain) -> ((mongodb_aws_status, usize), u32) {
    let mut action: mongodb_aws_chain_action = unsafe { std::mem::zeroed() };
    let polled = counted(|| unsafe { mongodb_aws_chain_poll(chain, &mut action) });
    (polled, action.kind)
}

#[test]
fn no_export_allocates_but_the_two_handles() {
    let mut out = vec![0u8; 8192];
    let mut n = 0usize;
    let c = creds(Some(TOKEN));
    let scope = scope(NOW, "us-east-1");
    let nonce = [7u8; 32];
    let mut conv = mongodb_aws_client_conversation { nonce: [0; 32] };
    let mut checks = 0;
    let mut expect =
        |label: &str, (s, a): (mongodb_aws_status, usize), want: mongodb_aws_status| {
            assert_eq!(s, want, "{label}");
            assert_eq!(a, 0, "{label} allocated {a} times");
            checks += 1;
        };

    unsafe {
        expect(
            "conversation_init",
            counted(|| mongodb_aws_client_conversation_init(&mut conv, nonce.as_ptr(), 32)),
            OK,
        );
        expect(
            "client_first",
            counted(|| {
                mongodb_aws_client_conversation_client_first(&conv, out.as_mut_ptr(), 52, &mut n)
            }),
            OK,
        );
        // Server side: client-first -> server-first.
        let client_first = out[..52].to_vec();
        let mut sconv: mongodb_aws_server_conversation = std::mem::zeroed();
        let random = [9u8; 32];
        expect(
            "server_conversation_init",
            counted(|| {
                mongodb_aws_server_conversation_init(
                    &mut sconv,
                    client_first.as_ptr(),
                    52,
                    random.as_ptr(),
                    32,
                    "sts.amazonaws.com".as_ptr().cast(),
                    17,
                )
            }),
            OK,
        );
        expect(
            "server_first",
            counted(|| {
                mongodb_aws_server_conversation_server_first(
                    &sconv,
                    out.as_mut_ptr(),
                    out.len(),
                    &mut n,
                )
            }),
            OK,
        );
        let server_first = out[..n].to_vec();
        let mut view: mongodb_aws_server_first = std::mem::zeroed();
        expect(
            "parse_server_first",
            counted(|| {
                mongodb_aws_client_conversation_parse_server_first(
                    &conv,
                    server_first.as_ptr(),
                    server_first.len(),
                    &mut view,
                )
            }),
            OK,
        );
        // The signing key: exactly one allocation, freed by _free.
        let mut key: *mut mongodb_aws_signing_key = null_mut();
        let (s, a) = counted(|| {
            mongodb_aws_signing_key_new(SECRET.as_ptr().cast(), SECRET.len(), &scope, &mut key)
        });
        assert_eq!((s, a), (OK, 1), "signing_key_new allocates its handle once");
        // The client-final of this server-first with key `k` into `(o, cap, n)`.
        let client_final_of = |k, o, cap, n: &mut usize| {
            mongodb_aws_client_conversation_client_final(
                &conv,
                server_first.as_ptr(),
                server_first.len(),
                &c,
                NOW,
                k,
                o,
                cap,
                n,
            )
        };
        for (label, k) in [("derived key", null()), ("cached key", key as *const _)] {
            expect(
                &format!("client_final size query ({label})"),
                counted(|| client_final_of(k, null_mut(), 0, &mut n)),
                OK,
            );
            expect(
                &format!("client_final ({label})"),
                counted(|| client_final_of(k, out.as_mut_ptr(), out.len(), &mut n)),
                OK,
            );
        }
        let client_final = out[..n].to_vec();
        // A credentials handle: six allocations with a token (the three copied strings, the runtime
        // credentials owning them, the owned layer's cell, the handle), none per call.
        let mut handle: *mut mongodb_aws_credentials_handle = null_mut();
        let (s, a) = counted(|| mongodb_aws_credentials_handle_new(&c, &mut handle));
        assert_eq!(
            (s, a),
            (OK, 6),
            "credentials_handle_new allocates six times"
        );
        for (label, k) in [
            ("the handle's key", null()),
            ("cached key", key as *const _),
        ] {
            expect(
                &format!("client_final_with_handle ({label})"),
                counted(|| {
                    mongodb_aws_client_conversation_client_final_with_handle(
                        &conv,
                        server_first.as_ptr(),
                        server_first.len(),
                        handle,
                        NOW,
                        k,
                        out.as_mut_ptr(),
                        out.len(),
                        &mut n,
                    )
                }),
                OK,
            );
            assert_eq!(
                &out[..n],
                &client_final[..],
                "the handle signs the same bytes"
            );
        }
        mongodb_aws_credentials_handle_free(handle);
        expect(
            "client_final too small",
            counted(|| client_final_of(null(), out.as_mut_ptr(), 10, &mut n)),
            mongodb_aws_status::MONGODB_AWS_BUFFER_TOO_SMALL,
        );
        expect(
            "server client_final",
            counted(|| {
                mongodb_aws_server_conversation_client_final(
                    &sconv,
                    client_final.as_ptr(),
                    client_final.len(),
                    NOW,
                    MONGODB_AWS_MAX_CLOCK_SKEW_SECONDS,
                    null_mut(),
                )
            }),
            OK,
        );
        expect(
            "sts_request",
            counted(|| {
                mongodb_aws_server_conversation_sts_request(
                    &sconv,
                    client_final.as_ptr(),
                    client_final.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    &mut n,
                )
            }),
            OK,
        );
        // The general signer, every output.
        let headers = [
            header("Host", "sts.amazonaws.com"),
            header("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let req = post_request(&headers);
        let o = out.as_mut_ptr();
        let cap = out.len();
        expect(
            "sign",
            counted(|| mongodb_aws_sign(&req, &c, &scope, 0, key, o, cap, &mut n)),
            OK,
        );
        expect(
            "sign_authorization",
            counted(|| mongodb_aws_sign_authorization(&req, &c, &scope, 0, null(), o, cap, &mut n)),
            OK,
        );
        expect(
            "sign_canonical_request",
            counted(|| mongodb_aws_sign_canonical_request(&req, &c, &scope, 0, o, cap, &mut n)),
            OK,
        );
        expect(
            "sign_string_to_sign",
            counted(|| mongodb_aws_sign_string_to_sign(&req, &c, &scope, 0, o, cap, &mut n)),
            OK,
        );
        expect(
            "presign",
            counted(|| mongodb_aws_presign(&req, &c, &scope, 0, 900, null(), o, cap, &mut n)),
            OK,
        );
        // STS GetCallerIdentity request builder.
        let mut http: mongodb_aws_http_request = std::mem::zeroed();
        expect(
            "get_caller_identity_request",
            counted(|| {
                mongodb_aws_get_caller_identity_request(&c, null(), NOW, o, cap, &mut n, &mut http)
            }),
            OK,
        );
        // The chain: making one allocates; its poll, request and events do not.
        let vars = [
            env_var(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/x",
            ),
            env_var("MONGODB_AWS_ECS_ENDPOINT", "http://127.0.0.1:9"),
        ];
        let random = [3u8; 16];
        for refused in [false, true] {
            let mut chain = null_mut();
            let (s, _) = counted(|| {
                mongodb_aws_chain_new(
                    vars.as_ptr(),
                    2,
                    core::ptr::null(),
                    0,
                    NOW,
                    random.as_ptr(),
                    0,
                    0,
                    &mut chain,
                )
            });
            assert_eq!(s, OK);
            let (polled, kind) = counted_poll(chain);
            expect("chain_poll", polled, OK);
            assert_eq!(kind, MONGODB_AWS_ACTION_HTTP);
            expect(
                "chain_request",
                counted(|| mongodb_aws_chain_request(chain, o, cap, &mut n, &mut http)),
                OK,
            );
            if refused {
                expect(
                    "chain_on_io_error",
                    counted(|| mongodb_aws_chain_on_io_error(chain, MONGODB_AWS_IO_REFUSED)),
                    OK,
                );
                let (polled, kind) = counted_poll(chain);
                expect("chain_poll", polled, OK);
                assert_eq!(kind, MONGODB_AWS_ACTION_FAILED);
                expect(
                    "chain_error_message",
                    counted(|| mongodb_aws_chain_error_message(chain, o, cap, &mut n)),
                    OK,
                );
            } else {
                let body = br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"s\/x","Token":"t","Expiration":"2100-02-07T20:04:27Z"}"#;
                let headers = [
                    header("Content-Type", "application/json"),
                    header("Retry-After", "1"),
                ];
                expect(
                    "chain_on_response",
                    counted(|| {
                        mongodb_aws_chain_on_response(
                            chain,
                            200,
                            headers.as_ptr(),
                            2,
                            body.as_ptr(),
                            body.len(),
                        )
                    }),
                    OK,
                );
                let (polled, kind) = counted_poll(chain);
                expect("chain_poll", polled, OK);
                assert_eq!(kind, MONGODB_AWS_ACTION_DONE);
            }
            let (_, a) = counted(|| {
                mongodb_aws_chain_free(chain);
                OK
            });
            assert_eq!(a, 0, "chain_free");
        }
        // Error paths and statics.
        expect(
            "NULL argument",
            counted(|| mongodb_aws_sign(null(), &c, &scope, 0, null(), o, cap, &mut n)),
            mongodb_aws_status::MONGODB_AWS_NULL_ARGUMENT,
        );
        expect(
            "bad host",
            counted(|| mongodb_aws_sts_validate_host("a..b".as_ptr().cast(), 4)),
            mongodb_aws_status::MONGODB_AWS_HOST_EMPTY_LABEL,
        );
        let (_, a) = counted(|| {
            mongodb_aws_status_str(300);
            mongodb_aws_status_name(300);
            mongodb_aws_version();
            OK
        });
        assert_eq!(a, 0, "status strings and version");
        let (_, a) = counted(|| {
            mongodb_aws_signing_key_free(key);
            OK
        });
        assert_eq!(a, 0);
    }
    assert!(checks >= 20);
}
