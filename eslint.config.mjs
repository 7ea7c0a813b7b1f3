// ESLint with typescript-eslint's type-aware rules: most of this code is asynchronous (WeChat calls, the CLI, the
// emulator's sockets), and a forgotten `await` or a promise passed where a callback is expected type-checks fine
// but loses errors. Those rules need the type checker, which is why this and not a syntax-only linter.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  // sdk/ is generated from schema.json by Pulumi's code generator (npm run gen:sdk); build/ holds the provider plugin.
  { ignores: ["dist/", "node_modules/", ".e2e/", ".pulumi-state/", "scripts/pulumi-language-nodejs", "sdk/", "build/"] },
  js.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Tests and the provider's boundary read untyped JSON on purpose; `any` is flagged where it is declared.
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { ...globals.node } },
    rules: { "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }] },
  },
);
