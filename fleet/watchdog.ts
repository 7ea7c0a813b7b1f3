import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Every process a fleet run starts carries this variable, with the run's own random value: the Pulumi CLIs, their
 * language hosts, the programs and the providers (each inherits its parent's environment). The watchdog finds them by
 * it, whatever became of their parents.
 */
export const runVariable = "PULUMI_WECHAT_FLEET_RUN";

/** A new run's value for runVariable. */
export function newRunId(): string {
  return randomBytes(12).toString("hex");
}

/**
 * Starts the run's watchdog: a small process in a session of its own, which outlives the runner however it ends
 * (SIGKILL of its PID alone, or of its whole process group, as a CI cancellation does) and then stops every process
 * that still carries the run's id. Pulumi starts its language host and providers in process groups of their own, and
 * a runner killed outright cannot stop them: they would go on applying at WeChat, and hold the stacks' locks, with
 * nobody to report it. The watchdog learns of the runner's end from its standard input, a pipe only the runner holds:
 * the kernel closes it when the runner dies, at once and whatever killed it. Linux only (it reads /proc); elsewhere
 * it exits at once and the stacks' processes end on their own.
 */
export function startWatchdog(runId: string): void {
  if (process.platform !== "linux") return;
  const env = { ...process.env };
  delete env[runVariable];
  const child = spawn(process.execPath, [__filename, runId], { detached: true, stdio: ["pipe", "ignore", "ignore"], env });
  // Neither the child nor the pipe keeps the runner alive: the pipe closes when the runner exits, as it should.
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
}

/** Processes on this machine whose environment holds the run's id, this one excepted. */
export function runProcesses(runId: string): number[] {
  const needle = `${runVariable}=${runId}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (`${readFileSync(`/proc/${pid}/environ`, "latin1")}\0`.includes(needle)) found.push(pid);
    } catch {
      // Ended meanwhile, or another user's: not ours.
    }
  }
  return found;
}

/** How long the run's processes get to end on SIGTERM (a Pulumi CLI then cancels its operation) before SIGKILL. */
const graceMs = 2_000;
/** How often the processes are looked for again while they end. */
const pollMs = 100;
/** Rounds of SIGKILL for processes that a dying parent started meanwhile; bounded, so the watchdog always ends. */
const killRounds = 20;

async function stopRun(runId: string): Promise<void> {
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // Already gone.
      }
    }
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  signal(runProcesses(runId), "SIGTERM");
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && runProcesses(runId).length > 0; ) await sleep(pollMs);
  for (let round = 0; round < killRounds; round++) {
    const left = runProcesses(runId);
    if (left.length === 0) return;
    signal(left, "SIGKILL");
    await sleep(pollMs);
  }
}

if (require.main === module) {
  const runId = process.argv[2];
  process.stdin.resume();
  // Ignore the signals a CI's cancellation sends the runner's process group: this process must outlive it.
  for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(name, () => undefined);
  process.stdin.on("close", () => void stopRun(runId).finally(() => process.exit(0)));
}
