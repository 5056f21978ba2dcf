//! kv's limits, listing and decoding rules, beyond the conformance
//! vectors, on the kit's in-memory shard.

use kv_rust::Kv;
use synod_guest::testing::TestShard;
use synod_guest::{MAX_KEY_SIZE, MAX_VALUE_SIZE};

/// The outcome of a call: its result as text, or its error code.
fn text(outcome: Result<Vec<u8>, synod_guest::Error>) -> Result<String, u32> {
    outcome.map(|out| String::from_utf8(out).expect("UTF-8")).map_err(|e| e.code)
}

fn put(key: &str, value: &str) -> String {
    format!(r#"{{"op":"put","key":"{}","value":"{}"}}"#, key, value)
}

#[test]
fn limits() {
    let shard = TestShard::<Kv>::new();
    let long_key = "k".repeat(MAX_KEY_SIZE);
    let long_value = "v".repeat(MAX_VALUE_SIZE);
    let cases: &[(&str, String, Result<&str, u32>)] = &[
        ("longest key", put(&long_key, "1"), Ok(r#"{"ok":true}"#)),
        ("key too long", put(&format!("{}k", long_key), "1"), Err(400)),
        ("key too long once unescaped", put(&format!("{}\\u00e9", &long_key[1..]), "1"), Err(400)),
        ("longest value", put("a", &long_value), Ok(r#"{"ok":true}"#)),
        ("value too long", put("a", &format!("{}v", long_value)), Err(400)),
        ("empty key", put("", "1"), Err(400)),
        ("missing key", r#"{"op":"put","value":"1"}"#.into(), Err(400)),
        ("missing value", r#"{"op":"put","key":"a"}"#.into(), Err(400)),
        ("limit 1000", r#"{"op":"list","limit":1000}"#.into(), Ok("")),
        ("limit 1001", r#"{"op":"list","limit":1001}"#.into(), Err(400)),
        ("limit -1", r#"{"op":"list","limit":-1}"#.into(), Err(400)),
        ("limit 1.0", r#"{"op":"list","limit":1.0}"#.into(), Err(400)),
        ("limit 1e2", r#"{"op":"list","limit":1e2}"#.into(), Err(400)),
        ("limit overflows", r#"{"op":"list","limit":9223372036854775808}"#.into(), Err(400)),
        ("limit as a string", r#"{"op":"list","limit":"1"}"#.into(), Err(400)),
    ];
    for (name, cmd, want) in cases {
        let got = text(shard.update(cmd.as_bytes()));
        match want {
            Ok("") => assert!(got.is_ok(), "{}: {:?}", name, got),
            want => assert_eq!(got.as_deref().map_err(|c| *c), *want, "{}", name),
        }
    }
}

#[test]
fn list_pages_through_the_store() {
    let shard = TestShard::<Kv>::new();
    for i in 0..1100 {
        shard.update(put(&format!("p{:04}", i), "x").as_bytes()).expect("put");
    }
    shard.update(put("q", "y").as_bytes()).expect("put");
    let list = |cmd: &str| text(shard.query(cmd.as_bytes())).expect("list");
    let count = |out: &str| out.matches(r#"{"key":"p"#).count();

    let all = list(r#"{"op":"list","prefix":"p","limit":1000}"#);
    assert_eq!(count(&all), 1000);
    assert!(all.starts_with(r#"{"items":[{"key":"p0000","value":"x"},{"key":"p0001","#), "{}", &all[..60]);
    assert!(all.ends_with(r#"{"key":"p0999","value":"x"}],"more":true}"#), "{}", &all[all.len() - 60..]);

    let first = list(r#"{"op":"list","prefix":"p"}"#);
    assert_eq!(count(&first), 100);
    assert!(first.ends_with(r#""more":true}"#));

    assert_eq!(list(r#"{"op":"list","prefix":"q"}"#), r#"{"items":[{"key":"q","value":"y"}]}"#);
    assert_eq!(list(r#"{"op":"list","prefix":"r"}"#), r#"{"items":[]}"#);
    assert_eq!(count(&list(r#"{"op":"list","limit":1000}"#)), 1000);
}

#[test]
fn decoding_follows_encoding_json() {
    let shard = TestShard::<Kv>::new();
    let cases: &[(&str, &str, Result<&str, u32>)] = &[
        ("names fold case", r#"{"OP":"put","\u212aey":"a","Value":"1"}"#, Ok(r#"{"ok":true}"#)),
        ("read back", r#"{"op":"get","key":"a"}"#, Ok(r#"{"key":"a","value":"1","found":true}"#)),
        ("null clears value", r#"{"op":"put","key":"a","value":"1","value":null}"#, Err(400)),
        ("null leaves op", r#"{"op":"get","op":null,"key":"a"}"#, Ok(r#"{"key":"a","value":"1","found":true}"#)),
        ("later duplicate wins", r#"{"op":"get","key":"b","key":"a"}"#, Ok(r#"{"key":"a","value":"1","found":true}"#)),
        ("null expect: must not exist", r#"{"op":"cas","key":"a","expect":null,"value":"2"}"#, Err(409)),
        ("unknown field", r#"{"op":"get","key":"a","vaule":"1"}"#, Err(400)),
        ("ops are case-sensitive", r#"{"op":"GET","key":"a"}"#, Err(400)),
        ("missing op", r#"{"key":"a"}"#, Err(400)),
        ("escaped output", r#"{"op":"put","key":"<&>","value":"\u2028\ud800"}"#, Ok(r#"{"ok":true}"#)),
        // A lone surrogate reads as U+FFFD, which is valid and so written as it is.
        ("read back escaped", r#"{"op":"get","key":"<&>"}"#, Ok("{\"key\":\"\\u003c\\u0026\\u003e\",\"value\":\"\\u2028\u{fffd}\",\"found\":true}")),
    ];
    for (name, cmd, want) in cases {
        assert_eq!(text(shard.update(cmd.as_bytes())).as_deref().map_err(|c| *c), *want, "{}", name);
    }
    // Stored as the Go kv stores them: the strings' UTF-8 bytes.
    assert_eq!(shard.entries().get("<&>".as_bytes()), Some(&"\u{2028}\u{fffd}".as_bytes().to_vec()));
}

#[test]
fn writes_are_refused_as_queries() {
    let shard = TestShard::<Kv>::new();
    for op in ["put", "delete", "cas", "put_then_fail", "put_then_trap"] {
        let cmd = format!(r#"{{"op":"{}","key":"a","value":"1"}}"#, op);
        assert_eq!(text(shard.query(cmd.as_bytes())), Err(400), "{}", op);
    }
    assert!(shard.entries().is_empty());
}
