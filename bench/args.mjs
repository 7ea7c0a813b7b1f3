// The benchmarks' command lines: Node's own parser, `--help`, and whole-number options that say which and why.
import { parseArgs } from "node:util";

/** Parses `options` (node:util's format, `help` added); prints `usage` and exits 0 on --help. */
export function benchArgs(usage, options) {
  const { values } = parseArgs({ options: { ...options, help: { type: "boolean", default: false } } });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}

/** `value` as a whole number of at least `min`, or an error naming the flag. */
export function whole(name, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${value}`);
  return n;
}
