//! The SDK against a real `synod dev`: one cluster, started once, and each
//! scenario on shards of its own.

mod data;
mod devcluster;
mod errors;
mod examples;
mod resources;

use std::future::Future;
use std::pin::Pin;

use devcluster::DevCluster;

/// A scenario: a name, and a check that panics when it fails.
type Scenario = (&'static str, fn(Env) -> Pin<Box<dyn Future<Output = ()> + Send>>);

/// What each scenario gets: a client with the admin key, and the cluster.
#[derive(Clone)]
pub struct Env {
    /// A client of the cluster with the admin key.
    pub client: synod::Client,
    /// The gateway's URL.
    pub url: String,
    /// The admin key's token.
    pub token: String,
    /// The kv example module.
    pub kv_wasm: std::path::PathBuf,
}

impl Env {
    /// Uploads the kv example and creates a shard named `name` running it.
    pub async fn kv_shard(&self, name: &str) -> String {
        let module = self.client.upload_module_file(&self.kv_wasm).await.expect("upload kv");
        self.client
            .create_shard(name, &module.hash, synod::ShardSettings::default())
            .await
            .expect("create shard");
        module.hash
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live() {
    let started = std::time::Instant::now();
    let cluster = DevCluster::start().await;
    eprintln!("synod dev ready in {:?}", started.elapsed());
    let env = Env {
        client: cluster.client(),
        url: cluster.url.clone(),
        token: cluster.token.clone(),
        kv_wasm: cluster.kv_wasm.clone(),
    };
    let scenarios: Vec<Scenario> = [
        resources::SCENARIOS,
        data::SCENARIOS,
        errors::SCENARIOS,
        examples::SCENARIOS,
    ]
    .concat();
    let mut failed = Vec::new();
    for (name, scenario) in scenarios {
        // Each runs as a task of its own, so that one's panic fails it
        // alone and the rest still run.
        let started = std::time::Instant::now();
        match tokio::spawn(scenario(env.clone())).await {
            Ok(()) => eprintln!("ok   {name} ({:?})", started.elapsed()),
            Err(e) => {
                eprintln!("FAIL {name}: {e}");
                failed.push(name);
            }
        }
    }
    cluster.stop().await;
    assert!(failed.is_empty(), "failed scenarios: {failed:?}");
}
