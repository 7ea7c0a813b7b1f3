#!/usr/bin/env node
import { parseArgs } from "node:util";
import { fleetSeed, startEmulator } from "./index";

const usage = `Usage: pulumi-wechat-emulator [--host 127.0.0.1] [--port 8787] [--seed FILE | --fleet] [--state FILE] [--latency MS]

  --host     address to listen on (default 127.0.0.1)
  --port     port to listen on; 0 picks a free one (default 8787)
  --seed     JSON seed file declaring the accounts (default: the built-in demo seed)
  --fleet    the built-in demo seed plus a generated fleet that already has plugins and links, in every status
  --state    keep the world in this file across restarts (default: in memory)
  --latency  milliseconds added to every WeChat answer (default 0)
  -h, --help this text`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "8787" },
        seed: { type: "string" },
        fleet: { type: "boolean" },
        state: { type: "string" },
        latency: { type: "string", default: "0" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    fatal(`${(error as Error).message}\n\n${usage}`, 2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.fleet && values.seed !== undefined) fatal(`--seed and --fleet both choose the seed: give one\n\n${usage}`, 2);
  const port = wholeNumber(values.port, "--port");
  const latencyMs = wholeNumber(values.latency, "--latency");

  let emulator;
  try {
    emulator = await startEmulator({ host: values.host, port, seed: values.fleet ? fleetSeed : values.seed, stateFile: values.state, latencyMs });
  } catch (error) {
    fatal(`cannot start the WeChat emulator: ${(error as Error).message}`, 1);
  }
  // Scripts wait for this exact first line and read the URL from it.
  console.log(`WeChat emulator listening on ${emulator.url}`);
  console.log(`console: ${emulator.url}/__emulator/console`);
  const seedName = values.fleet ? "built-in fleet seed" : (values.seed ?? "built-in demo seed");
  console.log(`seed: ${seedName}; state: ${values.state ?? "in memory"}`);
  console.log(`control surface: ${emulator.url}/__emulator/health, /state, /world, /events, /calls, /faults, /clock, /quotas, /reset, /links/confirm, /plugins/answer`);

  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => fatal(`error while stopping: ${(error as Error).message}`, 1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) fatal(`${flag} must be a whole number, got "${text}"\n\n${usage}`, 2);
  return value;
}

function fatal(message: string, exitCode: number): never {
  console.error(message);
  process.exit(exitCode);
}

void main();
