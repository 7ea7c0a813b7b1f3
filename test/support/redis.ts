import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";

const repoRoot = join(__dirname, "..", "..");
let serverPath: string | undefined;

/**
 * `redis-server`, found on PATH or installed from Debian's package by scripts/ensure-redis.sh (once per process). The
 * token-store tests never skip: without Redis they fail, saying how to get it.
 */
export function redisServerPath(): string {
  if (serverPath) return serverPath;
  try {
    const output = execFileSync(join(repoRoot, "scripts", "ensure-redis.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    serverPath = output.trim().split("\n").pop()!;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `the token-store tests need a real Redis and scripts/ensure-redis.sh could not provide one${stderr ? `:\n${stderr}` : ""}\n` +
        "Install redis-server (Debian and Ubuntu: apt-get install -y redis-server; macOS: brew install redis) so that it is on PATH, then run the tests again.",
      { cause: error },
    );
  }
  return serverPath;
}

export type RedisConnection = ReturnType<typeof createClient>;

/** A redis-server of its own on a free loopback port, with nothing saved to disk, stopped by its PID. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly password: string | undefined,
    private readonly process: ChildProcess,
    private readonly dir: string,
    private readonly connection: RedisConnection,
  ) {}

  /** `redis://127.0.0.1:<port>`, without the password. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Starts a server; with `password`, it requires it (`--requirepass`). */
  static async start(options: { password?: string } = {}): Promise<RedisServer> {
    const path = redisServerPath();
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), "pulumi-wechat-redis-"));
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"];
      if (options.password !== undefined) args.push("--requirepass", options.password);
      // redis-server logs to stdout; kept for the error, should it not start.
      const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (log += chunk.toString()));
      try {
        const connection = await ready(port, options.password, child);
        return new RedisServer(port, options.password, child, dir, connection);
      } catch (error) {
        if (child.exitCode === null) child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt < 3) continue;
        throw new Error(`redis-server did not start on port ${port}: ${error instanceof Error ? error.message : String(error)}\n${log}`, { cause: error });
      }
    }
  }

  /** The test's own connection to the server, to seed keys and read them back. */
  get client(): RedisConnection {
    return this.connection;
  }

  /** How many times each command ran since the last `resetStats`, from INFO commandstats. */
  async commandCalls(): Promise<Record<string, number>> {
    const info = (await this.connection.sendCommand(["INFO", "commandstats"])) as unknown as string;
    const calls: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
    return calls;
  }

  async resetStats(): Promise<void> {
    await this.connection.sendCommand(["CONFIG", "RESETSTAT"]);
  }

  async flush(): Promise<void> {
    await this.connection.sendCommand(["FLUSHALL"]);
  }

  /** Stops the server by its PID and removes its directory. */
  async stop(): Promise<void> {
    this.connection.destroy();
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      process.kill(this.pid, "SIGTERM");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Connects once the server accepts connections (it takes a few ms), failing fast if it exited. */
async function ready(port: number, password: string | undefined, child: ChildProcess): Promise<RedisConnection> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const client = createClient({ RESP: 2, password, socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.sendCommand(["PING"]);
      return client as RedisConnection;
    } catch (error) {
      client.destroy();
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The tokens a third-party platform's servers hold: its own, and each authorizer's. */
export interface PlatformTokens {
  component: string;
  authorizers: Record<string, string>;
}

/**
 * Fetches the platform's tokens from a WeChat endpoint (the emulator) as the platform's SDK would: its component token,
 * then each account's authorizer token with the refresh token the platform holds for it.
 */
export async function platformTokens(
  endpoint: string,
  component: { appId: string; appSecret: string; verifyTicket: string },
  refreshTokens: Record<string, string>,
): Promise<PlatformTokens> {
  const post = async (path: string, body: object): Promise<Record<string, unknown>> =>
    (await (await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) })).json()) as Record<string, unknown>;
  const answer = await post("/cgi-bin/component/api_component_token", {
    component_appid: component.appId,
    component_appsecret: component.appSecret,
    component_verify_ticket: component.verifyTicket,
  });
  const token = answer.component_access_token as string;
  const authorizers: Record<string, string> = {};
  for (const [appId, refreshToken] of Object.entries(refreshTokens)) {
    const body = { component_appid: component.appId, authorizer_appid: appId, authorizer_refresh_token: refreshToken };
    authorizers[appId] = (await post(`/cgi-bin/component/api_authorizer_token?component_access_token=${token}`, body)).authorizer_access_token as string;
  }
  return { component: token, authorizers };
}

/** WxJava's keys (weixin-java-open's AbstractWxOpenInRedisConfigStorage) for a platform, under an optional keyPrefix. */
export function wxjavaKeys(componentAppId: string, prefix = "") {
  return {
    component: `${prefix}wechat_component_access_token:${componentAppId}`,
    ticket: `${prefix}wechat_component_verify_ticket:${componentAppId}`,
    account: (appId: string) => `${prefix}wechat_authorizer_access_token:${componentAppId}:${appId}`,
    refresh: (appId: string) => `${prefix}wechat_authorizer_refresh_token:${componentAppId}:${appId}`,
  };
}

/** Writes the platform's tokens as WxJava does: plain strings that live `expires_in - 200` s. */
export async function seedWxJava(client: RedisConnection, componentAppId: string, tokens: PlatformTokens, prefix = ""): Promise<void> {
  const keys = wxjavaKeys(componentAppId, prefix);
  await client.sendCommand(["SET", keys.component, tokens.component, "EX", "7000"]);
  for (const [appId, token] of Object.entries(tokens.authorizers)) await client.sendCommand(["SET", keys.account(appId), token, "EX", "7000"]);
}
