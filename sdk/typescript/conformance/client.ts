// The TypeScript client SDK's runner of the client conformance scenario
// (conformance/README.md): it plays the scenario against the cluster at
// SYNOD_ADDR and prints what it observed as one JSON object.
//
//   node sdk/typescript/build/conformance/client.js KV_WASM SHARD
import { atLeastIndex, SynodClient, SynodError } from "../src/index.js";

type Obj = Record<string, unknown>;

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** failure describes the error a step expects: its code and the fields named. */
async function failure(call: () => Promise<unknown>, ...fields: ("applied" | "application_code")[]): Promise<Obj> {
  try {
    await call();
  } catch (e) {
    if (!(e instanceof SynodError)) {
      throw e;
    }
    const o: Obj = { code: e.codeName };
    for (const f of fields) {
      if (f === "applied") {
        o[f] = e.applied;
      } else if (e.applicationError === undefined) {
        throw new Error(`no application error in ${e.message}`);
      } else {
        o[f] = e.applicationError.code;
      }
    }
    return o;
  }
  throw new Error("the call succeeded; the scenario expects an error");
}

async function run(wasm: string, shard: string): Promise<Obj> {
  const synod = new SynodClient();
  const out: Obj = {};

  const mod = await synod.uploadModuleFile(wasm);
  const mods = await synod.listModules();
  out.upload = { hash_is_hex_sha256: /^[0-9a-f]{64}$/.test(mod.hash), listed: mods.some((m) => m.hash === mod.hash) };

  await synod.createShard(shard, mod.hash);
  const got = await synod.getShard(shard);
  const shards = await synod.listShards();
  out.create = {
    name_matches: got.name === shard,
    module_matches: got.moduleHash === mod.hash,
    listed: shards.some((s) => s.name === shard),
  };

  const put = '{"op":"put","key":"a","value":"1"}';
  const first = await synod.propose(shard, put, { idempotencyKey: "conformance-1" });
  out.propose = { result: text(first.result), replayed: first.replayed };
  const again = await synod.propose(shard, put, { idempotencyKey: "conformance-1" });
  out.retry = { result: text(again.result), replayed: again.replayed, same_index: again.index === first.index };
  out.key_reused = await failure(
    () => synod.propose(shard, '{"op":"put","key":"a","value":"2"}', { idempotencyKey: "conformance-1" }),
    "applied",
  );
  const auto = await synod.propose(shard, '{"op":"put","key":"b","value":"2"}');
  out.auto_key = { result: text(auto.result), replayed: auto.replayed };

  const get = '{"op":"get","key":"a"}';
  out.query_linearizable = text((await synod.query(shard, get)).result);
  out.query_at_least_index = text((await synod.query(shard, get, { consistency: atLeastIndex(first.index) })).result);
  await synod.query(shard, get, { consistency: "stale" });
  out.query_stale = { ok: true };

  const batch = await synod.proposeBatch(shard, ['{"op":"put","key":"c","value":"3"}', '{"op":"get","key":"c"}']);
  out.batch = {
    results: batch.results.map((r, i) => {
      if (!r.ok) {
        throw new Error(`batch command ${i}: ${r.error.message}`);
      }
      return text(r.result);
    }),
  };

  out.application_error = await failure(
    () => synod.propose(shard, '{"op":"cas","key":"a","expect":"9","value":"2"}'),
    "applied",
    "application_code",
  );
  out.query_error = await failure(() => synod.query(shard, '{"op":"put","key":"x","value":"1"}'), "application_code");
  out.not_found = await failure(() => synod.query(`${shard}-missing`, get));
  out.deadline = await failure(() => synod.query(shard, get, { timeoutMs: 0 }));
  out.unauthenticated = await failure(() => new SynodClient({ token: "not-a-token" }).listShards());

  await synod.deleteShard(shard);
  out.delete = await failure(() => synod.getShard(shard));
  return out;
}

const [wasm, shard] = process.argv.slice(2);
if (wasm === undefined || shard === undefined) {
  console.error("usage: node sdk/typescript/build/conformance/client.js KV_WASM SHARD");
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run(wasm, shard)));
} catch (e) {
  console.error("conformance:", e);
  process.exit(1);
}
