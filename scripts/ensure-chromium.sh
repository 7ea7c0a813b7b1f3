#!/usr/bin/env bash
# Makes a Chromium-family browser available for the console's browser tests (test/console/) and prints
# its executable's path as the last line of stdout. Everything else goes to stderr. Typical use:
#
#   CHROME_PATH="$(scripts/ensure-chromium.sh | tail -n 1)"
#
# playwright-core drives the browser but cannot download one here (browser downloads need hosts that only
# package registries may be), so the tests use a browser the machine has: CHROME_PATH, then `chromium` or
# `google-chrome` on PATH, and otherwise Debian's `chromium` package, installed with apt-get when this
# runs as root. Not on Ubuntu: there, apt's chromium only installs the snap (which needs snapd, absent in
# containers, and whose browser runs confined), so this script says what to install instead.
set -euo pipefail

# All output except the final path goes to stderr, so callers can take stdout's last line without
# filtering apt-get's chatter.
exec 3>&1 1>&2

say() { printf 'ensure-chromium: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

HOW_TO="install Chromium or Google Chrome (on Debian: \`sudo apt-get install chromium\`), \
or point CHROME_PATH at a Chromium-family browser's executable"

ubuntu=false
if [ -r /etc/os-release ] && [ "$(. /etc/os-release && printf '%s' "${ID:-}")" = ubuntu ]; then ubuntu=true; fi

# A browser that starts: a package half-installed, or a stale CHROME_PATH, must not pass for one.
works() {
  [ -x "$1" ] && "$1" --headless --no-sandbox --version >/dev/null 2>&1
}

found() {
  printf '%s\n' "$1" >&3
  exit 0
}

if [ -n "${CHROME_PATH:-}" ]; then
  works "$CHROME_PATH" || die "CHROME_PATH=$CHROME_PATH does not start as a browser: fix it, or unset it to let this script find or install one"
  found "$CHROME_PATH"
fi

for name in chromium google-chrome chromium-browser google-chrome-stable; do
  if path=$(command -v "$name") && works "$path"; then found "$path"; fi
done

if $ubuntu; then
  die "no browser found, and on Ubuntu apt's chromium is only a stub that installs the snap, so nothing is installed here. \
What to do: install Google Chrome (the .deb from https://www.google.com/chrome/: \
\`sudo apt-get install ./google-chrome-stable_current_amd64.deb\`) or Chromium from another source than the snap, \
and set CHROME_PATH to its executable, e.g. CHROME_PATH=/usr/bin/google-chrome (google-chrome on PATH is found without it)"
fi

[ "$(id -u)" = 0 ] || die "no browser found and not root, so Debian's chromium cannot be installed here: $HOW_TO"
command -v apt-get >/dev/null || die "no browser found and no apt-get to install Debian's chromium: $HOW_TO"

# Only the one install is serialised: apt-get takes its own lock, but two test runs starting together
# would otherwise both run apt-get update and one would fail on the lock.
exec 9>/tmp/pulumi-wechat-ensure-chromium.lock
flock 9

update_lists() {
  say "updating the package lists (apt-get update)…"
  apt-get update -q >&2 || die "apt-get update failed: $HOW_TO"
}

install_chromium() {
  say "installing Debian's chromium package (apt-get install chromium, about a minute)…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2
}

if ! command -v chromium >/dev/null; then
  # apt-get update is slow, so it runs only when the lists know no chromium, or name a version the mirror no longer
  # has (the install fails).
  apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]' || update_lists
  install_chromium || { update_lists; install_chromium; } || die "apt-get install chromium failed: $HOW_TO"
fi

path=$(command -v chromium) && works "$path" || die "chromium was installed but does not start: $HOW_TO"
found "$path"
