// The documentation against the repository: every relative link and #anchor in README.md and docs/*.md resolves, each
// page's contents list its sections, and the flags the docs show for the three commands are the flags their --help
// prints, both ways. The commands' help comes from the built JavaScript (npm test builds dist/ before vitest).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
const read = (page: string): string => readFileSync(join(root, page), "utf8");

/** The lines of a Markdown text outside fenced code blocks, with their line numbers (1-based), and those inside. */
function splitFences(text: string): { prose: { line: number; text: string }[]; code: { line: number; text: string; block: number }[] } {
  const prose: { line: number; text: string }[] = [];
  const code: { line: number; text: string; block: number }[] = [];
  let fence: string | undefined;
  let block = 0;
  text.split("\n").forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      block += 1;
    } else if (fence !== undefined && marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) {
      fence = undefined;
    } else if (fence !== undefined) {
      code.push({ line: index + 1, text: line, block });
    } else {
      prose.push({ line: index + 1, text: line });
    }
  });
  return { prose, code };
}

/** A heading's text as GitHub renders it: links to their text, no inline code marks, emphasis or HTML. */
function headingText(source: string): string {
  return source
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]*>/g, "")
    .replace(/[`*]/g, "")
    .trim();
}

/** GitHub's anchor for a heading: lower case, punctuation other than '-' and '_' removed, each space a '-'. */
function slug(source: string): string {
  return headingText(source)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

type Heading = { level: number; source: string; anchor: string };

/** The headings of a page with their anchors; a repeated one gets -1, -2, … as on GitHub. */
function headings(text: string): Heading[] {
  const seen = new Map<string, number>();
  const found: Heading[] = [];
  for (const { text: line } of splitFences(text).prose) {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = slug(match[2]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.push({ level: match[1].length, source: match[2], anchor: count === 0 ? base : `${base}-${count}` });
  }
  return found;
}

/** Inline code spans replaced by a placeholder of their length (so that links in code are not links). */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, "x"));
}

type Link = { page: string; line: number; target: string };

function links(page: string): Link[] {
  const found: Link[] = [];
  const { prose } = splitFences(read(page));
  // Rejoined so that a link wrapped over two lines is still found; line numbers from the offsets.
  const text = withoutCodeSpans(prose.map((entry) => entry.text).join("\n"));
  const lineAt = (offset: number): number => prose[text.slice(0, offset).split("\n").length - 1].line;
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    found.push({ page, line: lineAt(match.index), target: match[1] });
  }
  for (const match of text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) found.push({ page, line: lineAt(match.index), target: match[1] });
  return found;
}

describe("the documentation's links", () => {
  const all = pages.flatMap(links);

  it("finds the pages and their links", () => {
    expect(pages).toContain("README.md");
    expect(pages.length).toBeGreaterThan(5);
    expect(all.length).toBeGreaterThan(50);
  });

  it("every relative link names a file that exists, and every #anchor a heading of its page", () => {
    const broken: string[] = [];
    for (const { page, line, target } of all) {
      if (/^(https?:|mailto:)/i.test(target)) continue;
      const [path, anchor] = target.split("#", 2) as [string, string | undefined];
      const file = path === "" ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(path));
      const where = `${page}:${line}: link ${target}`;
      if (!existsSync(file)) {
        broken.push(`${where}: ${relative(root, file)} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === "") continue;
      if (statSync(file).isDirectory() || !file.endsWith(".md")) {
        broken.push(`${where}: an anchor into ${relative(root, file)}, which is not a Markdown page`);
        continue;
      }
      const anchors = headings(readFileSync(file, "utf8")).map((heading) => heading.anchor);
      if (!anchors.includes(anchor)) broken.push(`${where}: ${relative(root, file)} has no heading #${anchor}`);
    }
    expect(broken, broken.join("\n")).toEqual([]);
  });

  it("slugs headings as GitHub does", () => {
    expect(slug("Tokens from your platform's Redis")).toBe("tokens-from-your-platforms-redis");
    expect(slug("`pulumi up` or `pulumi destroy` killed")).toBe("pulumi-up-or-pulumi-destroy-killed");
    expect(slug("Credentials: environment only, through a token broker")).toBe("credentials-environment-only-through-a-token-broker");
    expect(slug("Performance → Fleets")).toBe("performance--fleets");
    expect(headings("## Fleets\n\n```\n## not a heading\n```\n\n### Fleets\n").map((heading) => heading.anchor)).toEqual(["fleets", "fleets-1"]);
  });

  it("each page under docs/ opens with a list of links to its ## and ### sections", () => {
    const missing: string[] = [];
    for (const page of pages.filter((name) => name.startsWith("docs/"))) {
      const text = read(page);
      const sections = headings(text).filter((heading) => heading.level === 2 || heading.level === 3);
      const firstSection = text.search(/^##\s/m);
      const top = firstSection === -1 ? text : text.slice(0, firstSection);
      for (const section of sections) {
        if (!top.includes(`](#${section.anchor})`)) missing.push(`${page}: the contents at the top lack a link to "${section.source}" (#${section.anchor})`);
      }
    }
    expect(missing, missing.join("\n")).toEqual([]);
  });

  it("keeps the README a front door: at most 400 lines", () => {
    const lines = read("README.md").split("\n").length;
    expect(lines, `README.md has ${lines} lines; move detail to a page under docs/`).toBeLessThanOrEqual(400);
  });

  it("names every source file in the project layout (docs/architecture.md)", () => {
    const layout = read("docs/architecture.md");
    const sources = execFileSync("git", ["ls-files", "provider", "emulator", "fleet", "cli", "drift", "bench", "scripts"], { cwd: root, encoding: "utf8" })
      .split("\n")
      .filter((file) => /\.(ts|mjs|mts|sh|json)$/.test(file) || file === "scripts/pulumi-language-nodejs");
    expect(sources.length).toBeGreaterThan(50);
    // A file is named by its path, or by its name in the row of its folder (`provider/client/` … `retry.ts`).
    const unnamed = sources.filter((file) => !layout.includes(`\`${file}\``) && !layout.includes(`\`${file.split("/").pop()}\``));
    expect(unnamed, "files the project layout in docs/architecture.md does not name").toEqual([]);
  });

  it("keeps the set-up commands the CI and users rely on", () => {
    expect(read("README.md")).toContain(
      "npm ci && npm run demo     # the quick start, end to end, against the local WeChat emulator\n" +
        "npm ci && npm test         # every test: lint and type-check, unit, the console in Chromium, end to end on the real Pulumi CLI\n",
    );
  });
});

