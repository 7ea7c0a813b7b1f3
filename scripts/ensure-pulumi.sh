#!/usr/bin/env bash
# Makes the Pulumi CLI available at the version that package.json names ("pulumiCli": the newest CLI
# whose source the Go module proxy serves and that builds; a CLI newer than the SDK is how most users
# run) and prints, as the last line of stdout, a directory to put first on PATH. Everything else goes to
# stderr. Typical use from the repo root:
#
#   PATH="$(scripts/ensure-pulumi.sh | tail -n 1):$PWD/node_modules/.bin:$PATH"
#
# (node_modules/.bin supplies Node 22, which @pulumi/pulumi requires, to the language host and
# to the dynamic-provider plugin.)
#
# The CLI cannot be downloaded on every machine, so when no matching `pulumi` is on PATH it is
# built with Go from the Go module proxy once per version and cached outside the work tree.
set -euo pipefail

# All output except the final directory goes to stderr, so callers can take stdout's last line
# without filtering chatter from go or pulumi.
exec 3>&1 1>&2

# Explicitly to stderr: inside $(…) fd 1 is the substitution's pipe.
say() { printf 'ensure-pulumi: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/pulumi-go-module.sh
. "$ROOT/scripts/lib/pulumi-go-module.sh"
SDK_NPM=$ROOT/node_modules/@pulumi/pulumi
[ -f "$SDK_NPM/package.json" ] || die "$SDK_NPM is missing: run npm install first"
# The one place the CLI version is chosen: package.json's "pulumiCli".
VERSION=$(node -p 'require(process.argv[1]).pulumiCli' "$ROOT/package.json")
[ -n "$VERSION" ] && [ "$VERSION" != undefined ] || die "package.json has no \"pulumiCli\" version"

INSTALL_CLI="install the Pulumi CLI v$VERSION (https://www.pulumi.com/docs/install/) so that \
pulumi and pulumi-language-nodejs are on PATH"

# shellcheck source=scripts/lib/tool-cache.sh
. "$ROOT/scripts/lib/tool-cache.sh"
tool_cache "pulumi-v$VERSION" "the Pulumi CLI v$VERSION"

is_wanted_pulumi() {
  [ -x "$1" ] && [ "$(PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null)" = "v$VERSION" ]
}

# Links a binary found on PATH into BIN. Resolving the link first matters when BIN itself is on
# PATH: the binary found may already be BIN's own file, which must not become a link to itself.
link_into_bin() {
  local real
  real=$(readlink -f "$1")
  [ "$real" = "$BIN/$2" ] || ln -sfn "$real" "$BIN/$2"
}

# The engine looks for the dynamic-provider plugin next to `pulumi` and would otherwise try to
# download it. The script shipped with @pulumi/pulumi resolves '@pulumi/pulumi/cmd/dynamic-provider'
# from its working directory, which the engine sets to the Pulumi program's directory, so a plain
# copy runs the program's own @pulumi/pulumi wherever the program lives.
place_dynamic_provider_plugin() {
  cp "$SDK_NPM/pulumi-resource-pulumi-nodejs" "$BIN/.pulumi-resource-pulumi-nodejs.partial"
  chmod 755 "$BIN/.pulumi-resource-pulumi-nodejs.partial"
  mv -f "$BIN/.pulumi-resource-pulumi-nodejs.partial" "$BIN/pulumi-resource-pulumi-nodejs"
}

# The Go language host is not on every Go module proxy; ours (scripts/pulumi-language-nodejs) does the
# same job for this project's programs. A host linked from PATH (a full Pulumi install) is kept.
place_language_host() {
  [ -L "$BIN/pulumi-language-nodejs" ] && return
  cp "$ROOT/scripts/pulumi-language-nodejs" "$BIN/.pulumi-language-nodejs.partial"
  chmod 755 "$BIN/.pulumi-language-nodejs.partial"
  mv -f "$BIN/.pulumi-language-nodejs.partial" "$BIN/pulumi-language-nodejs"
}

finish() {
  place_dynamic_provider_plugin
  place_language_host
  printf '%s\n' "$BIN" >&3
  exit 0
}

build() {
  local pkg=github.com/pulumi/pulumi/pkg/v3
  local ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"

  say "building the Pulumi CLI v$VERSION from the Go module proxy (first run on this machine, several minutes)…"
  say "step 1/2: writing the wrapper module in $CACHE/build and downloading dependencies"
  pulumi_go_wrapper_module "$CACHE/build" pulumi-wechat-cli-build "$VERSION" "Instead, $INSTALL_CLI." "$pkg/cmd/pulumi@v$VERSION"

  # Written under a temporary name and renamed when complete, so a killed build never leaves a
  # file that the reuse check above would accept.
  say "step 2/2: compiling pulumi (about 5 minutes on 2 cores)"
  go build -ldflags "$ldflags" -o "$BIN/.pulumi.partial" "$pkg/cmd/pulumi"
  mv -f "$BIN/.pulumi.partial" "$BIN/pulumi"

  is_wanted_pulumi "$BIN/pulumi" || die "the freshly built $BIN/pulumi does not report v$VERSION"
  say "built the Pulumi CLI v$VERSION into $BIN"
}

# Reuse what an earlier run built or linked.
if is_wanted_pulumi "$BIN/pulumi"; then
  finish
fi

# Reuse a matching CLI that the user installed.
if path_pulumi=$(command -v pulumi) && is_wanted_pulumi "$path_pulumi"; then
  say "using $path_pulumi (v$VERSION) from PATH"
  link_into_bin "$path_pulumi" pulumi
  if path_langhost=$(command -v pulumi-language-nodejs); then link_into_bin "$path_langhost" pulumi-language-nodejs; fi
  finish
fi

command -v go >/dev/null \
  || die "no Pulumi CLI v$VERSION on PATH and no Go to build it: $INSTALL_CLI, or install Go >= 1.24 so this script can build it."
go_version=$(go env GOVERSION)
[ "$(printf '%s\n' go1.24 "$go_version" | sort -V | head -n 1)" = go1.24 ] \
  || die "$go_version is too old to build the Pulumi CLI: install Go >= 1.24, or $INSTALL_CLI."

build
finish
