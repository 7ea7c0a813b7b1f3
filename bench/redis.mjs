// A real redis-server for the token-store step: on a free loopback port, saving nothing to disk, started and stopped
// by the benchmark by its PID. scripts/ensure-redis.sh finds the binary (or installs Debian's package).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";
import { repoRoot } from "../scripts/pulumi-project.mjs";

const readyWithinMs = 10_000;

/** Starts redis-server; resolves once it answers PING, to `{ url, stop() }`. */
export async function startRedis() {
  const path = execFileSync("bash", [join(repoRoot, "scripts/ensure-redis.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "pulumi-wechat-bench-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"];
  const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
  // redis-server logs to stdout; kept for the error, should it not start.
  let log = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(port, child);
  } catch (error) {
    await stop();
    throw new Error(`redis-server (${path}) did not start on port ${port}: ${error.message}\n${log}`, { cause: error });
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the server answers PING (a few ms after the start), failing at once if it exited. */
async function ready(port, child) {
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    const client = createClient({ RESP: 2, socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
    client.on("error", () => undefined); // a refused connection is expected until it listens; connect() rejects with it
    try {
      await client.connect();
      await client.sendCommand(["PING"]);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no answer to PING within ${readyWithinMs / 1000} s (${error.message})`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      client.destroy();
    }
  }
}
