// Command sdkgen writes the SDKs of a Pulumi package schema with Pulumi's own code generator
// (github.com/pulumi/pulumi/pkg/v3/codegen), as `pulumi package gen-sdk` would if the language hosts
// that carry it could be installed here. scripts/gen-sdk.sh builds it in a wrapper module with Pulumi's
// replace directives (scripts/lib/pulumi-go-module.sh) and runs it:
//
//	sdkgen -schema schema.json -out sdk nodejs python go
//
// Each language's files go to <out>/<language>, which must not exist yet (the script gives it a fresh
// folder, so files the generator no longer writes do not linger). The languages a build can write are in
// generators: the newest code generator has no .NET one, so gen_dotnet.go (build tag dotnet) is built
// against the last pkg/v3 that had it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The tool name the generated files' "do not edit" headers name.
const tool = "pulumi-wechat (npm run gen:sdk)"

// generator writes one language's SDK as file paths (relative to its folder) and contents.
type generator func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error)

// generators is filled by the build's language files (gen_*.go).
var generators = map[string]generator{}

// noDependencies is the loader the generators get: the package refers to no other package (no external
// types, no parameterization), so any load is a mistake in the schema, reported as such.
type noDependencies struct{}

var errNoDependencies = errors.New("the schema refers to another package; sdkgen loads none")

func (noDependencies) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoDependencies
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "the folder that receives one folder per language")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: sdkgen [-schema FILE] [-out DIR] LANGUAGE...\nlanguages of this build: %s\n",
			strings.Join(languages(), ", "))
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *out, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func languages() []string {
	names := make([]string, 0, len(generators))
	for name := range generators {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func run(schemaPath, out string, langs []string) error {
	for _, lang := range langs {
		if generators[lang] == nil {
			return fmt.Errorf("this build cannot write %q (it writes: %s)", lang, strings.Join(languages(), ", "))
		}
	}
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s does not bind: %s", schemaPath, diags.Error())
	}
	for _, lang := range langs {
		files, err := generators[lang](pkg, noDependencies{})
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		if err := write(filepath.Join(out, lang), files); err != nil {
			return err
		}
	}
	return nil
}

func write(dir string, files map[string][]byte) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists; sdkgen writes only into a new folder", dir)
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
