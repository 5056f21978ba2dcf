// Generated idempotency keys, which is pure logic: no cluster needed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newKey } from "../src/retry.js";

test("generated keys rise with time", () => {
  const before = Date.now();
  const first = newKey();
  assert.notEqual(newKey(), first, "two keys made at once are the same");
  const ms = parseInt(first.slice(0, 12), 16);
  assert.match(first.slice(0, 12), /^[0-9a-f]{12}$/, `key ${first} does not start with 12 hex digits`);
  assert.ok(ms >= before && ms <= Date.now(), `key ${first} does not start with the time`);
  while (Date.now() === ms) {
    // until the next millisecond
  }
  assert.ok(newKey() > first, "a key made a millisecond later sorts before or with the first");
  assert.equal(first.length, 12 + 36);
});
