import type * as pulumi from "@pulumi/pulumi";
import { isAppId } from "./config";

/** What the engine sends, during preview, for a value not known yet. */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === unknownValue;
}

type Kind = "appId" | "version" | "text" | "boolean" | "username" | "onRejected";

/** What MiniProgramPlugin does with an application the plugin developer refused; "reapply" when unset. */
export const onRejectedValues = ["reapply", "keep"] as const;
export type OnRejected = (typeof onRejectedValues)[number];

export interface Field {
  name: string;
  kind: Kind;
  required?: boolean;
  /** What the property means, for the native provider's schema and the SDKs generated from it. */
  description: string;
}

/**
 * A resource's outputs beyond its inputs, each with its type and meaning: the native provider's schema takes them from
 * here (provider/native/schema.ts). Every output must be listed, optional ones included.
 */
export type OutputFields<Outputs, Inputs> = { [K in Exclude<keyof Outputs, keyof Inputs>]-?: OutputField };

export interface OutputField {
  type: "string" | "integer" | "boolean";
  required: boolean;
  description: string;
}

const rules: Record<Kind, { test: (value: unknown) => boolean; expected: string }> = {
  appId: { test: (v) => typeof v === "string" && isAppId(v), expected: "an app id: wx followed by 16 lowercase hex digits" },
  version: { test: (v) => typeof v === "string" && /^\d+\.\d+\.\d+$/.test(v), expected: "a version x.y.z, e.g. 2.2.46" },
  text: { test: (v) => typeof v === "string" && v.trim() !== "", expected: "a non-empty string" },
  boolean: { test: (v) => typeof v === "boolean", expected: "true or false" },
  username: { test: (v) => typeof v === "string" && /^gh_[0-9A-Za-z_]+$/.test(v), expected: "a mini program original id: gh_ followed by letters and digits" },
  onRejected: { test: (v) => (onRejectedValues as readonly unknown[]).includes(v), expected: `"reapply" (the default: unbind and apply again) or "keep" (leave it refused)` },
};

/**
 * Validates a resource's inputs before anything reaches WeChat: every failure names its property. Unknown
 * values (preview) pass, and keys the resource does not know are refused rather than silently ignored.
 */
export function checkFields(inputs: object, fields: Field[]): pulumi.dynamic.CheckFailure[] {
  const news = inputs as Record<string, unknown>;
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(news)) {
    if (key !== "__provider" && !known.has(key) && news[key] !== undefined) {
      failures.push({ property: key, reason: `unknown property "${key}"; expected ${[...known].join(", ")}` });
    }
  }
  for (const field of fields) {
    const value = news[field.name];
    if (value === undefined || value === null) {
      if (field.required) failures.push({ property: field.name, reason: `${field.name} is required` });
    } else if (!isUnknown(value) && !rules[field.kind].test(value)) {
      failures.push({ property: field.name, reason: `${field.name} must be ${rules[field.kind].expected}; got ${describe(value)}` });
    }
  }
  return failures;
}

/** Only the declared keys, without the ones left unset. */
export function pick<T extends object>(values: T, fields: Field[]): T {
  const given = values as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const field of fields) if (given[field.name] !== undefined && given[field.name] !== null) result[field.name] = given[field.name];
  return result as T;
}

/** What a diff decided, and the warnings that say why, for the caller to show: `diff` itself has no effects. */
export interface Diff {
  result: pulumi.dynamic.DiffResult;
  warnings: string[];
}

/**
 * What a read returns. Pulumi's `ReadResult<Outputs>` types `inputs` as the outputs, but they are the inputs: the
 * engine diffs the program against them after a refresh.
 */
export interface Read<Inputs, Outputs> {
  /** Empty when the resource is gone: the engine then drops it from the state. */
  id: string;
  props?: Outputs;
  inputs?: Inputs;
}

function describe(value: unknown): string {
  if (typeof value === "string") return value === "" ? "an empty string" : JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  return value === null ? "null" : typeof value === "object" ? "an object" : typeof value;
}
