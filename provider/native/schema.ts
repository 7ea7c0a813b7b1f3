import { configKeys, configSettings } from "../config";
import { type TypeName, nativeTypePrefix } from "../identity";
import { type Field, type OutputField } from "../inputs";
import { linkInputFields, linkOutputFields } from "../link";
import { pluginInputFields, pluginOutputFields } from "../plugin";

/**
 * The native provider's Pulumi package schema, built from the resources' own field tables and the configuration's:
 * the one source of truth for what the provider serves (GetSchema), for `schema.json` at the repository's root (a test
 * keeps it equal to this) and for the SDKs generated from it (`npm run gen:sdk`).
 */

/** The package's name: its resources' type tokens are `wechat:index:<TypeName>`, its plugin `pulumi-resource-wechat`. */
export const packageName = "wechat";

export function nativeType(name: TypeName): string {
  return `${nativeTypePrefix}${name}`;
}

type Property = { type: "string" | "integer" | "boolean"; description: string; secret?: boolean };

const kindTypes: Record<Field["kind"], Property["type"]> = {
  appId: "string",
  version: "string",
  text: "string",
  boolean: "boolean",
  username: "string",
  onRejected: "string",
};

function inputProperties(fields: Field[]): Record<string, Property> {
  return Object.fromEntries(fields.map((f) => [f.name, { type: kindTypes[f.kind], description: f.description }]));
}

function resource(description: string, inputs: Field[], outputs: Record<string, OutputField>) {
  const described = Object.entries(outputs);
  const required = inputs.filter((f) => f.required).map((f) => f.name);
  return {
    description,
    inputProperties: inputProperties(inputs),
    requiredInputs: required,
    properties: { ...inputProperties(inputs), ...Object.fromEntries(described.map(([name, { type, description }]) => [name, { type, description }])) },
    required: [...required, ...described.filter(([, output]) => output.required).map(([name]) => name)],
  };
}

/** The schema for package version `version` (package.json's). */
export function packageSchema(version: string): Record<string, unknown> {
  const config = Object.fromEntries(
    configKeys.map((key) => {
      const { type, secret, description } = configSettings[key];
      return [key, { type, description, ...(secret ? { secret: true } : {}) }];
    }),
  );
  return {
    name: packageName,
    displayName: "WeChat",
    version,
    description: "WeChat mini program plugins and official-account links, managed from Pulumi.",
    keywords: ["pulumi", "wechat", "mini-program", "category/cloud"],
    license: "Apache-2.0",
    publisher: "pulumi-wechat",
    config: { variables: config },
    provider: { description: "The provider's settings: the same wechat:* keys as stack config.", inputProperties: config },
    resources: {
      [nativeType("MiniProgramPlugin")]: resource(
        "A plugin a mini program uses: applied for on create, its version set by quick update, unbound on delete. Import id: <appId>/<pluginAppId>.",
        pluginInputFields,
        pluginOutputFields,
      ),
      [nativeType("OfficialAccountLink")]: resource(
        "A mini program linked to an official account: invited on create, unlinked on delete. Import id: <officialAccountAppId>/<miniProgramAppId>.",
        linkInputFields,
        linkOutputFields,
      ),
    },
    // respectSchemaVersion: each SDK carries this version (package.json, pyproject.toml, pulumi-plugin.json), so
    // its resources ask the engine for the provider plugin of the same version instead of a "${VERSION}" or 0.0.0
    // placeholder a release pipeline would replace. Python as pyproject.toml, which pip builds without a setup.py.
    language: {
      nodejs: {
        packageName: "@pulumi-wechat/wechat",
        packageDescription: "WeChat mini program plugins and official-account links (native provider SDK).",
        respectSchemaVersion: true,
      },
      python: { packageName: "pulumi_wechat", respectSchemaVersion: true, pyproject: { enabled: true } },
      go: { importBasePath: "github.com/pulumi-wechat/pulumi-wechat/sdk/go/wechat", generateResourceContainerTypes: false, respectSchemaVersion: true },
      csharp: { rootNamespace: "PulumiWechat", respectSchemaVersion: true },
    },
  };
}
