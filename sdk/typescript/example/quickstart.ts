// Quickstart: upload the kv example, create a shard, propose a command and
// read its effect. The client takes the gateway's address and the API key
// from SYNOD_ADDR and SYNOD_TOKEN.
//
//	node build/example/quickstart.js path/to/kv.wasm
import { atLeastIndex, Code, SynodClient, SynodError } from "@synodhq/synod";

const synod = new SynodClient(); // SYNOD_ADDR, SYNOD_TOKEN
const kv = await synod.uploadModuleFile(process.argv[2] ?? "kv.wasm");
try {
  await synod.createShard("quickstart", kv.hash);
} catch (e) {
  if (!(e instanceof SynodError && e.code === Code.AlreadyExists)) {
    throw e;
  }
}

// A command runs once however often it is sent with the same key.
const put = JSON.stringify({ op: "put", key: "greeting", value: "hello" });
const first = await synod.propose("quickstart", put, { idempotencyKey: "greeting-1" });
const again = await synod.propose("quickstart", put, { idempotencyKey: "greeting-1" });
console.log(`replayed: ${again.replayed}, same index: ${again.index === first.index}`);

// Read your write from any replica that has applied it.
const get = JSON.stringify({ op: "get", key: "greeting" });
const got = await synod.query("quickstart", get, { consistency: atLeastIndex(first.index) });
console.log(new TextDecoder().decode(got.result));

// A module's refusal says its code, and that the command ran and kept nothing.
try {
  await synod.propose("quickstart", JSON.stringify({ op: "cas", key: "greeting", expect: "bye", value: "hi" }));
} catch (e) {
  if (!(e instanceof SynodError)) {
    throw e;
  }
  console.log(`${e.codeName}, applied: ${e.applied}, module code: ${e.applicationError?.code}`);
}
