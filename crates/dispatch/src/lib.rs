//! Webhook delivery (queue, signing, retries). The dispatcher arrives with its own issue; this crate
//! holds the worker lifecycle the server starts with `--role worker|all`.
#![forbid(unsafe_code)]
