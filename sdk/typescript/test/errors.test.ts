// SynodError's conversion from Connect errors, which is pure logic: no
// cluster needed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Applied, ApplicationErrorSchema, ProposeFailureSchema } from "../src/gen/synod/v1/data_pb.js";
import { toSynodError } from "../src/errors.js";
import { retryable } from "../src/retry.js";

function failure(applied: Applied) {
  return { desc: ProposeFailureSchema, value: create(ProposeFailureSchema, { applied }) };
}

test("toSynodError for a command", () => {
  const cases = [
    {
      name: "module refusal",
      err: new ConnectError("module error 409", Code.FailedPrecondition, { "Synod-Fuel-Used": "1234" }, [
        failure(Applied.YES),
        { desc: ApplicationErrorSchema, value: create(ApplicationErrorSchema, { code: 409, message: "differs" }) },
      ]),
      applied: "yes",
      app: { code: 409, message: "differs" },
      fuel: 1234n,
      retry: false,
    },
    { name: "outcome unknown", err: new ConnectError("leader lost", Code.Unavailable, {}, [failure(Applied.UNKNOWN)]), applied: "unknown", retry: true },
    { name: "no leader", err: new ConnectError("no leader", Code.Unavailable, {}, [failure(Applied.NO)]), applied: "no", retry: true },
    { name: "network error", err: new TypeError("fetch failed"), applied: "unknown", retry: true },
    { name: "refused at the door", err: new ConnectError("no API key", Code.Unauthenticated), applied: "no", retry: false },
    { name: "deadline", err: new ConnectError("late", Code.DeadlineExceeded), applied: "unknown", retry: false },
    { name: "canceled", err: new ConnectError("canceled", Code.Canceled), applied: "unknown", retry: false },
  ];
  for (const c of cases) {
    const got = toSynodError(c.err, true);
    assert.equal(got.applied, c.applied, c.name);
    assert.deepEqual(got.applicationError, c.app, c.name);
    assert.equal(got.fuelUsed, c.fuel, c.name);
    assert.equal(retryable(got), c.retry, c.name);
  }
});

test("toSynodError for other calls says nothing of applied", () => {
  const got = toSynodError(new ConnectError("no such shard", Code.NotFound), false);
  assert.equal(got.applied, undefined);
  assert.equal(got.code, Code.NotFound);
  assert.equal(got.codeName, "not_found");
  assert.equal(got.rawMessage, "no such shard");
  assert.equal(got.message, "[not_found] no such shard");
});
