//! The codec's cases, with what Go's encoding/json reads and writes for
//! each (examples/kv's tests check the Go kv's codec against it).

use super::*;

fn written(s: &[u8]) -> String {
    let mut out = Vec::new();
    write_string(&mut out, s);
    String::from_utf8(out).expect("write_string writes UTF-8")
}

#[test]
fn write_string_escapes_as_go() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("plain", b"hello, world/1", r#""hello, world/1""#),
        ("empty", b"", r#""""#),
        ("quote and backslash", br#"a"b\c"#, r#""a\"b\\c""#),
        ("short escapes", b"\x08\x0c\n\r\t", r#""\b\f\n\r\t""#),
        ("other controls", b"\x00\x01\x1f", r#""\u0000\u0001\u001f""#),
        ("DEL as it is", b"\x7f", "\"\x7f\""),
        ("HTML", b"<a href=x>&amp;</a>", r#""\u003ca href=x\u003e\u0026amp;\u003c/a\u003e""#),
        ("line and paragraph separators", "a\u{2028}b\u{2029}".as_bytes(), r#""a\u2028b\u2029""#),
        ("other UTF-8 as it is", "é€😀\u{2027}\u{202a}".as_bytes(), "\"é€😀\u{2027}\u{202a}\""),
        ("invalid byte", b"a\xffb", r#""a\ufffdb""#),
        ("truncated sequence: one per byte", b"\xe2\x82", r#""\ufffd\ufffd""#),
        ("truncated then ASCII", b"\xe2\x82z", r#""\ufffd\ufffdz""#),
        ("encoded surrogate", b"\xed\xa0\x80", r#""\ufffd\ufffd\ufffd""#),
        ("overlong", b"\xc0\xaf", r#""\ufffd\ufffd""#),
        ("above U+10FFFF", b"\xf4\x90\x80\x80", r#""\ufffd\ufffd\ufffd\ufffd""#),
        ("lone continuation", b"\x80", r#""\ufffd""#),
        ("largest code point", b"\xf4\x8f\xbf\xbf", "\"\u{10ffff}\""),
    ];
    for (name, input, want) in cases {
        assert_eq!(written(input), *want, "{}", name);
    }
}

fn string_of(input: &[u8]) -> Result<String, SyntaxError> {
    let members = parse_object(input)?;
    assert_eq!(members.len(), 1, "{:?}", members);
    match &members[0].1 {
        Value::String(s) => Ok(s.to_string()),
        other => panic!("not a string: {:?}", other),
    }
}

#[test]
fn strings_read_as_go() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("plain", br#"{"a":"xyz"}"#, "xyz"),
        ("empty", br#"{"a":""}"#, ""),
        ("short escapes", br#"{"a":"\"\\\/\b\f\n\r\t"}"#, "\"\\/\x08\x0c\n\r\t"),
        ("u escapes", br#"{"a":"\u0041\u00e9\u20AC"}"#, "Aé€"),
        ("surrogate pair", br#"{"a":"\ud83d\ude00"}"#, "😀"),
        ("lone high surrogate", br#"{"a":"\ud83d"}"#, "\u{fffd}"),
        ("high surrogate then text", br#"{"a":"\ud83dx"}"#, "\u{fffd}x"),
        ("high surrogate then another escape", br#"{"a":"\ud83d\u0041"}"#, "\u{fffd}A"),
        ("high surrogate then a pair", br#"{"a":"\ud83d\ud83d\ude00"}"#, "\u{fffd}😀"),
        ("low surrogate first", br#"{"a":"\ude00\ud83d"}"#, "\u{fffd}\u{fffd}"),
        ("high surrogate then a short escape", br#"{"a":"\ud83d\n"}"#, "\u{fffd}\n"),
        ("raw UTF-8", "{\"a\":\"é😀\u{2028}\"}".as_bytes(), "é😀\u{2028}"),
        ("invalid UTF-8: one U+FFFD per byte", b"{\"a\":\"\xff\xe2\x82z\"}", "\u{fffd}\u{fffd}\u{fffd}z"),
        ("invalid UTF-8 and an escape", b"{\"a\":\"\xed\xa0\x80\\n\"}", "\u{fffd}\u{fffd}\u{fffd}\n"),
        ("DEL", b"{\"a\":\"\x7f\"}", "\x7f"),
    ];
    for (name, input, want) in cases {
        assert_eq!(string_of(input).as_deref(), Ok(*want), "{}", name);
    }
}

#[test]
fn objects_read_as_go() {
    let members = parse_object(b" \t\r\n{ \"op\" : \"get\" ,\"n\":-0,\"e\":1.5e+3,\"E\":0E-1,\"t\":true,\"f\":false,\"z\":null,\"op\":\"x\"}\n ")
        .expect("a valid object");
    let want: Members = vec![
        ("op".into(), Value::String("get".into())),
        ("n".into(), Value::Number("-0")),
        ("e".into(), Value::Number("1.5e+3")),
        ("E".into(), Value::Number("0E-1")),
        ("t".into(), Value::Bool(true)),
        ("f".into(), Value::Bool(false)),
        ("z".into(), Value::Null),
        ("op".into(), Value::String("x".into())),
    ];
    assert_eq!(members, want);
    assert_eq!(parse_object(b"{}"), Ok(vec![]));
    assert_eq!(parse_object(br#"{"\u006fp":1}"#).unwrap()[0].0, "op");
}

#[test]
fn bad_input_is_an_error() {
    let cases: &[(&str, &[u8])] = &[
        ("empty", b""),
        ("white space only", b"  "),
        ("null", b"null"),
        ("array", b"[]"),
        ("string", br#""op""#),
        ("unterminated object", b"{"),
        ("unterminated member", br#"{"op":"get""#),
        ("unterminated string", br#"{"op":"get}"#),
        ("no value", br#"{"a"}"#),
        ("empty value", br#"{"a":}"#),
        ("trailing comma", br#"{"a":1,}"#),
        ("missing comma", br#"{"a":1 "b":2}"#),
        ("single quotes", b"{'a':1}"),
        ("bare name", b"{a:1}"),
        ("leading zero", br#"{"a":01}"#),
        ("plus sign", br#"{"a":+1}"#),
        ("lone minus", br#"{"a":-}"#),
        ("no fraction digits", br#"{"a":1.}"#),
        ("no exponent digits", br#"{"a":1e}"#),
        ("hex number", br#"{"a":0x1}"#),
        ("bad literal", br#"{"a":tru}"#),
        ("capital literal", br#"{"a":True}"#),
        ("nested object", br#"{"a":{}}"#),
        ("nested array", br#"{"a":[1]}"#),
        ("raw newline in string", b"{\"a\":\"x\ny\"}"),
        ("raw tab in string", b"{\"a\":\"x\ty\"}"),
        ("unknown escape", br#"{"a":"\x"}"#),
        ("short u escape", br#"{"a":"\u12"}"#),
        ("bad hex digit", br#"{"a":"\u12g4"}"#),
        ("escape at the end", b"{\"a\":\"\\"),
        ("second object", b"{}{}"),
        ("text after", br#"{"a":1}x"#),
        ("vertical tab is not white space", b"{}\x0b"),
        ("form feed is not white space", b"\x0c{}"),
    ];
    for (name, input) in cases {
        assert!(parse_object(input).is_err(), "{}: accepted {:?}", name, parse_object(input));
    }
}

#[test]
fn names_match_as_go() {
    let cases: &[(&str, &str, bool)] = &[
        ("key", "key", true),
        ("KEY", "key", true),
        ("kEy", "key", true),
        ("\u{212a}ey", "key", true),
        ("\u{212a}EY", "key", true),
        ("\u{17f}", "s", true),
        ("ke", "key", false),
        ("keys", "key", false),
        ("kéy", "key", false),
        ("", "op", false),
        ("o p", "op", false),
        ("\u{130}", "i", false),
        ("\u{131}", "i", false),
    ];
    for (name, field, want) in cases {
        assert_eq!(name_matches(name, field), *want, "{:?} names {:?}", name, field);
    }
}

#[test]
fn plain_prefix_stops_at_the_first_byte_that_is_not_plain() {
    let interesting = [b'a', b' ', b'~', 0x7f, 0x80, 0xff, 0x00, 0x1f, b'"', b'\\', b'<', b'>', b'&', b'!', b'='];
    for len in 0..20 {
        for pos in 0..len {
            for &c in &interesting {
                let mut s = vec![b'x'; len];
                s[pos] = c;
                // Bytes after the first that is not plain must not matter.
                if pos + 1 < len {
                    s[pos + 1] = 0x00;
                }
                let want = s.iter().take_while(|&&c| is_plain(c)).count();
                assert_eq!(plain_prefix(&s), want, "{:?}", s);
            }
        }
    }
    assert_eq!(plain_prefix(b""), 0);
    assert_eq!(plain_prefix(&[b'x'; 17]), 17);
}

/// A module must never trap on bad input: parse_object returns, without
/// panicking, for every truncation of some commands, and for every
/// one-byte change of them, whole and cut right after the change.
#[test]
fn mangled_input_never_panics() {
    let seeds: &[&[u8]] = &[
        br#"{"op":"cas","key":"a\u00e9\ud83d\ude00","expect":"\"\\\/","value":"x","limit":-12.5e+3}"#,
        b"{\"op\":\"put\",\"key\":\"\xe2\x82\xac\xff\",\"value\":null,\"t\":true,\"f\":false}",
    ];
    let bytes = [b'"', b'\\', b'u', b'{', b'}', b',', b':', b'0', b'-', b'e', b'.', b' ', 0x00, 0x80, 0xff, 0xed];
    for seed in seeds {
        for end in 0..=seed.len() {
            let _ = parse_object(&seed[..end]);
        }
        for i in 0..seed.len() {
            for &c in &bytes {
                let mut s = seed.to_vec();
                s[i] = c;
                let _ = parse_object(&s);
                let _ = parse_object(&s[..=i]);
            }
        }
    }
}
