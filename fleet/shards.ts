import { createHash } from "node:crypto";
import type { FleetSpec } from "./spec";

/** One of `count` shards, each run as its own stack (see shardStackName). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard (0 to shards − 1) of an account. An account moving between shards moves between stacks: one stack
 * deletes its resources (unbinding its plugins at WeChat) and another creates them, unless its state is moved
 * first. So the shard must move as few accounts as possible:
 * - It depends on the app id alone, never on a position in the spec: adding or removing accounts moves no other.
 * - It is Lamping and Veach's jump consistent hash (arXiv:1406.2294) of the first 8 bytes of SHA-256(app id),
 *   not the hash mod shards: going from N to N + 1 shards moves only about 1/(N + 1) of the accounts, all into
 *   the new shard, where mod would move about N/(N + 1) of them. Both steps are standard, so any other tool of
 *   the platform's can compute the same shard.
 */
export function shardOf(appId: string, shards: number): number {
  checkCount(shards);
  return jumpHash(createHash("sha256").update(appId).digest().readBigUInt64BE(0), shards);
}

/** The jump consistent hash of a 64-bit key into `buckets`, as published (its reference vectors are in the tests). */
export function jumpHash(key: bigint, buckets: number): number {
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    key = BigInt.asUintN(64, key * 2862933555777941757n + 1n);
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return bucket;
}

/**
 * The part of a spec that shard `index` of `shards` holds: its mini programs with all their plugins, and its
 * official accounts with all their links. An account's resources never split, and links live with their
 * official account, whose credentials they use.
 */
export function shardSpec(spec: FleetSpec, index: number, shards: number): FleetSpec {
  checkCount(shards);
  if (!Number.isInteger(index) || index < 0 || index >= shards) throw new RangeError(`shard index must be an integer from 0 to ${shards - 1}; got ${index}`);
  const inShard = (account: { appId: string }) => shardOf(account.appId, shards) === index;
  return { miniPrograms: spec.miniPrograms.filter(inShard), officialAccounts: spec.officialAccounts.filter(inShard) };
}

/**
 * Every shard's part of a spec, shardSpec's for each index in one pass: each account hashed once, where a run over
 * all shards calling shardSpec hashes every account once per shard (6 million hashes for 280 shards of 22,000 accounts).
 */
export function shardSpecs(spec: FleetSpec, shards: number): FleetSpec[] {
  checkCount(shards);
  const parts: FleetSpec[] = Array.from({ length: shards }, () => ({ miniPrograms: [], officialAccounts: [] }));
  for (const account of spec.miniPrograms) parts[shardOf(account.appId, shards)].miniPrograms.push(account);
  for (const account of spec.officialAccounts) parts[shardOf(account.appId, shards)].officialAccounts.push(account);
  return parts;
}

/** The stack that holds a shard. */
export function shardStackName(prefix: string, index: number): string {
  return `${prefix}-${index}`;
}

function checkCount(shards: number): void {
  // The published algorithm numbers buckets with 32-bit signed integers.
  if (!Number.isInteger(shards) || shards < 1 || shards > 2 ** 31 - 1) throw new RangeError(`the number of shards must be a positive integer; got ${shards}`);
}
