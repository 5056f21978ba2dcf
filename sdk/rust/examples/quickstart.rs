//! Puts a key into a kv shard and reads it back: the README's example.
//!
//! ```sh
//! cargo run --example quickstart -- mykv   # SYNOD_ADDR, SYNOD_TOKEN
//! ```

use synod::{Client, Consistency};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shard = std::env::args().nth(1).unwrap_or_else(|| "mykv".into());
    let synod = Client::new()?; // SYNOD_ADDR, SYNOD_TOKEN
    let put = synod
        .propose(&shard, br#"{"op":"put","key":"greeting","value":"hello"}"#)
        .await?;
    let got = synod
        .query(
            &shard,
            br#"{"op":"get","key":"greeting"}"#,
            Consistency::AtLeastIndex(put.index),
        )
        .await?;
    println!("{}", String::from_utf8_lossy(&got.result)); // {"key":"greeting","value":"hello","found":true}
    Ok(())
}
