import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const repoRoot = join(__dirname, "..", "..");
let binDir: string | undefined;

/**
 * The folder of PostgreSQL's server programs (initdb, pg_ctl, postgres, psql), found on PATH or in Debian's
 * /usr/lib/postgresql/<version>/bin, or installed from Debian's package by scripts/ensure-postgres.sh (once per process).
 * The PostgreSQL backend's tests never skip: without PostgreSQL they fail, saying how to get it.
 */
export function postgresBinDir(): string {
  if (binDir) return binDir;
  try {
    const output = execFileSync(join(repoRoot, "scripts", "ensure-postgres.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
    binDir = output.trim().split("\n").pop()!;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `the PostgreSQL backend's tests need a real PostgreSQL and scripts/ensure-postgres.sh could not provide one${stderr ? `:\n${stderr}` : ""}\n` +
        "Install PostgreSQL's server (Debian and Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql) so that initdb is on PATH, then run the tests again.",
      { cause: error },
    );
  }
  return binDir;
}

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user that Debian's package makes. */
const asRoot = userInfo().uid === 0;
const serverUser = "postgres";

/** Each command PostgreSQL's programs run gets at most this long (initdb, a start, a stop, a query). */
const commandTimeoutMs = 60_000;

interface Output {
  stdout: string;
  stderr: string;
}

/** One of PostgreSQL's programs, as the server's user when we are root, with its input on stdin and a bounded wait. */
function run(dir: string, program: string, args: string[], input?: string): Promise<Output> {
  const path = join(postgresBinDir(), program);
  const [command, argv] = asRoot ? ["runuser", ["-u", serverUser, "--", path, ...args]] : [path, args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      argv,
      // The server's user may not be allowed into the test's working folder; the server's own folder is its.
      { cwd: dir, encoding: "utf8", timeout: commandTimeoutMs, killSignal: "SIGKILL", env: { ...process.env, LC_ALL: "C", PGTZ: "UTC" } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${program} ${args[0] ?? ""} failed: ${error.message.split("\n")[0]}\n${stderr}${stdout}`.trim(), { cause: error }));
        else resolve({ stdout, stderr });
      },
    );
    child.stdin?.end(input ?? "");
  });
}

/** A quoted SQL identifier. */
const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A quoted SQL string. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface PostgresOptions {
  /** The role the URL logs in as; default "pulumi". */
  user?: string;
  /** Its password; default a random one of this server. */
  password?: string;
  /** The database it owns; default "pulumi". */
  database?: string;
}

/**
 * A PostgreSQL server of its own: a data folder initialised in a fresh temporary folder (owned by the server's user),
 * listening on a free loopback port and on a socket in that folder, with a role that logs in over TCP with a password
 * (scram-sha-256; the superuser connects only through the socket) and a database it owns. Started and stopped with
 * pg_ctl; `stop()` also makes sure the postmaster's PID is gone, then removes the folder.
 */
export class PostgresServer {
  private constructor(
    readonly port: number,
    readonly user: string,
    readonly password: string,
    readonly database: string,
    /** The postmaster's PID, from its postmaster.pid. */
    readonly pid: number,
    private readonly dir: string,
  ) {}

  /** `postgres://user:password@127.0.0.1:<port>/<database>?sslmode=disable`: the Pulumi CLI's PULUMI_BACKEND_URL. */
  get url(): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${encodeURIComponent(this.database)}?sslmode=disable`;
  }

  /**
   * The URL without the password, which then goes in PGPASSWORD (the CLI's driver, lib/pq, reads it): the Pulumi CLI
   * keeps the URL it was given in its home folder (workspaces/*-workspace.json, the stack selected per backend).
   */
  get urlWithoutPassword(): string {
    return `postgres://${encodeURIComponent(this.user)}@127.0.0.1:${this.port}/${encodeURIComponent(this.database)}?sslmode=disable`;
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  static async start(options: PostgresOptions = {}): Promise<PostgresServer> {
    const user = options.user ?? "pulumi";
    const password = options.password ?? `pg-${randomBytes(12).toString("hex")}`;
    const database = options.database ?? "pulumi";
    postgresBinDir();
    for (let attempt = 1; ; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), "pulumi-wechat-postgres-"));
      const data = join(dir, "data");
      const log = join(dir, "server.log");
      if (asRoot) chownSync(dir, serverIds().uid, serverIds().gid);
      let pid: number | undefined;
      const port = await freePort();
      try {
        // Trust on the socket (the folder is the server user's alone), passwords over TCP.
        await run(dir, "initdb", ["-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"]);
        mkdirSync(join(dir, "socket"));
        if (asRoot) chownSync(join(dir, "socket"), serverIds().uid, serverIds().gid);
        const settings = `-p ${port} -k ${join(dir, "socket")} -c listen_addresses=127.0.0.1 -c fsync=off`;
        await run(dir, "pg_ctl", ["-D", data, "-o", settings, "-l", log, "-w", "-t", "30", "start"]);
        pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
        const server = new PostgresServer(port, user, password, database, pid, dir);
        // On stdin, not the command line, which other local users can read.
        await server.superuser(
          "postgres",
          `CREATE ROLE ${identifier(user)} LOGIN PASSWORD ${literal(password)};\nCREATE DATABASE ${identifier(database)} OWNER ${identifier(user)};\n`,
        );
        return server;
      } catch (error) {
        const serverLog = existsSync(log) ? readFileSync(log, "utf8") : "";
        if (pid !== undefined) await new PostgresServer(port, user, password, database, pid, dir).stop();
        else rmSync(dir, { recursive: true, force: true });
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt < 3 && /could not bind|address already in use/i.test(`${(error as Error).message}\n${serverLog}`)) continue;
        throw new Error(`PostgreSQL did not start on port ${port}: ${error instanceof Error ? error.message : String(error)}\n${serverLog}`, { cause: error });
      }
    }
  }

  /** SQL run by the superuser through the server's socket (psql, stopping at the first error); returns psql's unaligned rows. */
  async superuser(database: string, sql: string): Promise<string[]> {
    const { stdout } = await run(this.dir, "psql", ["-h", join(this.dir, "socket"), "-p", String(this.port), "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"], sql);
    return stdout.split("\n").filter((line) => line !== "");
  }

  /** A query on the role's database, run by the superuser; one string per row (columns joined by |). */
  query(sql: string): Promise<string[]> {
    return this.superuser(this.database, sql);
  }

  /** Stops the server (pg_ctl stop -m fast; should that fail, SIGKILL to the postmaster's PID), then removes its folder. */
  async stop(): Promise<void> {
    if (alive(this.pid)) {
      try {
        await run(this.dir, "pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
      } catch (error) {
        if (alive(this.pid)) process.kill(this.pid, "SIGKILL");
        if (!(error instanceof Error && /PID file .* does not exist|Is server running/.test(error.message))) console.warn(`pg_ctl stop: ${(error as Error).message}`);
      }
      const deadline = Date.now() + 10_000;
      while (alive(this.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (alive(this.pid)) throw new Error(`PostgreSQL (pid ${this.pid}) is still running after pg_ctl stop and SIGKILL; its folder ${this.dir} is left`);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let ids: { uid: number; gid: number } | undefined;
/** The server user's uid and gid. */
function serverIds(): { uid: number; gid: number } {
  if (ids) return ids;
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, serverUser], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim());
    ids = { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(`there is no ${serverUser} user to run PostgreSQL as, which it needs when the tests run as root (Debian's postgresql package makes one)`, { cause: error });
  }
  return ids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
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