// --- The commands' flags ---------------------------------------------------------------------------------------------

type Command = { name: string; script: string; aliases: RegExp[] };

const commands: Command[] = [
  { name: "pulumi-wechat-fleet", script: "dist/fleet/cli.js", aliases: [] },
  { name: "pulumi-wechat-drift", script: "dist/cli/drift.js", aliases: [/(?<![\w./-])npm run drift(?![\w:-])/g] },
  { name: "pulumi-wechat-emulator", script: "dist/emulator/cli.js", aliases: [] },
];

/** A command's name as a word: not part of a path, a file name (.pulumi-wechat-fleet/) or a tag (pulumi-wechat-fleet:shards). */
const nameOf = (command: Command): RegExp[] => [new RegExp(`(?<![\\w./-])${command.name}(?![\\w./:-])`, "g"), ...command.aliases];

const flagPattern = /(?<![\w-])--[a-z][a-z-]*/g;
const flagsIn = (text: string): string[] => [...text.matchAll(flagPattern)].map((match) => match[0]);

/**
 * The flags a command's --help prints: those of its usage lines (up to the first blank line) and of its option lines
 * (a line whose first word is a flag). Prose in the help, such as the drift command's "runs `pulumi preview --refresh
 * --run-program`", names Pulumi's flags, not the command's, and is left out.
 */
function helpFlags(help: string): Set<string> {
  const lines = help.split("\n");
  const blank = lines.findIndex((line) => line.trim() === "");
  const usage = lines.slice(0, blank === -1 ? lines.length : blank);
  const options = lines.filter((line) => /^\s*-/.test(line)).map((line) => line.trim().split(/\s{2,}/)[0]);
  return new Set([...usage, ...options].flatMap(flagsIn));
}

