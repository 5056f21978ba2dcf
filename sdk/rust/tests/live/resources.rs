//! Modules and shards: upload, get, list, delete; create with settings.

use std::time::Duration;

use synod::{Code, ShardSettings};

use crate::{Env, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    ("modules: upload from a file and from bytes, get, list, delete", |e| {
        Box::pin(modules(e))
    }),
    ("shards: create with settings, get, list, delete", |e| {
        Box::pin(shards(e))
    }),
];

async fn modules(env: Env) {
    let c = &env.client;
    let wasm = std::fs::read(&env.kv_wasm).unwrap();
    let from_file = c.upload_module_file(&env.kv_wasm).await.unwrap();
    let from_bytes = c.upload_module(wasm.clone()).await.unwrap();
    assert_eq!(from_file.hash, from_bytes.hash, "the same bytes, the same module");
    assert_eq!(from_file.hash.len(), 64);
    assert_eq!(from_file.size_bytes, wasm.len() as i64);
    assert_eq!(c.get_module(&from_file.hash).await.unwrap().hash, from_file.hash);
    assert!(c.list_modules().await.unwrap().iter().any(|m| m.hash == from_file.hash));

    c.delete_module(&from_file.hash).await.unwrap();
    let e = c.get_module(&from_file.hash).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "{e}");
    assert!(!c.list_modules().await.unwrap().iter().any(|m| m.hash == from_file.hash));

    let missing = c.upload_module_file("/nonexistent/kv.wasm").await.unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/kv.wasm"), "{missing}");
}

async fn shards(env: Env) {
    let c = &env.client;
    let module = c.upload_module_file(&env.kv_wasm).await.unwrap();
    let settings = ShardSettings {
        replicas: 1,
        fuel_limit: 5_000_000,
        idempotency_window: Duration::from_secs(3600),
        ..ShardSettings::default()
    };
    let created = c.create_shard("rs-shards", &module.hash, settings).await.unwrap();
    assert_eq!(
        (created.name.as_str(), created.module_hash.as_str()),
        ("rs-shards", module.hash.as_str())
    );

    let got = c.get_shard("rs-shards").await.unwrap();
    assert_eq!((got.replica_count, got.fuel_limit), (1, 5_000_000));
    assert!(c.list_shards().await.unwrap().iter().any(|s| s.name == "rs-shards"));

    let in_use = c.delete_module(&module.hash).await.unwrap_err();
    assert_eq!(in_use.code(), Code::FailedPrecondition, "{in_use}");

    c.delete_shard("rs-shards").await.unwrap();
    assert_eq!(c.get_shard("rs-shards").await.unwrap_err().code(), Code::NotFound);
    assert!(!c.list_shards().await.unwrap().iter().any(|s| s.name == "rs-shards"));

    let odd = ShardSettings {
        idempotency_window: Duration::from_millis(1500),
        ..ShardSettings::default()
    };
    let e = c.create_shard("rs-odd", &module.hash, odd).await.unwrap_err();
    assert_eq!(
        (e.code(), e.applied()),
        (Code::InvalidArgument, synod::Applied::No),
        "{e}"
    );
}
