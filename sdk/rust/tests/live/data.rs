//! Propose, query at each level, and batches.

use synod::{Batch, Command, Consistency, ProposeOptions};

use crate::{Env, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    ("propose: generated key, given key replayed, no key", |e| {
        Box::pin(propose(e))
    }),
    ("query: linearizable, at least an index, stale", |e| Box::pin(query(e))),
    ("batch: results in order, atomic failure", |e| Box::pin(batch(e))),
];

const PUT_A: &[u8] = br#"{"op":"put","key":"a","value":"1"}"#;
const GET_A: &[u8] = br#"{"op":"get","key":"a"}"#;

async fn propose(env: Env) {
    env.kv_shard("rs-propose").await;
    let c = &env.client;
    let put = c.propose("rs-propose", PUT_A).await.unwrap();
    assert_eq!(put.result, br#"{"ok":true}"#);
    assert!(put.index > 0 && put.fuel_used > 0 && !put.replayed, "{put:?}");
    let key = put.idempotency_key.expect("a generated key");
    assert_eq!(key.len(), 12 + 32, "the time and 128 bits, in hex: {key}");

    let again = c
        .propose_with("rs-propose", PUT_A, ProposeOptions::idempotency_key(key.clone()))
        .await
        .unwrap();
    assert!(again.replayed && again.index == put.index, "{again:?}");
    assert_eq!(again.idempotency_key, Some(key));

    let other = c.propose("rs-propose", PUT_A).await.unwrap();
    assert!(
        !other.replayed && other.index > put.index,
        "a new key runs again: {other:?}"
    );

    let bare = c
        .propose_with("rs-propose", PUT_A, ProposeOptions::without_idempotency_key())
        .await
        .unwrap();
    assert!(
        bare.idempotency_key.is_none() && !bare.replayed && bare.index > other.index,
        "{bare:?}"
    );
}

async fn query(env: Env) {
    env.kv_shard("rs-query").await;
    let c = &env.client;
    let put = c.propose("rs-query", PUT_A).await.unwrap();
    let want = br#"{"key":"a","value":"1","found":true}"#;

    let lin = c.query("rs-query", GET_A, Consistency::Linearizable).await.unwrap();
    assert_eq!(lin.result, want);
    assert!(lin.index >= put.index && lin.fuel_used > 0, "{lin:?}");

    let ali = c
        .query("rs-query", GET_A, Consistency::AtLeastIndex(put.index))
        .await
        .unwrap();
    assert_eq!(ali.result, want);
    assert!(ali.index >= put.index, "{ali:?}");

    // A stale read may be served by a replica that has not yet applied
    // the put (even one that has applied nothing): what it promises is
    // the state as of the index it reports.
    let stale = c.query("rs-query", GET_A, Consistency::Stale).await.unwrap();
    if stale.index >= put.index {
        assert_eq!(stale.result, want, "{stale:?}");
    } else {
        assert_eq!(stale.result, br#"{"key":"a","found":false}"#, "{stale:?}");
    }
}

async fn batch(env: Env) {
    env.kv_shard("rs-batch").await;
    let c = &env.client;
    let b = Batch {
        commands: vec![
            Command::new(br#"{"op":"put","key":"c","value":"3"}"#),
            Command {
                data: br#"{"op":"get","key":"c"}"#.to_vec(),
                idempotency_key: Some("rs-batch-get".into()),
            },
        ],
        ..Batch::default()
    };
    let res = c.propose_batch("rs-batch", b).await.unwrap();
    assert!(res.index > 0 && res.fuel_used > 0, "{res:?}");
    let results: Vec<_> = res.results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results[0].result, br#"{"ok":true}"#);
    assert_eq!(results[1].result, br#"{"key":"c","value":"3","found":true}"#);
    assert_eq!(results[0].idempotency_key.as_ref().map(String::len), Some(12 + 32));
    assert_eq!(results[1].idempotency_key.as_deref(), Some("rs-batch-get"));

    let atomic = Batch {
        commands: vec![
            Command::new(br#"{"op":"put","key":"d","value":"4"}"#),
            Command::new(br#"{"op":"cas","key":"c","expect":"9","value":"5"}"#),
        ],
        atomic: true,
        without_idempotency_keys: true,
    };
    let res = c.propose_batch("rs-batch", atomic).await.unwrap();
    for r in &res.results {
        let e = r.as_ref().unwrap_err();
        assert_eq!(e.code(), synod::Code::FailedPrecondition, "{e}");
    }
    let cas = res.results[1].as_ref().unwrap_err();
    assert_eq!(cas.application_error().map(|a| a.code), Some(409), "{cas}");
    let d = c
        .query("rs-batch", br#"{"op":"get","key":"d"}"#, Consistency::Linearizable)
        .await
        .unwrap();
    assert_eq!(
        d.result, br#"{"key":"d","found":false}"#,
        "an atomic batch that failed keeps nothing"
    );
}
