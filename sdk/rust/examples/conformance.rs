//! The Rust client SDK's runner of the client conformance scenario
//! (conformance/README.md): it plays the scenario against the cluster at
//! SYNOD_ADDR and prints what it observed as one JSON object.
//!
//! ```sh
//! sdk/rust/target/debug/examples/conformance KV_WASM SHARD
//! ```

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use synod::{Batch, Client, Command, Consistency, Error, ProposeOptions, ShardSettings};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, wasm, shard] = args.as_slice() else {
        eprintln!("usage: conformance KV_WASM SHARD");
        return ExitCode::from(2);
    };
    match run(wasm, shard).await {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("conformance: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Plays the scenario's steps in order.
async fn run(wasm: &str, shard: &str) -> Result<Value, String> {
    let c = Client::new().map_err(step("client"))?;
    let mut out = serde_json::Map::new();

    let module = c.upload_module_file(wasm).await.map_err(step("upload"))?;
    let modules = c.list_modules().await.map_err(step("list modules"))?;
    out.insert(
        "upload".into(),
        json!({
            "hash_is_hex_sha256": module.hash.len() == 64 && module.hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "listed": modules.iter().any(|m| m.hash == module.hash),
        }),
    );

    c.create_shard(shard, &module.hash, ShardSettings::default())
        .await
        .map_err(step("create"))?;
    let got = c.get_shard(shard).await.map_err(step("get shard"))?;
    let shards = c.list_shards().await.map_err(step("list shards"))?;
    out.insert(
        "create".into(),
        json!({
            "name_matches": got.name == shard,
            "module_matches": got.module_hash == module.hash,
            "listed": shards.iter().any(|s| s.name == shard),
        }),
    );

    let put = br#"{"op":"put","key":"a","value":"1"}"#;
    let keyed = || ProposeOptions::idempotency_key("conformance-1");
    let first = c.propose_with(shard, put, keyed()).await.map_err(step("propose"))?;
    out.insert(
        "propose".into(),
        json!({"result": text(&first.result), "replayed": first.replayed}),
    );

    let again = c.propose_with(shard, put, keyed()).await.map_err(step("retry"))?;
    out.insert(
        "retry".into(),
        json!({"result": text(&again.result), "replayed": again.replayed, "same_index": again.index == first.index}),
    );

    let reused = c
        .propose_with(shard, br#"{"op":"put","key":"a","value":"2"}"#, keyed())
        .await;
    out.insert(
        "key_reused".into(),
        failure(reused, &["applied"]).map_err(step("key_reused"))?,
    );

    let auto = c
        .propose(shard, br#"{"op":"put","key":"b","value":"2"}"#)
        .await
        .map_err(step("auto_key"))?;
    out.insert(
        "auto_key".into(),
        json!({"result": text(&auto.result), "replayed": auto.replayed}),
    );

    let get = br#"{"op":"get","key":"a"}"#;
    let lin = c
        .query(shard, get, Consistency::Linearizable)
        .await
        .map_err(step("query_linearizable"))?;
    out.insert("query_linearizable".into(), text(&lin.result).into());
    let ali = c
        .query(shard, get, Consistency::AtLeastIndex(first.index))
        .await
        .map_err(step("query_at_least_index"))?;
    out.insert("query_at_least_index".into(), text(&ali.result).into());
    c.query(shard, get, Consistency::Stale)
        .await
        .map_err(step("query_stale"))?;
    out.insert("query_stale".into(), json!({"ok": true}));

    let batch = Batch {
        commands: vec![
            Command::new(br#"{"op":"put","key":"c","value":"3"}"#),
            Command::new(br#"{"op":"get","key":"c"}"#),
        ],
        ..Batch::default()
    };
    let results = c.propose_batch(shard, batch).await.map_err(step("batch"))?.results;
    let results: Vec<String> = results
        .into_iter()
        .map(|r| r.map(|r| text(&r.result)))
        .collect::<Result<_, _>>()
        .map_err(step("batch command"))?;
    out.insert("batch".into(), json!({"results": results}));

    let cas = c
        .propose(shard, br#"{"op":"cas","key":"a","expect":"9","value":"2"}"#)
        .await;
    out.insert(
        "application_error".into(),
        failure(cas, &["applied", "application_code"]).map_err(step("application_error"))?,
    );

    let write = c
        .query(
            shard,
            br#"{"op":"put","key":"x","value":"1"}"#,
            Consistency::Linearizable,
        )
        .await;
    out.insert(
        "query_error".into(),
        failure(write, &["application_code"]).map_err(step("query_error"))?,
    );

    let missing = c
        .query(&format!("{shard}-missing"), get, Consistency::Linearizable)
        .await;
    out.insert("not_found".into(), failure(missing, &[]).map_err(step("not_found"))?);

    let late = c
        .with_timeout(Duration::ZERO)
        .query(shard, get, Consistency::Linearizable)
        .await;
    out.insert("deadline".into(), failure(late, &[]).map_err(step("deadline"))?);

    let stranger = Client::builder()
        .token("not-a-token")
        .build()
        .map_err(step("second client"))?;
    out.insert(
        "unauthenticated".into(),
        failure(stranger.list_shards().await, &[]).map_err(step("unauthenticated"))?,
    );

    c.delete_shard(shard).await.map_err(step("delete"))?;
    out.insert(
        "delete".into(),
        failure(c.get_shard(shard).await, &[]).map_err(step("delete"))?,
    );

    Ok(Value::Object(out))
}

/// The bytes of a result, as a string.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Says which step failed.
fn step<E: std::fmt::Display>(name: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{name}: {e}")
}

/// The observations of a call that must fail: its code and the fields
/// named in `with`; a success is the error.
fn failure<T>(res: Result<T, Error>, with: &[&str]) -> Result<Value, String> {
    let e = match res {
        Ok(_) => return Err("succeeded, want an error".into()),
        Err(e) => e,
    };
    let mut obj = serde_json::Map::new();
    obj.insert("code".into(), e.code().as_str().into());
    for field in with {
        let v = match *field {
            "applied" => e.applied().as_str().into(),
            "application_code" => e
                .application_error()
                .map(|a| a.code)
                .ok_or(format!("{e}: no application error"))?
                .into(),
            other => return Err(format!("unknown field {other}")),
        };
        obj.insert((*field).into(), v);
    }
    Ok(Value::Object(obj))
}
