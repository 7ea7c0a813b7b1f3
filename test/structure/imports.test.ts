import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The layers of docs' architecture note, checked on the import graph of the sources the package ships (the files
// tsconfig.build.json includes, so a new top-level folder is covered as soon as it is built). Every kind of import
// counts, type-only ones too: a type import still ties one module's meaning to another's, and the layering is about
// who knows of whom, not about what survives compilation.

const root = resolve(__dirname, "../..");
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };

/** A file by its path from the repository's root, with forward slashes: `emulator/model/world.ts`. */
type File = string;

interface Graph {
  files: File[];
  /** The project's files each file imports. */
  imports: Map<File, Set<File>>;
  /** Of those, the ones that survive compilation (not `import type`): what loading the file loads. */
  valueImports: Map<File, Set<File>>;
  /** The packages each file imports by a value import (`@pulumi/pulumi`, `node:fs`), by the specifier it wrote. */
  valuePackages: Map<File, Set<string>>;
  /** Relative specifiers that name no file: the graph would silently miss an edge. */
  unresolved: string[];
}

interface Specifier {
  text: string;
  typeOnly: boolean;
}

/** `import`, `import type`, `export … from`, `import x = require(…)`, `require(…)`, `import(…)` and `typeof import(…)`. */
function specifiers(file: File): Specifier[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest, true);
  const found: Specifier[] = [];
  const add = (node: ts.Node | undefined, typeOnly: boolean) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ text: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(): File[] {
  const configPath = join(root, "tsconfig.build.json");
  const { config, error } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  return parsed.fileNames.filter((name) => !name.endsWith(".d.ts")).map(fromRoot).sort();
}

function fromRoot(path: string): File {
  return relative(root, path).split(sep).join("/");
}

/** `x.ts` or `x/index.ts` for `./x`; `x.ts` for `./x.js` (nodenext's spelling). */
function resolveRelative(from: File, specifier: string): string | undefined {
  const base = resolve(root, dirname(from), specifier);
  const stem = base.replace(/\.[cm]?js$/, "");
  const candidates = [`${stem}.ts`, join(stem, "index.ts"), base];
  return candidates.find((candidate) => ts.sys.fileExists(candidate));
}

/** `pulumi-wechat/runtime` is the package naming itself: its export map leads to a compiled file of one of ours. */
function resolveSelf(specifier: string): string | undefined {
  const subpath = specifier === packageJson.name ? "." : `.${specifier.slice(packageJson.name.length)}`;
  let target = packageJson.exports[subpath];
  if (typeof target === "object" && target !== null) target = (target as Record<string, unknown>).default;
  if (typeof target !== "string") return undefined;
  const source = target.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts");
  const path = resolve(root, source);
  return existsSync(path) ? path : undefined;
}

function buildGraph(): Graph {
  const files = sourceFiles();
  const known = new Set(files);
  const graph: Graph = { files, imports: new Map(), valueImports: new Map(), valuePackages: new Map(), unresolved: [] };
  for (const file of files) {
    const targets = new Set<File>();
    const valueTargets = new Set<File>();
    const valuePackages = new Set<string>();
    for (const { text: specifier, typeOnly } of specifiers(file)) {
      const self = specifier === packageJson.name || specifier.startsWith(`${packageJson.name}/`);
      if (!specifier.startsWith(".") && !self) {
        if (!typeOnly) valuePackages.add(specifier);
        continue;
      }
      const path = self ? resolveSelf(specifier) : resolveRelative(file, specifier);
      if (path === undefined) {
        if (!self) graph.unresolved.push(`${file}: "${specifier}"`);
        continue;
      }
      const target = fromRoot(path);
      // JSON schemas and the like are data, not modules of the graph.
      if (!known.has(target)) continue;
      targets.add(target);
      if (!typeOnly) valueTargets.add(target);
    }
    graph.imports.set(file, targets);
    graph.valueImports.set(file, valueTargets);
    graph.valuePackages.set(file, valuePackages);
  }
  return graph;
}

/** Tarjan's strongly connected components; every component of more than one file, or a file importing itself, holds a cycle. */
function cyclicComponents(graph: Graph): File[][] {
  const index = new Map<File, number>();
  const low = new Map<File, number>();
  const stack: File[] = [];
  const onStack = new Set<File>();
  const components: File[][] = [];
  let next = 0;
  const visit = (file: File): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.imports.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: File[] = [];
      let member: File;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || graph.imports.get(file)!.has(file)) components.push(component.sort());
    }
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return components;
}

