//! The crate's examples, which cargo test builds beside this test: the
//! README's quickstart and the client conformance runner.

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::devcluster::repo_root;
use crate::{Env, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    ("examples: the README's quickstart", |e| Box::pin(quickstart(e))),
    ("examples: conformance prints conformance/client/expected.json", |e| {
        Box::pin(conformance(e))
    }),
];

/// Runs an example against the cluster, and returns its standard output.
async fn example(env: &Env, name: &str, args: &[&OsStr]) -> Vec<u8> {
    // This test is target/debug/deps/live-HASH; the examples are in
    // target/debug/examples.
    let exe = std::env::current_exe().unwrap();
    let dir: PathBuf = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples");
    let out = tokio::process::Command::new(dir.join(name))
        .args(args)
        .env("SYNOD_ADDR", &env.url)
        .env("SYNOD_TOKEN", &env.token)
        .output()
        .await
        .unwrap_or_else(|e| panic!("run example {name}: {e}"));
    assert!(
        out.status.success(),
        "{name}: {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

async fn quickstart(env: Env) {
    env.kv_shard("rs-quickstart").await;
    let out = example(&env, "quickstart", &["rs-quickstart".as_ref()]).await;
    assert_eq!(
        String::from_utf8_lossy(&out),
        "{\"key\":\"greeting\",\"value\":\"hello\",\"found\":true}\n"
    );
}

async fn conformance(env: Env) {
    let out = example(
        &env,
        "conformance",
        &[env.kv_wasm.as_os_str(), "rs-conformance".as_ref()],
    )
    .await;
    let got: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let want = std::fs::read(repo_root().join("conformance/client/expected.json")).unwrap();
    let want: serde_json::Value = serde_json::from_slice(&want).unwrap();
    assert_eq!(got, want);
}
