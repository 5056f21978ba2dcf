// Tests the kit's JSON codec (assembly/json.ts), built into
// build/codec.wasm from test/codec.ts, against what Go's encoding/json
// does with the same bytes: the expected values below are its outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { instantiate } from "../build/codec.js";

const codec = await instantiate(
  await WebAssembly.compile(await readFile(new URL("../build/codec.wasm", import.meta.url))),
  {
    wasi_snapshot_preview1: {
      fd_write() {
        throw new Error("the codec aborted");
      },
    },
  },
);

/** Returns the bytes of a latin1 string: each char is one byte. */
const bytes = (s) => Buffer.from(s, "latin1");

test("writeJSONString escapes as encoding/json", () => {
  const cases = [
    { name: "plain", in: bytes("plain"), out: '"plain"' },
    { name: "empty", in: bytes(""), out: '""' },
    { name: "quote and backslash", in: bytes('a"b\\c/d'), out: '"a\\"b\\\\c/d"' },
    { name: "short escapes", in: bytes("\b\f\n\r\t"), out: '"\\b\\f\\n\\r\\t"' },
    { name: "other controls, DEL as it is", in: bytes("\x00\x01\x1f\x7f"), out: '"\\u0000\\u0001\\u001f\x7f"' },
    { name: "HTML", in: bytes("<a>&"), out: '"\\u003ca\\u003e\\u0026"' },
    { name: "line and paragraph separators", in: Buffer.from("\u2028\u2029\u2027"), out: '"\\u2028\\u2029\u2027"' },
    { name: "valid UTF-8 as it is", in: Buffer.from("é€𝄞"), out: '"é€𝄞"' },
    { name: "invalid byte", in: bytes("\xff"), out: '"\\ufffd"' },
    { name: "truncated at the end", in: bytes("a\xc3"), out: '"a\\ufffd"' },
    { name: "surrogate", in: bytes("\xed\xa0\x80"), out: '"\\ufffd\\ufffd\\ufffd"' },
    { name: "overlong", in: bytes("\xc0\x80"), out: '"\\ufffd\\ufffd"' },
    { name: "above U+10FFFF", in: bytes("\xf4\x90\x80\x80"), out: '"\\ufffd\\ufffd\\ufffd\\ufffd"' },
    { name: "truncated in the middle", in: bytes("\xe2\x82a"), out: '"\\ufffd\\ufffda"' },
    { name: "truncated four bytes", in: bytes("\xf0\x9f\x98"), out: '"\\ufffd\\ufffd\\ufffd"' },
  ];
  for (const c of cases) {
    assert.equal(Buffer.from(codec.encodeString(c.in)).toString("utf8"), c.out, c.name);
  }
});

test("JSONReader.string decodes as encoding/json", () => {
  const fffd = "\ufffd";
  const cases = [
    { name: "plain", in: bytes('"abc"'), out: "abc" },
    { name: "empty", in: bytes('""'), out: "" },
    { name: "u escapes", in: bytes('"\\u00e9\\u20AC"'), out: "é€" },
    { name: "surrogate pair", in: bytes('"\\ud834\\udd1e"'), out: "𝄞" },
    { name: "lone high surrogate", in: bytes('"\\ud834"'), out: fffd },
    { name: "high surrogate then text", in: bytes('"\\ud834x"'), out: fffd + "x" },
    { name: "reversed pair", in: bytes('"\\udd1e\\ud834"'), out: fffd + fffd },
    { name: "high surrogate then a letter escape", in: bytes('"\\ud834\\u0041"'), out: fffd + "A" },
    { name: "high surrogate then a pair", in: bytes('"\\ud834\\ud834\\udd1e"'), out: fffd + "𝄞" },
    { name: "NUL escape", in: bytes('"\\u0000"'), out: "\x00" },
    { name: "invalid bytes", in: bytes('"\xff\xfe"'), out: fffd + fffd },
    { name: "encoded surrogate", in: bytes('"\xed\xa0\x80"'), out: fffd + fffd + fffd },
    { name: "short escapes", in: bytes('"\\/\\"\\\\\\b\\f\\n\\r\\t"'), out: '/"\\\b\f\n\r\t' },
    { name: "DEL and HTML as they are", in: bytes('"\x7f<&>"'), out: "\x7f<&>" },
    { name: "control character", in: bytes('"a\nb"'), err: /control character/ },
    { name: "bad escape", in: bytes('"\\x"'), err: /escape/ },
    { name: "unterminated", in: bytes('"abc'), err: /end of JSON input/ },
    { name: "short u escape", in: bytes('"\\u12"'), err: /end of JSON input/ },
    { name: "bad hex digit", in: bytes('"\\u12g4"'), err: /hex digit/ },
    { name: "not a string", in: bytes("abc"), err: /looking for '"'/ },
  ];
  for (const c of cases) {
    const got = codec.decodeString(c.in);
    if (c.err) {
      assert.equal(got, null, c.name);
      assert.match(codec.readError(), c.err, c.name);
    } else {
      assert.equal(codec.readError(), null, c.name);
      assert.equal(Buffer.from(got).toString("utf8"), c.out, c.name);
    }
  }
});

test("JSONReader.number reads JSON's number grammar", () => {
  for (const ok of ["0", "-0", "12", "-12", "1.5", "1e3", "1E+3", "1.0e-3"]) {
    assert.equal(Buffer.from(codec.decodeNumber(bytes(ok))).toString(), ok, ok);
  }
  for (const bad of ["-", "01", "1.", ".5", "1e", "+1", "1e+"]) {
    assert.equal(codec.decodeNumber(bytes(bad)), null, bad);
  }
});
