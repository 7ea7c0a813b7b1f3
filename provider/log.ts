/**
 * Warnings for the person running `pulumi up` (adopted resources, pending approvals). The provider process has no
 * engine connection of its own, so they go to its stderr, which the engine shows beside the resource.
 */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
