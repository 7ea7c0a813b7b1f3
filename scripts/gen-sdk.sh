#!/usr/bin/env bash
# Generates the native provider's SDKs with Pulumi's own code generator:
#
#   npm run gen:sdk                    # builds, writes schema.json from the code, then sdk/{nodejs,python,go,dotnet}
#   scripts/gen-sdk.sh --out DIR       # the SDKs of the committed schema.json into DIR/… (test/sdk compares them with sdk/)
#
# `pulumi package gen-sdk` needs each language's host, and the Go module proxy refuses Pulumi's Python, Go
# and .NET hosts, so the generator is our own small Go program (scripts/sdkgen) over the code generator of
# github.com/pulumi/pulumi/pkg/v3 at the CLI's version (package.json's "pulumiCli"). That version has no
# .NET generator any more (it moved to pulumi-dotnet, which the proxy refuses too), so .NET comes from the
# last pkg/v3 that had one, DOTNET_PKG below. Both are built once per machine and source change, cached
# outside the work tree like the CLI (scripts/ensure-pulumi.sh): a minute or two the first time after the
# CLI's build, instant afterwards.
#
# The Go SDK gets a go.mod and go.sum of its own (module github.com/…/sdk/go, requiring the Pulumi Go SDK
# at the CLI's version), which the code generator writes only for packages made for `pulumi package pack`.
set -euo pipefail

# The last github.com/pulumi/pulumi/pkg/v3 with codegen/dotnet that the Go module proxy serves (v3.229.0
# and later have none).
DOTNET_PKG=3.225.1

# Chatter only: nothing here prints a result.
exec 1>&2
say() { printf 'gen-sdk: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/pulumi-go-module.sh
. "$ROOT/scripts/lib/pulumi-go-module.sh"

OUT=
case "${1:-}" in
  "") ;;
  --out) [ $# = 2 ] || die "usage: $0 [--out DIR]"; OUT=$2 ;;
  *) die "usage: $0 [--out DIR]" ;;
esac

command -v go >/dev/null || die "generating the SDKs needs Go >= 1.24 (it builds Pulumi's code generator)"
VERSION=$(node -p 'require(process.argv[1]).pulumiCli' "$ROOT/package.json")
CACHE_ROOT=${PULUMI_WECHAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wechat}
mkdir -p "$CACHE_ROOT"
CACHE_ROOT=$(cd "$CACHE_ROOT" && pwd) # absolute: the builds change directory

# ensure_generator PKG_VERSION TAGS PACKAGE...: prints the path of sdkgen built against pkg/v3 at
# PKG_VERSION with build tags TAGS. The binary's name carries a hash of everything it is built from, so
# a change to scripts/sdkgen (or Go, or the version) builds a new one, and a binary only ever appears
# under that name complete (built under a temporary name, then renamed).
ensure_generator() {
  local version=$1 tags=$2 cache hash bin
  shift 2
  cache=$CACHE_ROOT/sdkgen-v$version
  mkdir -p "$cache"
  hash=$( { printf '%s\n' "$version" "$tags" "$(go env GOVERSION)"; cat "$ROOT"/scripts/sdkgen/*.go; } | sha256sum | cut -c1-16)
  bin=$cache/sdkgen-$hash
  # One build at a time per version: concurrent runs (two terminals, a test beside npm run gen:sdk)
  # wait for it instead of each building its own. In a subshell, so the lock is released with it.
  (
    # Inside $(…) bash does not apply errexit to this subshell unless it is set again here.
    set -e
    exec 9>"$cache/lock"
    if ! flock -n 9; then
      say "waiting for another run that is building the code generator of pkg/v3 v$version…"
      flock 9
    fi
    [ -x "$bin" ] && exit 0
    say "building Pulumi's code generator (pkg/v3 v$version${tags:+, $tags}) into $cache (once per machine and change to scripts/sdkgen)…"
    pulumi_go_wrapper_module "$cache/build" pulumi-wechat-sdkgen "$version" \
      "The SDKs cannot be generated without it." "$@"
    cp "$ROOT"/scripts/sdkgen/*.go .
    go build -tags "$tags" -o "$bin.partial" .
    mv -f "$bin.partial" "$bin"
    # Generators of earlier sources are of no further use.
    find "$cache" -mindepth 1 -maxdepth 1 -type f -name 'sdkgen-*' ! -name "sdkgen-$hash" -delete
    say "built $bin"
  ) >&2 # inside $(…) fd 1 is the caller's capture, which must get the path alone
  [ -x "$bin" ] || die "could not build Pulumi's code generator (pkg/v3 v$version): see Go's reason above"
  printf '%s\n' "$bin"
}

codegen=github.com/pulumi/pulumi/pkg/v3/codegen
current=$(ensure_generator "$VERSION" "" \
  "$codegen/nodejs@v$VERSION" "$codegen/python@v$VERSION" "$codegen/go@v$VERSION")
dotnet=$(ensure_generator "$DOTNET_PKG" dotnet "$codegen/dotnet@v$DOTNET_PKG")

if [ -z "$OUT" ]; then
  OUT=$ROOT/sdk
  # schema.json from the code (dist/, which npm run gen:sdk has just built): the one source of truth.
  say "writing schema.json from dist/provider/native/schema.js"
  node -e '
    const { packageSchema } = require(process.argv[1] + "/dist/provider/native/schema.js");
    const { version } = require(process.argv[1] + "/package.json");
    require("fs").writeFileSync(process.argv[2], JSON.stringify(packageSchema(version), null, 2) + "\n");
  ' "$ROOT" "$ROOT/schema.json.partial"
  mv -f "$ROOT/schema.json.partial" "$ROOT/schema.json"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Generated beside OUT's languages and swapped in at the end, so a failed run leaves the SDKs as they were.
WORK=$(mktemp -d "$OUT/.gen-sdk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say "generating nodejs, python and go (pkg/v3 v$VERSION) and dotnet (pkg/v3 v$DOTNET_PKG) from schema.json"
"$current" -schema "$ROOT/schema.json" -out "$WORK" nodejs python go
"$dotnet" -schema "$ROOT/schema.json" -out "$WORK" dotnet

# The Go SDK's module: the folder above the import base path, requiring the Pulumi Go SDK at the CLI's
# version. go mod tidy writes go.sum from the Go module proxy (instant once the module cache has it).
module=$(node -p 'require("path").posix.dirname(require(process.argv[1]).language.go.importBasePath)' "$ROOT/schema.json")
(
  cd "$WORK/go"
  go mod init "$module" 2>/dev/null
  # The oldest Go the Pulumi Go SDK accepts, not this machine's: tidy raises it if a dependency needs more.
  go mod edit -go=1.24 -require="github.com/pulumi/pulumi/sdk/v3@v$VERSION"
  GOFLAGS=-mod=mod go mod tidy
)

for lang in nodejs python go dotnet; do
  rm -rf "${OUT:?}/$lang"
  mv "$WORK/$lang" "$OUT/$lang"
done
say "wrote $OUT/{nodejs,python,go,dotnet}"
