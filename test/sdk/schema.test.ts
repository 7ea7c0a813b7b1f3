// schema.json at the repository's root is what `npm run gen:sdk` wrote from the code (provider/native/schema.ts, built
// from the resources' own field tables): the SDKs are generated from the file, the provider serves the code's, and they
// must be the same schema.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { packageSchema } from "../../provider/native/schema";

const root = resolve(__dirname, "../..");

describe("schema.json", () => {
  it("is the code's package schema at package.json's version, as npm run gen:sdk writes it", () => {
    const { version } = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { version: string };
    const committed = readFileSync(resolve(root, "schema.json"), "utf8");
    expect(JSON.parse(committed), "schema.json differs from provider/native/schema.ts: run npm run gen:sdk").toEqual(packageSchema(version));
    // Byte for byte too, so that a regeneration never shows as a change.
    expect(committed).toBe(`${JSON.stringify(packageSchema(version), null, 2)}\n`);
  });
});
