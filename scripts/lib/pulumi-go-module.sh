# shellcheck shell=bash
# Sourced, not run: the one way the scripts build something out of Pulumi's Go modules
# (github.com/pulumi/pulumi/pkg/v3 and sdk/v3) fetched from the Go module proxy. scripts/ensure-pulumi.sh
# builds the CLI with it, scripts/gen-sdk.sh Pulumi's SDK code generator.
#
# `go install …@version` refuses modules with replace directives, and building without Pulumi's
# replaces picks dependency versions Pulumi does not build with, so each build happens in a wrapper
# module of its own whose go.mod copies them. The caller defines say and die (its own prefix on stderr).

# Prints the `go mod download -json` description of module@version, or stops with Go's reason
# (typically: the proxy does not serve that version) followed by the caller's advice ($2).
pulumi_go_download() {
  local json
  if ! json=$(go mod download -json "$1"); then
    die "cannot get $1 from the Go module proxy:"$'\n'"$(pulumi_go_json_field "$json" Error)"$'\n'"$2"
  fi
  printf '%s' "$json"
}

pulumi_go_json_field() {
  node -p 'process.argv[2].split(".").reduce((o, k) => o?.[k], JSON.parse(process.argv[1])) ?? ""' "$1" "$2"
}

# Prints the replace directives of a go.mod that point at other modules, as `go mod edit -replace`
# arguments. The local ones (`=> ../sdk`) only make sense inside the Pulumi repository.
pulumi_go_remote_replaces() {
  # shellcheck disable=SC2016 # the single-quoted text is JavaScript, its ${} is a template literal
  go mod edit -json "$1" | node -e '
    const { Replace = [] } = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const { Old, New } of Replace) {
      if (!New.Version) continue;
      console.log(`${Old.Path}${Old.Version ? "@" + Old.Version : ""}=${New.Path}@${New.Version}`);
    }'
}

# pulumi_go_wrapper_module DIR NAME VERSION ADVICE PACKAGE...
# Writes a fresh wrapper module NAME in DIR for Pulumi vVERSION (pkg/v3 and sdk/v3 required, their
# replaces copied) and downloads what PACKAGE... (import paths with @version) need. ADVICE is said
# after Go's reason when the proxy does not serve VERSION. The working directory is DIR afterwards.
pulumi_go_wrapper_module() {
  local dir=$1 name=$2 version=$3 advice=$4
  shift 4
  local pkg=github.com/pulumi/pulumi/pkg/v3
  local sdk=github.com/pulumi/pulumi/sdk/v3
  local pkg_json sdk_json replaces replace json

  pkg_json=$(pulumi_go_download "$pkg@v$version" "$advice")
  sdk_json=$(pulumi_go_download "$sdk@v$version" "$advice")

  # A fresh wrapper module each time: a run killed halfway must not leave a go.mod that later runs
  # trust. The Go module and build caches keep rebuilds quick.
  rm -rf "$dir"
  mkdir -p "$dir"
  cd "$dir" || return
  go mod init "$name"
  # `go mod tidy` is deliberately not run: it would re-resolve what the Pulumi modules pin.
  replaces=$(for json in "$pkg_json" "$sdk_json"; do
               pulumi_go_remote_replaces "$(pulumi_go_json_field "$json" GoMod)"
             done | sort -u)
  for replace in $replaces; do
    say "  replace ${replace/=/ => }"
    go mod edit -replace "$replace"
  done
  # go get ends with one "go: added" line per dependency (~300); the "downloading" lines before
  # them are the progress worth showing.
  go get "$@" "$sdk@v$version" 2>&1 | { grep -v '^go: added ' || true; }
}
