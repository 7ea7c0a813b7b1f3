import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { configKeys } from "../../provider/config";
import { pulumiEnv, PulumiStack, repoRoot, writeProgram } from "../../scripts/pulumi-project.mjs";
import { passphrase } from "./project";

/*
 * Every `pulumi config set` the docs show, run as a reader would paste it, on the pinned CLI: the CLI refuses a
 * plaintext value that looks like a secret (a redis:// URL under a key named …token…) unless the command says
 * --plaintext or --secret, so a documented command without either fails for whoever copies it.
 */

/** A valid app id for the docs' `wx…`. */
const appId = "wxd0c5000000000001";
/** The keys whose values are JSON objects {"<appId>": "<value>"} (provider/config.ts's appIdMap). */
const jsonMapKeys = new Set(["accessTokens", "authorizerRefreshTokens", "appSecrets"]);

interface Documented {
  /** The file, relative to the repository. */
  file: string;
  /** The 1-based line the command starts on. */
  line: number;
  /** The command as the docs give it, its comment dropped. */
  text: string;
  /** What follows `pulumi config set`, as the shell splits it. */
  words: string[];
}

/** README.md and every docs/*.md, whatever pages exist when the test runs. */
function docFiles(): string[] {
  const docs = join(repoRoot, "docs");
  const pages = existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith(".md")).sort().map((name) => join(docs, name)) : [];
  return [join(repoRoot, "README.md"), ...pages];
}

/**
 * A line split as a POSIX shell splits it (single and double quotes, backslashes), up to an unquoted `#` that starts
 * a word, which begins a comment. Undefined for a quote left open.
 */
function shellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = "";
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        text += line[j];
      }
      if (j >= line.length) return undefined;
      word = (word ?? "") + text;
      i = j;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The text of a line up to its comment, for messages. */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Every `pulumi config set` inside a fenced code block, and how many fenced lines mention it at all. */
function documentedCommands(): { commands: Documented[]; mentions: Array<{ file: string; line: number }> } {
  const commands: Documented[] = [];
  const mentions: Array<{ file: string; line: number }> = [];
  for (const path of docFiles()) {
    const file = relative(repoRoot, path);
    const lines = readFileSync(path, "utf8").split("\n");
    let fence: string | undefined;
    for (let i = 0; i < lines.length; i++) {
      const opening = /^\s*(`{3,}|~{3,})/.exec(lines[i]);
      if (fence === undefined) {
        if (opening) fence = opening[1];
        continue;
      }
      if (opening && opening[1][0] === fence[0] && opening[1].length >= fence.length && lines[i].trim() === opening[1]) {
        fence = undefined;
        continue;
      }
      // A command continued over several lines with a trailing backslash is one command.
      const start = i;
      let text = withoutComment(lines[i]);
      while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)} ${withoutComment(lines[++i]).trim()}`;
      if (!/\bpulumi\s+config\s+set\b/.test(text)) continue;
      mentions.push({ file, line: start + 1 });
      // A prompt, and variables set for the one command (PULUMI_CONFIG_PASSPHRASE=… pulumi config set …), are not the command.
      const words = shellWords(text.trim().replace(/^\$\s+/, ""))?.filter((_, k, all) => !all.slice(0, k + 1).every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)));
      if (words && words[0] === "pulumi" && words[1] === "config" && words[2] === "set") commands.push({ file, line: start + 1, text: text.trim(), words: words.slice(3) });
    }
  }
  return { commands, mentions };
}

/** The documented command's flags and its key and value, with the docs' placeholders made real values. */
function prepare(command: Documented): { flags: string[]; key: string; value?: string } {
  const flags: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < command.words.length; i++) {
    const word = command.words[i];
    if (word === "--") positional.push(...command.words.slice(i + 1));
    else if (word === "--stack" || word === "-s") i++; // the test's own stack is used
    else if (word.startsWith("--stack=")) continue;
    else if (word.startsWith("-")) {
      flags.push(word);
      if ((word === "--type" || word === "--config-file") && i + 1 < command.words.length) flags.push(command.words[++i]);
    } else positional.push(word);
    if (word === "--") break;
  }
  const [key, value] = positional;
  return { flags, key, value: value === undefined ? undefined : fill(key, value) };
}