/** The shortest chain of `edges` from `from` to a file `isTarget` accepts, through files `allowed` accepts; undefined if none. */
function shortestPath(
  edges: Map<File, Set<File>>,
  from: File,
  isTarget: (file: File) => boolean,
  allowed: (file: File) => boolean = () => true,
): File[] | undefined {
  const previous = new Map<File, File | undefined>([[from, undefined]]);
  const queue: File[] = [from];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of edges.get(file) ?? []) {
      if (!allowed(target)) continue;
      if (isTarget(target)) {
        const path = [target, file];
        for (let step = previous.get(file); step !== undefined; step = previous.get(step)) path.push(step);
        return path.reverse();
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return undefined;
}

/** One cycle of each component, as `a → b → … → a`, starting at its first file in alphabetical order. */
function describeCycles(graph: Graph): string[] {
  return cyclicComponents(graph).map((component) => {
    const members = new Set(component);
    const start = component[0];
    const path = shortestPath(graph.imports, start, (file) => file === start, (file) => members.has(file))!;
    const others = component.length > path.length - 1 ? ` (its circle holds ${component.length} files: ${component.join(", ")})` : "";
    return path.join(" → ") + others;
  });
}

interface Rule {
  /** The files the rule is about. */
  from: (file: File) => boolean;
  /** What they must not reach by any chain of imports, type-only ones included. */
  forbidden: (file: File) => boolean;
  /**
   * Packages they must not load, directly or through files they load. Only imports that survive compilation count:
   * the resources take the shapes of Pulumi's dynamic provider results by `import type`, which ties them to no host
   * at run time (a native provider or the fleet runner loads them without loading the SDK).
   */
  forbiddenPackage?: (specifier: string) => boolean;
}

/**
 * Every file of `rule.from` that reaches a forbidden file or package, with the chain that gets there: a file reached
 * through other files is as much a dependency as one imported directly (the emulator's model reached its HTTP layer
 * through the seed).
 */
function violations(graph: Graph, rule: Rule): string[] {
  const found: string[] = [];
  for (const file of graph.files.filter(rule.from)) {
    const path = shortestPath(graph.imports, file, rule.forbidden);
    if (path) found.push(path.join(" → "));
    const forbiddenPackage = rule.forbiddenPackage;
    if (forbiddenPackage) {
      const loadsForbidden = (candidate: File) => [...graph.valuePackages.get(candidate)!].some(forbiddenPackage);
      const carrier = loadsForbidden(file) ? [file] : shortestPath(graph.valueImports, file, loadsForbidden);
      if (carrier) found.push([...carrier, [...graph.valuePackages.get(carrier[carrier.length - 1])!].find(forbiddenPackage)!].join(" → "));
    }
  }
  return found;
}

function report(problems: string[]): string {
  return problems.map((problem) => `\n  ${problem}`).join("");
}

const under = (folder: string) => (file: File) => file.startsWith(`${folder}/`);
const oneOf = (...files: File[]) => (file: File) => files.includes(file);
const either =
  (...tests: Array<(file: File) => boolean>) =>
  (file: File) =>
    tests.some((test) => test(file));

const graph = buildGraph();

describe("the import graph of the shipped sources", () => {
  it("is read from every folder tsconfig.build.json includes, and every relative import names a file", () => {
    for (const folder of ["provider", "emulator", "fleet", "cli"]) expect(graph.files.some(under(folder)), `no files under ${folder}/`).toBe(true);
    expect(graph.unresolved, `imports that name no file:${report(graph.unresolved)}`).toEqual([]);
    // The graph is not empty of edges: a parser that found nothing would pass every rule below.
    expect(graph.imports.get("emulator/index.ts")).toContain("emulator/model/world.ts");
  });

  it("has no import cycles, type-only imports included", () => {
    const cycles = describeCycles(graph);
    expect(cycles, `import cycles (break each so that imports point one way):${report(cycles)}`).toEqual([]);
  });

  it("keeps commands on top: nothing under fleet/ reaches cli/", () => {
    const found = violations(graph, { from: under("fleet"), forbidden: under("cli") });
    expect(found, `fleet/ reaches cli/ (move what both use into a library folder):${report(found)}`).toEqual([]);
  });

  it("keeps the emulator its own product: nothing under emulator/ reaches provider/, fleet/ or cli/", () => {
    const found = violations(graph, { from: under("emulator"), forbidden: either(under("provider"), under("fleet"), under("cli")) });
    expect(found, `emulator/ reaches the provider, the fleet or a command:${report(found)}`).toEqual([]);
  });

  it("keeps the emulator's rules apart from its HTTP: nothing under emulator/model/ reaches emulator/http/", () => {
    const found = violations(graph, { from: under("emulator/model"), forbidden: under("emulator/http") });
    expect(found, `emulator/model/ reaches emulator/http/:${report(found)}`).toEqual([]);
  });

  it("keeps the client and the resources free of any Pulumi host: they reach neither provider/runtime.ts, provider/dynamic/ nor @pulumi/pulumi", () => {
    const found = violations(graph, {
      from: either(under("provider/client"), oneOf("provider/plugin.ts", "provider/link.ts", "provider/inputs.ts", "provider/adoption.ts", "provider/config.ts")),
      forbidden: either(oneOf("provider/runtime.ts"), under("provider/dynamic")),
      forbiddenPackage: (specifier) => specifier === "@pulumi/pulumi" || specifier.startsWith("@pulumi/pulumi/"),
    });
    expect(found, `the client or a resource reaches a Pulumi host:${report(found)}`).toEqual([]);
  });

  it("keeps the provider below the commands: nothing under provider/ reaches fleet/ or cli/", () => {
    const found = violations(graph, { from: under("provider"), forbidden: either(under("fleet"), under("cli")) });
    expect(found, `provider/ reaches fleet/ or cli/:${report(found)}`).toEqual([]);
  });
});
