//! A real `synod dev` for the tests: built from this repository, on a free
//! port, with its data, the CLI's credentials and the kv example in a
//! temporary directory that it removes when stopped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep};

/// A running `synod dev`.
pub struct DevCluster {
    /// The gateway's URL.
    pub url: String,
    /// The admin key's token.
    pub token: String,
    /// The kv example module, built for this run.
    pub kv_wasm: PathBuf,
    dir: PathBuf,
    child: Child,
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl DevCluster {
    /// Builds synod and the kv example, and runs synod dev until it is
    /// ready.
    pub async fn start() -> DevCluster {
        let dir = std::env::temp_dir().join(format!("synod-sdk-rust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("make the cluster's directory");
        let synod = dir.join("synod");
        let kv_wasm = dir.join("kv.wasm");
        let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
        let mut build_synod = Command::new(&go);
        build_synod.args(["build", "-o"]).arg(&synod).arg("./cmd/synod");
        let mut build_kv = Command::new(&go);
        build_kv
            .args(["build", "-buildmode=c-shared", "-o"])
            .arg(&kv_wasm)
            .arg("./examples/kv");
        build_kv.env("GOOS", "wasip1").env("GOARCH", "wasm");
        let (a, b) = tokio::join!(run(&mut build_synod), run(&mut build_kv));
        a.and(b).expect("build synod and the kv example");
        let data = dir.join("data");
        let mut cmd = Command::new(&synod);
        cmd.args(["dev", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            // synod dev saves the admin key for the CLI in the user's config
            // directory: keep it in ours. No SYNOD_ variable of the caller's
            // reaches it, since each would set a flag.
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("HOME", &dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SYNOD_")) {
            cmd.env_remove(k);
        }
        let mut child = cmd.spawn().expect("start synod dev");
        let url = serving_url(&mut child).await;
        wait_ready(&url, Duration::from_secs(60)).await;
        let token = std::fs::read_to_string(data.join("admin.token")).expect("read the admin token");
        DevCluster {
            url,
            token: token.trim().to_owned(),
            kv_wasm,
            dir,
            child,
        }
    }

    /// A client of the cluster with the admin key.
    pub fn client(&self) -> synod::Client {
        synod::Client::builder()
            .address(&self.url)
            .token(&self.token)
            .build()
            .expect("a client")
    }

    /// Stops synod dev and removes its directory.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a build command in the repository's root.
async fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .current_dir(repo_root())
        .output()
        .await
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Waits for synod dev's line "serving on URL", then keeps its standard
/// output drained.
async fn serving_url(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().expect("synod dev's stdout")).lines();
    while let Some(line) = lines.next_line().await.expect("read synod dev's output") {
        if let Some(url) = line.split("serving on ").nth(1) {
            let url = url.split_whitespace().next().unwrap_or_default().to_owned();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return url;
        }
    }
    panic!("synod dev exited before serving: {:?}", child.wait().await);
}

/// Waits until the gateway's /readyz answers 200.
async fn wait_ready(url: &str, timeout: Duration) {
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let end = Instant::now() + timeout;
    while !ready(&host).await {
        assert!(Instant::now() < end, "synod dev at {url} not ready after {timeout:?}");
        sleep(Duration::from_millis(100)).await;
    }
}

/// Reports whether GET /readyz on host answers 200.
async fn ready(host: &str) -> bool {
    let Ok(mut conn) = TcpStream::connect(host).await else {
        return false;
    };
    let req = format!("GET /readyz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let mut res = Vec::new();
    conn.write_all(req.as_bytes()).await.is_ok()
        && conn.read_to_end(&mut res).await.is_ok()
        && res.starts_with(b"HTTP/1.1 200")
}
