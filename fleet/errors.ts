/** Stable codes callers switch on instead of parsing messages, as the provider's WeChatError codes are. */
export type FleetErrorCode =
  | "FLEET_USAGE" // the command line: an unknown flag, a missing or malformed value
  | "FLEET_SPEC_INVALID" // the spec file cannot be read, or is not a valid fleet spec (FleetSpecError lists every problem)
  | "FLEET_CONFIG_INVALID" // the WeChat configuration in the environment has problems, or gives no credential
  | "FLEET_NOT_INSTALLED" // the working folder lacks pulumi-wechat or @pulumi/pulumi, or holds another version
  | "FLEET_PLUGIN_MISSING" // a spec with provider: native, and no wechat provider plugin of the runner's version installed
  | "FLEET_PROVIDER_MISMATCH" // a stack of native resources, and a spec that declares the dynamic ones
  | "FLEET_SHARDS_MISMATCH" // the stacks are sharded another way than asked, or record different counts: reshard first
  | "FLEET_RESHARD_REFUSED" // a reshard that could not move the state safely, so moved nothing more
  | "FLEET_REPORT_INVALID" // report --merge: a file that is not a report, or parts of different runs
  | "FLEET_DISCOVER_FAILED" // discover could not tell what an account is, or has no platform to list
  | "FLEET_PULUMI_FAILED" // a pulumi command the runner started failed
  | "FLEET_RUN_IN_PROGRESS" // recover found a stack locked by a run that is still going on
  | "FLEET_SECOND_OWNER" // a new stack prefix's first up, while another fleet's stacks manage accounts of the spec
  | "FLEET_NOT_UNDER_RUNNER"; // the stacks' program run outside the runner

/**
 * A failure of the fleet runner, said once, before or instead of running shards, with what to do; no stack trace, as
 * the message says everything (the provider's errors are printed the same way).
 */
export class FleetError extends Error {
  override name = "FleetError";

  constructor(
    readonly code: FleetErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.stack = "";
  }
}