/** The part of a shell line that belongs to the command starting at `start`: up to a comment, a pipe or the next command. */
function invocation(line: string, start: number): string {
  const rest = line.slice(start);
  const end = rest.search(/\s#|\s\|\s?|&&|;|\$\(|\)/);
  return end === -1 ? rest : rest.slice(0, end);
}

type Shown = { page: string; line: number; flag: string; command: string };

/**
 * The flags the docs show for a command: in code blocks, on the lines that invoke it (and the indented lines that
 * continue them); in prose, in the code spans that invoke it; and in the first column of a `| flag |` table that
 * follows, in the same page, a mention of the command and precedes any mention of another.
 */
function shownFlags(page: string): Shown[] {
  const text = read(page);
  const { prose, code } = splitFences(text);
  const shown: Shown[] = [];
  const add = (command: Command, line: number, part: string): void => {
    for (const flag of flagsIn(part)) shown.push({ page, line, flag, command: command.name });
  };
  const startsOf = (command: Command, line: string): number[] =>
    nameOf(command).flatMap((pattern) => [...line.matchAll(pattern)].map((match) => match.index + match[0].length));

  // Code blocks: each invoking line, and its continuations (indented lines, or after a trailing backslash).
  let continuing: { command: Command; block: number } | undefined;
  let previous: (typeof code)[number] | undefined;
  for (const entry of code) {
    const isContinuation =
      continuing !== undefined &&
      previous !== undefined &&
      previous.block === entry.block &&
      previous.line === entry.line - 1 &&
      (/^\s+\S/.test(entry.text) || /\\\s*$/.test(previous.text));
    let invoked = false;
    for (const command of commands) {
      for (const start of startsOf(command, entry.text)) {
        add(command, entry.line, invocation(entry.text, start));
        continuing = { command, block: entry.block };
        invoked = true;
      }
    }
    if (!invoked && isContinuation && continuing) add(continuing.command, entry.line, invocation(entry.text, 0));
    else if (!invoked) continuing = undefined;
    previous = entry;
  }

  // Code spans in prose (they may wrap over two lines of a paragraph).
  const joined = prose.map((entry) => entry.text).join("\n");
  const lineAt = (offset: number): number => prose[joined.slice(0, offset).split("\n").length - 1].line;
  for (const match of joined.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    const span = match[2];
    for (const command of commands) {
      for (const start of startsOf(command, span)) add(command, lineAt(match.index), invocation(span.replace(/\n/g, " "), start));
    }
  }

  // Flag tables: the command last named before the table owns it.
  let owner: Command | undefined;
  let inFlagTable = false;
  for (const entry of [...prose, ...code].sort((a, b) => a.line - b.line)) {
    const named = commands.filter((command) => startsOf(command, entry.text).length > 0);
    if (named.length > 0) owner = named[named.length - 1];
    if (/^\|\s*flag\s*\|/i.test(entry.text)) {
      inFlagTable = true;
      continue;
    }
    if (inFlagTable && /^\|/.test(entry.text)) {
      const first = entry.text.split("|")[1] ?? "";
      if (owner === undefined) shown.push(...flagsIn(first).map((flag) => ({ page, line: entry.line, flag, command: "(no command named before the table)" })));
      else add(owner, entry.line, first);
    } else {
      inFlagTable = false;
    }
  }
  return shown;
}

describe("the commands' flags in the documentation", () => {
  const help = new Map(
    commands.map((command) => {
      const script = join(root, command.script);
      const text = existsSync(script) ? execFileSync(process.execPath, [script, "--help"], { encoding: "utf8", cwd: root }) : "";
      return [command.name, text] as const;
    }),
  );
  const shown = pages.flatMap(shownFlags);

  it.each(commands)("$name --help prints its usage (from $script, built by npm run build)", (command) => {
    expect(existsSync(join(root, command.script)), `${command.script} is missing: run npm run build first`).toBe(true);
    const flags = helpFlags(help.get(command.name) ?? "");
    expect(flags.size, `no flags found in ${command.name} --help`).toBeGreaterThan(2);
  });

  it("does not take Pulumi's own flags for the commands'", () => {
    expect(helpFlags(help.get("pulumi-wechat-drift") ?? "")).not.toContain("--run-program");
    const drift = shown.filter((entry) => entry.command === "pulumi-wechat-drift").map((entry) => entry.flag);
    expect(drift).not.toContain("--run-program");
    expect(drift).not.toContain("--refresh");
  });

  it.each(commands)("every flag $name --help prints is documented for it", (command) => {
    const documented = new Set(shown.filter((entry) => entry.command === command.name).map((entry) => entry.flag));
    const undocumented = [...helpFlags(help.get(command.name) ?? "")].filter((flag) => !documented.has(flag));
    expect(
      undocumented.map((flag) => `${command.name} ${flag}: printed by --help, but no page (README.md, docs/*.md) shows it for ${command.name}`),
    ).toEqual([]);
  });

  it.each(commands)("every flag the docs show for $name exists in its --help", (command) => {
    const flags = helpFlags(help.get(command.name) ?? "");
    const unknown = shown.filter((entry) => entry.command === command.name && !flags.has(entry.flag));
    expect(unknown.map((entry) => `${entry.page}:${entry.line}: ${entry.flag} is shown for ${command.name}, whose --help has no such flag`)).toEqual([]);
  });

  it("attributes every flag table to a command", () => {
    const orphans = shown.filter((entry) => entry.command.startsWith("("));
    expect(orphans.map((entry) => `${entry.page}:${entry.line}: ${entry.flag} in a flag table no command owns`)).toEqual([]);
  });
});
