// A real `synod dev` for the tests: built from this repository, on a free
// port, with its data, the CLI's credentials and the kv example in a
// temporary directory that it removes when stopped.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root, from build/test/ or test/ alike. */
const repoRoot = fileURLToPath(new URL(import.meta.url.includes("/build/test/") ? "../../../../" : "../../../", import.meta.url));

export interface DevCluster {
  /** The gateway's URL. */
  url: string;
  /** The admin key's token. */
  token: string;
  /** The kv example module, built for this run. */
  kvWasmPath: string;
  stop(): Promise<void>;
}

/** startDevCluster builds synod and the kv example, and runs synod dev until it is ready. */
export async function startDevCluster(): Promise<DevCluster> {
  const dir = await mkdtemp(join(tmpdir(), "synod-sdk-ts-"));
  const synod = join(dir, "synod");
  const kvWasmPath = join(dir, "kv.wasm");
  const go = process.env.GO ?? "go";
  await Promise.all([
    run(go, ["build", "-o", synod, "./cmd/synod"], { cwd: repoRoot }),
    run(go, ["build", "-buildmode=c-shared", "-o", kvWasmPath, "./examples/kv"], {
      cwd: repoRoot,
      env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
    }),
  ]);
  const dataDir = join(dir, "data");
  const child = spawn(synod, ["dev", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    // synod dev saves the admin key for the CLI in the user's config
    // directory: keep it in ours. No SYNOD_ variable of the caller's
    // reaches it, since each would set a flag.
    env: { ...withoutSynodVars(process.env), XDG_CONFIG_HOME: join(dir, "config"), HOME: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = async () => {
    await kill(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await servingUrl(child);
    await waitReady(url, 60_000);
    const token = (await readFile(join(dataDir, "admin.token"), "utf8")).trim();
    return { url, token, kvWasmPath, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// servingUrl waits for synod dev's line "serving on URL".
function servingUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let errOut = "";
    child.stderr?.on("data", (b: Buffer) => {
      errOut += b.toString();
    });
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /serving on (\S+)/.exec(out);
      if (m?.[1]) {
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`synod dev exited with ${code}: ${errOut}`)));
  });
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      throw new Error(`synod dev at ${url} not ready after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// kill stops the synod dev this harness started, by its process, and waits
// for it to exit: gracefully, then by force.
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function withoutSynodVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("SYNOD_")));
}
