// The client against a live synod dev: every call goes through the real
// gateway, hosts and kv module.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { createConnectTransport } from "@connectrpc/connect-web";
import { atLeastIndex, Code, SynodClient, SynodError } from "../src/index.js";
import { type DevCluster, startDevCluster } from "./devcluster.js";

const run = promisify(execFile);

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const json = (b: Uint8Array): unknown => JSON.parse(text(b));
const cmd = (c: object) => JSON.stringify(c);

// rejects asserts that p fails with a SynodError and returns it.
async function rejects(p: Promise<unknown>): Promise<SynodError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SynodError, `want a SynodError, got ${String(e)}`);
    return e;
  }
  assert.fail("want an error, got none");
}

describe("SynodClient against synod dev", { timeout: 300_000 }, () => {
  let dev: DevCluster;
  let client: SynodClient;
  let moduleHash: string;
  const shard = "sdk-ts";

  before(async () => {
    dev = await startDevCluster();
    client = new SynodClient({ baseUrl: dev.url, token: dev.token, timeoutMs: 20_000 });
  });

  after(async () => {
    await dev?.stop();
  });

  test("modules: upload from a file and from bytes, get, list", async () => {
    const fromFile = await client.uploadModuleFile(dev.kvWasmPath);
    const fromBytes = await client.uploadModule(new Uint8Array(await readFile(dev.kvWasmPath)));
    assert.equal(fromBytes.hash, fromFile.hash);
    assert.ok(fromFile.sizeBytes > 0n);
    moduleHash = fromFile.hash;
    assert.equal((await client.getModule(moduleHash)).hash, moduleHash);
    assert.ok((await client.listModules()).some((m) => m.hash === moduleHash));
  });

  test("shards: create with settings, get, list, a taken name", async () => {
    const created = await client.createShard(shard, moduleHash, {
      replicaCount: 3,
      fuelLimit: 5_000_000n,
      idempotencyWindowSeconds: 3600n,
    });
    assert.equal(created.name, shard);
    const got = await client.getShard(shard);
    assert.equal(got.moduleHash, moduleHash);
    assert.equal(got.replicaCount, 3);
    assert.equal(got.fuelLimit, 5_000_000n);
    assert.equal(got.idempotencyWindowSeconds, 3600n);
    assert.ok((await client.listShards()).some((s) => s.name === shard));
    const err = await rejects(client.createShard(shard, moduleHash));
    assert.equal(err.code, Code.AlreadyExists);
    assert.equal(err.applied, undefined);
  });

  test("propose: made keys run each command, a given key replays", async () => {
    const put = cmd({ op: "put", key: "a", value: "1" });
    const first = await client.propose(shard, put);
    const second = await client.propose(shard, put);
    assert.deepEqual(json(first.result), { ok: true });
    assert.equal(first.replayed, false);
    assert.equal(second.replayed, false);
    assert.ok(second.index > first.index);
    assert.ok(first.fuelUsed > 0n);

    const keyed = await client.propose(shard, cmd({ op: "put", key: "b", value: "2" }), { idempotencyKey: "k-b" });
    const again = await client.propose(shard, cmd({ op: "put", key: "b", value: "2" }), { idempotencyKey: "k-b" });
    assert.equal(keyed.replayed, false);
    assert.equal(again.replayed, true);
    assert.equal(again.index, keyed.index);
    assert.deepEqual(again.result, keyed.result);

    const keyless = await client.propose(shard, cmd({ op: "put", key: "c", value: "3" }), { idempotencyKey: null });
    assert.equal(keyless.replayed, false);
  });

  test("propose: the same key with another command fails", async () => {
    await client.propose(shard, cmd({ op: "put", key: "d", value: "1" }), { idempotencyKey: "k-d" });
    const err = await rejects(client.propose(shard, cmd({ op: "put", key: "d", value: "2" }), { idempotencyKey: "k-d" }));
    assert.equal(err.code, Code.FailedPrecondition);
    assert.equal(err.applicationError, undefined);
  });

  test("query at each consistency", async () => {
    const { index } = await client.propose(shard, cmd({ op: "put", key: "q", value: "v" }));
    const get = cmd({ op: "get", key: "q" });
    const want = { key: "q", value: "v", found: true };
    const cases = [
      { name: "default (linearizable)", opts: {} },
      { name: "linearizable", opts: { consistency: "linearizable" as const } },
      { name: "at least index", opts: { consistency: atLeastIndex(index) } },
    ];
    for (const c of cases) {
      const res = await client.query(shard, get, c.opts);
      assert.deepEqual(json(res.result), want, c.name);
      assert.ok(res.index >= index, `${c.name}: read at ${res.index}, before ${index}`);
      assert.ok(res.fuelUsed > 0n, c.name);
    }
    // A stale read may miss the latest commands, but not an old one.
    const stale = await client.query(shard, cmd({ op: "get", key: "a" }), { consistency: "stale" });
    assert.equal((json(stale.result) as { found: boolean }).found, true);
  });

  test("an application error says the module's code and that the command ran", async () => {
    const err = await rejects(client.propose(shard, cmd({ op: "cas", key: "a", expect: "nope", value: "v" })));
    assert.equal(err.code, Code.FailedPrecondition);
    assert.equal(err.codeName, "failed_precondition");
    assert.equal(err.applied, "yes");
    assert.equal(err.applicationError?.code, 409);
    assert.match(err.applicationError?.message ?? "", /differs/);
    assert.ok((err.fuelUsed ?? 0n) > 0n, `fuelUsed ${err.fuelUsed}`);
  });

  test("batches: independent and atomic, with per-command keys", async () => {
    const independent = [
      { command: cmd({ op: "put", key: "x", value: "1" }), idempotencyKey: "k-x" },
      cmd({ op: "cas", key: "a", expect: "nope", value: "v" }),
      cmd({ op: "put", key: "y", value: "1" }),
    ];
    const res = await client.proposeBatch(shard, independent);
    assert.deepEqual(res.results.map((r) => r.ok), [true, false, true]);
    const failed = res.results[1];
    assert.ok(failed && !failed.ok);
    assert.equal(failed.error.applied, "yes");
    assert.equal(failed.error.applicationError?.code, 409);
    assert.equal(failed.error.code, Code.FailedPrecondition);

    const replay = await client.proposeBatch(shard, [{ command: cmd({ op: "put", key: "x", value: "1" }), idempotencyKey: "k-x" }]);
    const item = replay.results[0];
    assert.ok(item?.ok);
    assert.equal(item.replayed, true);
    assert.equal(item.index, res.index);

    const atomic = await client.proposeBatch(
      shard,
      [cmd({ op: "put", key: "z", value: "1" }), cmd({ op: "cas", key: "a", expect: "nope", value: "v" })],
      { atomic: true },
    );
    assert.ok(atomic.results.every((r) => !r.ok));
    const z = await client.query(shard, cmd({ op: "get", key: "z" }));
    assert.deepEqual(json(z.result), { key: "z", found: false });
  });

  test("a wrong token is unauthenticated", async () => {
    const wrong = new SynodClient({ baseUrl: dev.url, token: "synod_wrong" });
    const err = await rejects(wrong.listShards());
    assert.equal(err.code, Code.Unauthenticated);
    const proposeErr = await rejects(wrong.propose(shard, cmd({ op: "put", key: "a", value: "1" })));
    assert.equal(proposeErr.code, Code.Unauthenticated);
    assert.equal(proposeErr.applied, "no");
  });

  test("SYNOD_ADDR and SYNOD_TOKEN are the defaults", async () => {
    const saved = { addr: process.env.SYNOD_ADDR, token: process.env.SYNOD_TOKEN };
    process.env.SYNOD_ADDR = dev.url;
    process.env.SYNOD_TOKEN = dev.token;
    try {
      assert.ok((await new SynodClient().listShards()).some((s) => s.name === shard));
    } finally {
      restore("SYNOD_ADDR", saved.addr);
      restore("SYNOD_TOKEN", saved.token);
    }
  });

  test("a lost answer is retried with the same key and replayed", async () => {
    // The first Propose reaches Synod, but its answer is lost on the way
    // back, as a dropped connection would lose it.
    let proposes = 0;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith("/Propose") && ++proposes === 1) {
        await res.arrayBuffer();
        throw new TypeError("fetch failed: connection reset");
      }
      return res;
    };
    const c = new SynodClient({ transport: createConnectTransport({ baseUrl: dev.url, fetch: lossy }), token: dev.token });
    const res = await c.propose(shard, cmd({ op: "put", key: "lost", value: "1" }));
    assert.equal(proposes, 2);
    assert.equal(res.replayed, true);
  });

  test("deadlines: an unknown outcome is retried until the deadline, and not without a key", async () => {
    // Every attempt fails as a refused connection would.
    let attempts = 0;
    const down: typeof fetch = async () => {
      attempts++;
      throw new TypeError("fetch failed: connection refused");
    };
    const nowhere = new SynodClient({ transport: createConnectTransport({ baseUrl: dev.url, fetch: down }) });
    const start = Date.now();
    const keyed = await rejects(nowhere.propose(shard, "{}", { timeoutMs: 400 }));
    assert.equal(keyed.applied, "unknown");
    // The pauses, jittered, double from 25-50 ms: four attempts fit in
    // 400 ms, three on a busy machine; the last ends before the deadline.
    assert.ok(attempts >= 3, `${attempts} attempts`);
    assert.ok(Date.now() - start < 400 + 100, `gave up after ${Date.now() - start} ms`);
    attempts = 0;
    const keyless = await rejects(nowhere.propose(shard, "{}", { timeoutMs: 400, idempotencyKey: null }));
    assert.equal(keyless.applied, "unknown");
    assert.equal(attempts, 1, "a keyless command was resent");

    // An index the shard will not reach: the read waits for it until the
    // deadline.
    const late = await rejects(
      client.query(shard, cmd({ op: "get", key: "a" }), { consistency: atLeastIndex(1n << 40n), timeoutMs: 300 }),
    );
    assert.equal(late.code, Code.DeadlineExceeded);
  });

  test("the README's example runs", async () => {
    const example = fileURLToPath(new URL("../example/quickstart.js", import.meta.url));
    const { stdout } = await run(process.execPath, [example, dev.kvWasmPath], {
      env: { ...process.env, SYNOD_ADDR: dev.url, SYNOD_TOKEN: dev.token },
    });
    assert.equal(
      stdout,
      [
        "replayed: true, same index: true",
        '{"key":"greeting","value":"hello","found":true}',
        "failed_precondition, applied: yes, module code: 409",
        "",
      ].join("\n"),
    );
  });

  test("delete a shard, then its module", async () => {
    const inUse = await rejects(client.deleteModule(moduleHash));
    assert.equal(inUse.code, Code.FailedPrecondition);
    await client.deleteShard(shard);
    await client.deleteShard("quickstart");
    assert.equal((await rejects(client.getShard(shard))).code, Code.NotFound);
    await client.deleteModule(moduleHash);
    assert.equal((await rejects(client.getModule(moduleHash))).code, Code.NotFound);
  });
});

function restore(name: string, v: string | undefined) {
  if (v === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = v;
  }
}