/** `wx…` → a valid app id; a JSON map's `…` → a JSON object of the right shape; any other `…` → plain text. */
function fill(key: string, value: string): string {
  if (!value.includes("…")) return value;
  const withIds = value.replace(/wx…/g, appId);
  if (jsonMapKeys.has(key.replace(/^wechat:/, ""))) {
    try {
      const parsed: unknown = JSON.parse(withIds.replace(/,\s*…/g, "").replace(/…/g, "placeholder-value"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length > 0) return JSON.stringify(parsed);
    } catch {
      // Not JSON with placeholders in it: a bare `…`.
    }
    return JSON.stringify({ [appId]: "placeholder-value" });
  }
  return withIds.replace(/…/g, "placeholder");
}

let stack: PulumiStack;

beforeAll(async () => {
  const dir = join(inject("e2e").workspace, "projects", `documented-commands-${process.pid}`);
  writeProgram(dir, { name: "documented-commands" });
  stack = new PulumiStack({ dir, stack: "docs", env: pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase }) });
  await stack.must(["stack", "init"]);
});

describe("the docs' `pulumi config set` commands, on the real CLI", () => {
  it("the CLI refuses a plaintext redis:// URL for wechat:tokenStore unless told --plaintext (the premise)", async () => {
    const refused = await stack.run(["config", "set", "wechat:tokenStore", "redis://redis.internal:6379/0"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("looks like a secret");
    await stack.must(["config", "set", "--plaintext", "wechat:tokenStore", "redis://redis.internal:6379/0"]);
    expect((await stack.must(["config", "get", "wechat:tokenStore"])).stdout.trim()).toBe("redis://redis.internal:6379/0");
    await stack.must(["config", "rm", "wechat:tokenStore"]);
  });

  it("every documented command sets a real wechat: key, and succeeds as written", async () => {
    const { commands, mentions } = documentedCommands();
    // An extraction that found nothing, or skipped a line it could not read, must not pass.
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(mentions.filter((m) => !commands.some((c) => c.file === m.file && c.line === m.line)).map((m) => `${m.file}:${m.line}`)).toEqual([]);

    const known = new Set<string>(configKeys.map((key) => `wechat:${key}`));
    for (const key of jsonMapKeys) expect(known.has(`wechat:${key}`), key).toBe(true);
    const unknown = commands.map((c) => ({ c, key: prepare(c).key })).filter(({ key }) => key === undefined || (key.startsWith("wechat:") && !known.has(key)));
    expect(unknown.map(({ c, key }) => `${c.file}:${c.line}: ${c.text} sets ${key ?? "no key"}, not one of provider/config.ts's configKeys`)).toEqual([]);

    const failures: string[] = [];
    for (const command of commands) {
      const { flags, key, value } = prepare(command);
      const where = `${command.file}:${command.line}: ${command.text}`;
      const result = await stack.run(["config", "set", ...flags, key, ...(value === undefined ? [] : [value])]);
      if (result.code !== 0) {
        failures.push(`${where}\n  pulumi exited ${result.code}: ${(result.stderr + result.stdout).trim()}`);
        continue;
      }
      // The value the docs meant is the one stored: the shell's quoting was read as the reader's shell reads it.
      const get = await stack.run(["config", "get", ...(flags.includes("--path") ? ["--path"] : []), key]);
      if (get.code !== 0 || (value !== undefined && get.stdout.trim() !== value)) failures.push(`${where}\n  pulumi config get ${key} gave ${get.code !== 0 ? `exit ${get.code}` : "another value"}`);
    }
    expect(failures, `${failures.length} of ${commands.length} documented commands failed:\n\n${failures.join("\n\n")}`).toEqual([]);
  });
});
