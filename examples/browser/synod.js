// synod.js calls a Synod gateway with fetch and nothing else, through its
// raw REST routes: the command is the request body, the module's result
// the response body, and the log index and fuel come back as headers. The
// page (index.html) only wires its form to putAndRead; the e2e test
// (e2e/browser_test.go) imports this same file under Node.

/** SynodError is a call the gateway failed. */
export class SynodError extends Error {
  /**
   * @param {number} status the HTTP status
   * @param {{code?: number, message?: string, details?: object[]}} body
   *   the google.rpc.Status the gateway answered with
   * @param {string | null} fuelUsed the Synod-Fuel-Used header: the fuel
   *   the call used, failures included
   */
  constructor(status, body, fuelUsed) {
    super(`HTTP ${status}: ${body.message ?? "no message"}`);
    this.name = "SynodError";
    this.status = status;
    this.code = body.code; // a google.rpc.Code: 9 is failed_precondition
    this.details = body.details ?? []; // ApplicationError, ProposeFailure
    this.fuelUsed = fuelUsed;
  }
}

/**
 * propose sends a command to a shard (POST /v1/shards/{shard}:propose).
 * With an idempotency key the command runs at most once: sending it again
 * returns the first result and index, with replayed set.
 * @returns {Promise<{result: string, index: string, fuelUsed: string, replayed: boolean}>}
 */
export async function propose(baseURL, token, shard, command, idempotencyKey) {
  const headers = { Authorization: `Bearer ${token}` };
  if (idempotencyKey) {
    headers["Idempotency-Key"] = idempotencyKey;
  }
  return call(`${baseURL}/v1/shards/${encodeURIComponent(shard)}:propose`, { method: "POST", headers, body: command });
}

/**
 * query reads from a shard (GET /v1/shards/{shard}:query) on any replica
 * that has applied at least minIndex, such as the index a propose
 * returned: it sees that command's effect.
 * @returns {Promise<{result: string, index: string, fuelUsed: string}>}
 */
export async function query(baseURL, token, shard, text, minIndex) {
  const params = new URLSearchParams({ text, consistency: "CONSISTENCY_AT_LEAST_INDEX", min_index: minIndex });
  const { result, index, fuelUsed } = await call(`${baseURL}/v1/shards/${encodeURIComponent(shard)}:query?${params}`,
    { headers: { Authorization: `Bearer ${token}` } });
  return { result, index, fuelUsed };
}

/**
 * putAndRead puts key = value in a shard of the kv example module, with
 * an idempotency key, and reads the key back at least at the put's index.
 */
export async function putAndRead(baseURL, token, { shard, key, value, idempotencyKey }) {
  const base = baseURL.replace(/\/+$/, "");
  const put = await propose(base, token, shard, JSON.stringify({ op: "put", key, value }), idempotencyKey);
  const get = await query(base, token, shard, JSON.stringify({ op: "get", key }), put.index);
  return { put, get };
}

// call makes a request and returns the result as text, the index, the
// fuel and whether the result is replayed, or throws a SynodError.
async function call(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  const fuelUsed = res.headers.get("Synod-Fuel-Used");
  if (!res.ok) {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text }; // not the gateway's error: a proxy's, or no route
    }
    throw new SynodError(res.status, body, fuelUsed);
  }
  return { result: text, index: res.headers.get("Synod-Index"), fuelUsed, replayed: res.headers.get("Synod-Replayed") === "true" };
}
