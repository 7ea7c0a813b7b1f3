/**
 * Warnings for the person running `pulumi up` (adopted resources, pending approvals). The dynamic provider's process
 * has no engine connection of its own, so they go to its stderr, which the engine shows beside the resource; the
 * native provider sends them to the engine's log instead (provider/native/server.ts).
 */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/**
 * `warn`, showing each message once per provider process, that is once per Pulumi run: the engine may check and diff
 * a resource more than once in a run, and each would repeat the same warning.
 */
export function warnOnce(warn: (message: string) => void): (message: string) => void {
  const shown = new Set<string>();
  return (message) => {
    if (shown.has(message)) return;
    shown.add(message);
    warn(message);
  };
}
