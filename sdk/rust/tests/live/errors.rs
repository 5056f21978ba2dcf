//! Typed errors: codes, applied, application errors, fuel, deadlines, keys.

use std::time::Duration;

use synod::{Applied, Client, Code, Consistency, ProposeOptions};

use crate::{Env, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    ("errors: application error, applied, fuel", |e| Box::pin(application(e))),
    ("errors: reused key, missing shard, deadline", |e| Box::pin(refusals(e))),
    ("errors: API keys", |e| Box::pin(keys(e))),
    ("errors: an unreachable gateway: unavailable, outcome unknown", |e| {
        Box::pin(unavailable(e))
    }),
];

async fn application(env: Env) {
    env.kv_shard("rs-errors").await;
    let c = &env.client;
    let e = c
        .propose("rs-errors", br#"{"op":"cas","key":"a","expect":"9","value":"2"}"#)
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.applied()), (Code::FailedPrecondition, Applied::Yes), "{e}");
    let app = e.application_error().expect("the module's error");
    assert_eq!(app.code, 409);
    assert!(!app.message.is_empty());
    assert!(e.fuel_used() > 0, "a command that ran used fuel: {e}");
    assert!(
        e.to_string()
            .starts_with("synod: propose to rs-errors: failed_precondition"),
        "{e}"
    );

    let q = c
        .query(
            "rs-errors",
            br#"{"op":"put","key":"x","value":"1"}"#,
            Consistency::Linearizable,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (q.code(), q.application_error().map(|a| a.code)),
        (Code::FailedPrecondition, Some(400)),
        "{q}"
    );
}

async fn refusals(env: Env) {
    env.kv_shard("rs-refusals").await;
    let c = &env.client;
    let key = || ProposeOptions::idempotency_key("rs-refusals-1");
    c.propose_with("rs-refusals", br#"{"op":"put","key":"a","value":"1"}"#, key())
        .await
        .unwrap();
    let e = c
        .propose_with("rs-refusals", br#"{"op":"put","key":"a","value":"2"}"#, key())
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.applied()), (Code::FailedPrecondition, Applied::Yes), "{e}");

    let e = c
        .query("rs-refusals-missing", b"{}", Consistency::Linearizable)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e}");

    let late = c.with_timeout(Duration::ZERO);
    let e = late
        .propose("rs-refusals", br#"{"op":"put","key":"z","value":"1"}"#)
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.applied()), (Code::DeadlineExceeded, Applied::No), "{e}");
    let z = c
        .query("rs-refusals", br#"{"op":"get","key":"z"}"#, Consistency::Linearizable)
        .await
        .unwrap();
    assert_eq!(z.result, br#"{"key":"z","found":false}"#, "nothing was sent");
}

async fn keys(env: Env) {
    let stranger = Client::builder()
        .address(&env.url)
        .token("not-a-token")
        .build()
        .unwrap();
    let e = stranger.list_shards().await.unwrap_err();
    assert_eq!((e.code(), e.applied()), (Code::Unauthenticated, Applied::No), "{e}");
    let anonymous = Client::builder().address(&env.url).token("").build().unwrap();
    assert_eq!(anonymous.list_shards().await.unwrap_err().code(), Code::Unauthenticated);
    env.client.list_shards().await.expect("the admin key");
}

async fn unavailable(_: Env) {
    // A port nothing listens on: a listener bound and dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder()
        .address(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let e = c.propose("kv", b"{}").await.unwrap_err();
    assert_eq!((e.code(), e.applied()), (Code::Unavailable, Applied::Unknown), "{e}");
}
