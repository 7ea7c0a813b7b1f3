// Types of pulumi-project.mjs, for the TypeScript end-to-end tests.

/** The checkout's root directory. */
export const repoRoot: string;

/** The directory holding `pulumi`, its Node language host and the dynamic-provider plugin. */
export function ensurePulumi(): string;
/** Pulumi's YAML language host, placed beside the CLI; returns the CLI's directory. */
export function ensurePulumiYaml(): string;
/** The native provider plugin's tarball, bundled from this checkout's sources; returns its path. */
export function buildPlugin(): string;
/** `pulumi plugin install resource wechat <this checkout's version> --file <tarball>` in `env`'s Pulumi home. */
export function installPlugin(tarball: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void>;
/** The native provider's Node SDK, compiled and packed into `destination`; returns the tarball's path. */
export function packNodeSdk(destination: string): string;

/** Environment for running the CLI fully offline, with its backend and home under `stateDir`. */
export function pulumiEnv(options: { stateDir: string; passphrase: string; extra?: Record<string, string> }): NodeJS.ProcessEnv;

/** The Pulumi CLI's version: package.json's "pulumiCli", the one ensurePulumi provides. */
export function pulumiCliVersion(): string;

/** The version of @pulumi/pulumi installed in this checkout. */
export function installedPulumiVersion(): string;

/** `npm pack` of this checkout into `destination`; returns the tarball's path. */
export function packPackage(destination: string): string;

/** Installs the packed package and `@pulumi/pulumi` at `pulumiVersion` (default: this checkout's) into `dir`. */
export function installPackage(dir: string, options: { tarball: string; pulumiVersion?: string; dependencies?: Record<string, string> }): void;

/** A new temporary folder with the package packed and installed into it. */
export function createWorkspace(prefix: string): { dir: string; tarball: string; remove: () => void };

/** What a spec program declares: resource name → inputs. */
export interface Spec {
  plugins?: Record<string, Record<string, unknown>>;
  links?: Record<string, Record<string, unknown>>;
}

/** A program that declares the resources its spec.json lists. */
export const specProgram: string;

/** Writes Pulumi.yaml, the program (default specProgram) as index.js, and spec.json into `dir`. */
export function writeProgram(dir: string, options: { name: string; source?: string; spec?: Spec }): void;

export function writeSpec(dir: string, spec: Spec): void;

export interface Result {
  /** The exit code; 128 when a signal ended the command. */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time. */
  seconds: number;
}

/** A `pulumi` command started and not yet awaited. */
export interface RunningCommand {
  pid: number | undefined;
  /** Resolves when the command ends, however it ends. */
  result: Promise<Result>;
  /** SIGKILL to the command and every process it started, then waits for it to end. */
  kill(): Promise<Result>;
}

export interface RunOptions {
  /** Stream the output to the terminal as well. */
  show?: boolean;
}

export function startPulumi(args: string[], options: RunOptions & { cwd: string; env: NodeJS.ProcessEnv }): RunningCommand;

export function pulumi(args: string[], options: RunOptions & { cwd: string; env: NodeJS.ProcessEnv }): Promise<Result>;

/** The processes below `root`, from /proc (Linux). */
export function descendants(root: number): number[];

/** One stack of the Pulumi project in `dir`; every command runs with `--stack <stack> --non-interactive`. */
/** A resource of an exported state, as far as the tests read it. */
export interface StateResource {
  type: string;
  urn: string;
  id?: string;
  outputs?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** The `deployment` of `pulumi stack export`. */
export interface Deployment {
  resources?: StateResource[];
  pending_operations?: unknown[];
}

export class PulumiStack {
  readonly dir: string;
  readonly stack: string;
  readonly env: NodeJS.ProcessEnv;
  constructor(options: { dir: string; stack: string; env: NodeJS.ProcessEnv });
  start(args: string[], options?: RunOptions): RunningCommand;
  run(args: string[], options?: RunOptions): Promise<Result>;
  /** As run, but a non-zero exit fails. */
  must(args: string[], options?: RunOptions): Promise<Result>;
  /** `pulumi stack init`, then the config. */
  init(config?: Record<string, string>): Promise<void>;
  /** Credentials as secrets (every key but wechat:endpoint and wechat:componentAppId), unless `plaintext`. */
  setConfig(values: Record<string, string>, options?: { plaintext?: boolean }): Promise<void>;
  /** The `deployment` of `pulumi stack export`. */
  deployment(): Promise<Deployment>;
  /** Deletes the stack and its state; its config file stays. */
  remove(): Promise<void>;
}
