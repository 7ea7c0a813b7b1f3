#!/usr/bin/env bash
# Packs the generated Node SDK (sdk/nodejs, TypeScript sources) as the npm package a Pulumi program installs,
# and prints the tarball's path as the last line of stdout. Everything else goes to stderr.
#
#   npm install "$(scripts/pack-sdk-nodejs.sh /tmp/sdk | tail -n 1)"    # in the program's folder
#
# The code generator writes sources and a package.json without "main", made to be published from the compiled
# folder (Pulumi's providers run tsc, then copy package.json beside the output), so this does the same with the
# project's TypeScript and @pulumi/pulumi. A tarball, not the folder: `npm install <folder>` links it, and the
# link's @pulumi/pulumi would then be the repository's, not the program's (two copies of the SDK in one program).
set -euo pipefail

exec 3>&1 1>&2
say() { printf 'pack-sdk-nodejs: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# = 1 ] || die "usage: $0 DEST_DIR (where the tarball goes)"
mkdir -p "$1"
DEST=$(cd "$1" && pwd)
TSC=$ROOT/node_modules/.bin/tsc
[ -x "$TSC" ] || die "$TSC is missing: run npm install first"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$TSC" -p "$ROOT/sdk/nodejs/tsconfig.json" --outDir "$WORK/package"
cp "$ROOT/sdk/nodejs/package.json" "$ROOT/sdk/nodejs/README.md" "$WORK/package/"
# npm pack prints the tarball's file name last; its notices go to stderr.
name=$(cd "$WORK/package" && npm pack --silent --pack-destination "$DEST" | tail -n 1)
[ -f "$DEST/$name" ] || die "npm pack wrote no $DEST/$name"
say "packed $DEST/$name"
printf '%s\n' "$DEST/$name" >&3
