import { persist, reset, type EmulatorContext } from "./context";
import { answerAsAdmin } from "./links";

export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** The control surface under `/__emulator/`: what tests and demos use to look at and steer the emulated WeChat. */
export async function control(context: EmulatorContext, method: string, path: string, rawBody: string): Promise<ControlAnswer> {
  const route = `${method} ${path}`;
  const { world, clock, faults, calls } = context;
  switch (route) {
    case "GET /__emulator/health":
      return answer({ status: "ok", now: new Date(clock.now()).toISOString() });
    case "POST /__emulator/reset":
      await reset(context);
      return answer({ ok: true });
    case "GET /__emulator/state":
      world.settle(clock.now());
      await persist(context);
      return answer(describeWorld(context));
    case "GET /__emulator/calls":
      return answer(calls.toJSON());
    case "DELETE /__emulator/calls":
      calls.clear();
      return answer({ ok: true });
    case "DELETE /__emulator/faults":
      faults.clear();
      return answer({ ok: true });
  }

  const body = parseBody(rawBody);
  switch (route) {
    case "POST /__emulator/faults": {
      const fault = faults.add(body);
      return typeof fault === "string" ? refuse(400, fault) : answer({ id: fault.id });
    }
    case "POST /__emulator/clock": {
      const seconds = body?.advanceSeconds;
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
        return refuse(400, "advanceSeconds must be a number ≥ 0");
      }
      clock.advance(seconds);
      world.settle(clock.now());
      await persist(context, true);
      return answer({ now: new Date(clock.now()).toISOString() });
    }
    case "POST /__emulator/links/confirm": {
      const { officialAccountAppId, miniProgramAppId, by, accept } = body ?? {};
      if (typeof officialAccountAppId !== "string" || typeof miniProgramAppId !== "string") {
        return refuse(400, "officialAccountAppId and miniProgramAppId must be strings");
      }
      if (by !== "officialAccount" && by !== "miniProgram") return refuse(400, 'by must be "officialAccount" or "miniProgram"');
      if (typeof accept !== "boolean") return refuse(400, "accept must be true or false");
      const problem = answerAsAdmin(world, { officialAccountAppId, miniProgramAppId, by, accept });
      if (problem) return refuse(409, problem);
      await persist(context);
      return answer({ link: world.link(officialAccountAppId, miniProgramAppId) ?? null });
    }
  }
  const known = new Set(["health", "reset", "state", "calls", "faults", "clock", "links/confirm"]);
  return known.has(path.slice("/__emulator/".length))
    ? refuse(405, `${method} is not supported on ${path}`)
    : refuse(404, `${path} is not part of the control surface`);
}

function describeWorld({ world, clock }: EmulatorContext): unknown {
  return {
    now: new Date(clock.now()).toISOString(),
    bindings: world.bindings.map((binding) => ({
      appId: binding.appId,
      pluginAppId: binding.pluginAppId,
      status: binding.status,
      ...(binding.version === undefined ? {} : { version: binding.version }),
      reason: binding.reason,
      ...(binding.refusalReason === undefined ? {} : { refusalReason: binding.refusalReason }),
      appliedAt: new Date(binding.appliedAt).toISOString(),
    })),
    links: world.links.map((link) => ({ ...link })),
  };
}

function parseBody(rawBody: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(rawBody);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function answer(body: unknown): ControlAnswer {
  return { status: 200, body };
}

function refuse(status: number, error: string): ControlAnswer {
  return { status, body: { error } };
}
