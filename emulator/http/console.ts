import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { dirname, join } from "node:path";

/** The console's files (under emulator/console/), by their path after `/__emulator/`. */
export const CONSOLE_FILES = new Map([
  ["console", { file: "index.html", type: "text/html; charset=utf-8" }],
  ["console/console.js", { file: "console.js", type: "text/javascript; charset=utf-8" }],
  ["console/console.css", { file: "console.css", type: "text/css; charset=utf-8" }],
]);

/**
 * The page loads nothing but the emulator's own files and talks to nothing else, whatever a seed's nickname holds.
 * The icon is the HTML's empty `data:` one, so that no browser asks for /favicon.ico, a WeChat path to the emulator.
 */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const contents = new Map<string, Buffer>();

/** Answers with one of the console's files, read once and kept: they are a few kilobytes and never change while the emulator runs. */
export function sendConsoleFile(response: ServerResponse, path: string): void {
  const { file, type } = CONSOLE_FILES.get(path)!;
  let content = contents.get(file);
  if (!content) {
    content = readFileSync(join(consoleDirectory(), file));
    contents.set(file, content);
  }
  response.writeHead(200, {
    "content-type": type,
    "content-length": content.length,
    "cache-control": "no-cache",
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
  });
  response.end(content);
}

/**
 * emulator/console/ ships as it is (package.json's `files`), not compiled, so it lies under the package's root: the
 * nearest folder above this module with a package.json, whether this runs from the TypeScript sources or from dist/.
 */
function consoleDirectory(): string {
  for (let folder = __dirname; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return join(folder, "emulator", "console");
    if (dirname(folder) === folder) throw new Error(`no package.json above ${__dirname}: cannot find the console's files`);
  }
}
