//! The kv conformance vectors (conformance/kv/vectors.json), run natively
//! against the kit's in-memory shard; `make conformance` runs them against
//! a live shard too.

use kv_rust::Kv;
use std::panic;
use synod_guest::json::{self, Value};
use synod_guest::testing::TestShard;

/// One vector: a call, its input, and what it must give.
#[derive(Debug)]
struct Vector {
    call: String,
    input: String,
    want: Want,
}

#[derive(Debug, PartialEq, Eq)]
enum Want {
    Output(String),
    Error(u32),
    Trap,
}

/// Reads the vectors. The file holds a JSON array with one flat object on
/// each line, which the kit's object reader reads.
fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string("../../conformance/kv/vectors.json").expect("read conformance/kv/vectors.json");
    let lines = text.lines().map(str::trim).filter(|l| !matches!(*l, "[" | "]" | ""));
    lines.map(|line| parse(line.trim_end_matches(','))).collect()
}

fn parse(line: &str) -> Vector {
    let members = json::parse_object(line.as_bytes()).unwrap_or_else(|e| panic!("vector {}: {}", line, e));
    let (mut call, mut input, mut want) = (None, None, None);
    for (name, value) in members {
        match (name.as_ref(), value) {
            ("call", Value::String(s)) => call = Some(s.into_owned()),
            ("input", Value::String(s)) => input = Some(s.into_owned()),
            ("output", Value::String(s)) => want = Some(Want::Output(s.into_owned())),
            ("error", Value::Number(n)) => want = Some(Want::Error(n.parse().expect("an error code"))),
            ("trap", Value::Bool(true)) => want = Some(Want::Trap),
            (name, value) => panic!("vector {}: unexpected member {} = {:?}", line, name, value),
        }
    }
    match (call, input, want) {
        (Some(call), Some(input), Some(want)) => Vector { call, input, want },
        _ => panic!("vector {}: missing call, input or outcome", line),
    }
}

#[test]
fn vectors_pass() {
    let shard = TestShard::<Kv>::new();
    let vectors = vectors();
    assert!(vectors.len() > 50, "only {} vectors", vectors.len());
    for (i, v) in vectors.iter().enumerate() {
        let run = || match v.call.as_str() {
            "update" => shard.update(v.input.as_bytes()),
            "query" => shard.query(v.input.as_bytes()),
            call => panic!("vector {}: unknown call {}", i, call),
        };
        let before = shard.entries();
        let got = match panic::catch_unwind(panic::AssertUnwindSafe(run)) {
            Err(_) => Want::Trap,
            Ok(Ok(out)) => Want::Output(String::from_utf8(out).expect("results are UTF-8")),
            Ok(Err(e)) => Want::Error(e.code),
        };
        assert_eq!(got, v.want, "vector {}: {} {}", i, v.call, v.input);
        if !matches!(got, Want::Output(_)) {
            assert_eq!(shard.entries(), before, "vector {}: a failed call changed the store", i);
        }
    }
}
