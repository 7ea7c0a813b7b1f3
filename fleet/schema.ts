import { type Field, onRejectedValues } from "../provider/inputs";
import { type LinkSpec, type PluginSpec, appIdField, fleetProviders, linkFields, onRejectedField, pluginFields } from "./spec";

/**
 * The JSON Schema of the fleet spec, for editors (`# yaml-language-server: $schema=…`, or `"$schema"` in JSON).
 * Built from the field lists parseFleetSpec checks, so the two cannot disagree on which fields exist or are
 * required; fleet/fleet-spec.schema.json is this object, written out (a test keeps it so). Draft-07, the draft
 * editors support best. What a schema cannot say (duplicates across lists, unknown plugin sets) only
 * parseFleetSpec checks.
 */

// The resources' value rules (provider/inputs.ts) as JSON Schema; a test holds each pattern to parseFleetSpec.
const kinds: Record<Field["kind"], object> = {
  appId: { type: "string", pattern: "^wx[0-9a-f]{16}$" },
  version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+$" },
  text: { type: "string", pattern: "\\S" },
  boolean: { type: "boolean" },
  username: { type: "string", pattern: "^gh_[0-9A-Za-z_]+$" },
  onRejected: { type: "string", enum: onRejectedValues },
};

// Keyed by the spec's types, which are the resources' inputs: an input a resource gains needs its words here.
const descriptions: Record<"appId" | keyof PluginSpec | keyof LinkSpec, string> = {
  appId: "The account's app id: wx followed by 16 lowercase hex digits.",
  pluginAppId: "The plugin's app id.",
  version: "The plugin version to run (x.y.z), set by quick update once the plugin is approved.",
  reason: "Shown to the plugin developer with the application.",
  adopt: "Passed to the resource's adopt input.",
  onRejected:
    'What `up` does with an application the plugin developer rejected: "reapply" unbinds it and applies again, "keep" leaves it rejected and reports it. An expired application is applied for again either way. Default: the spec\'s top-level onRejected, else "reapply".',
  miniProgramAppId: "The mini program's app id.",
  notifyUsers: "Notify the official account's followers when the link is made. Default false.",
  showProfile: "Show the mini program on the official account's profile; a change relinks. Default false.",
  miniProgramUsername: "The mini program's original id (gh_…).",
};

interface EntrySchema {
  type: "object";
  additionalProperties: false;
  required: string[];
  properties: Record<string, object>;
}

function property(field: Field, description = descriptions[field.name as keyof typeof descriptions]): object {
  return { description, ...kinds[field.kind] };
}

function entry(fields: Field[], lists: Record<string, object> = {}): EntrySchema {
  return {
    type: "object",
    additionalProperties: false,
    required: fields.filter((f) => f.required).map((f) => f.name),
    properties: { ...Object.fromEntries(fields.map((f) => [f.name, property(f)])), ...lists },
  };
}

const listOf = (definition: string, description: string) => ({ type: "array", description, items: { $ref: `#/definitions/${definition}` } });

export const fleetSpecSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "pulumi-wechat fleet spec",
  description: "The plugins of each mini program and the links of each official account that a platform manages.",
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string", description: "This schema's location, for editors." },
    onRejected: property(onRejectedField, 'The onRejected of every plugin that does not set its own: "reapply" (the default) or "keep".'),
    provider: {
      type: "string",
      enum: fleetProviders,
      description:
        'Which Pulumi provider the stacks declare the resources with: "dynamic" (the default: pulumi-wechat\'s dynamic resources) or "native" (the wechat provider plugin, which must be installed; a fleet moves to it without a replacement, and not back).',
    },
    pluginSets: {
      type: "object",
      description: "Named lists of plugins, applied to every mini program that names them.",
      additionalProperties: { type: "array", items: { $ref: "#/definitions/plugin" } },
    },
    miniPrograms: listOf("miniProgram", "Each mini program once."),
    officialAccounts: listOf("officialAccount", "Each official account once."),
  },
  definitions: {
    plugin: entry(pluginFields),
    link: entry(linkFields),
    miniProgram: entry([appIdField], {
      pluginSets: { type: "array", description: "Plugin sets to apply, before `plugins`.", items: { type: "string" }, uniqueItems: true },
      plugins: listOf("plugin", "Plugins besides the sets'; one the sets declare too must say the same."),
    }),
    officialAccount: entry([appIdField], { links: listOf("link", "Each mini program once.") }),
  },
};
