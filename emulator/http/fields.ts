/** A control request the surface refuses with HTTP 400; the message names the field and what it accepts. */
export class BadRequest extends Error {
  override name = "BadRequest";
}

/** Longest text a control request may carry: app ids, paths, actions and reasons are all far shorter. */
const MAX_TEXT_LENGTH = 256;

interface Range {
  min: number;
  max: number;
  integer?: boolean;
}

/**
 * A control request's JSON body, read field by field: every read throws BadRequest naming the field and its bounds,
 * so no value outside them reaches the world. Optional fields are read as `fields.has(name) ? fields.x(name) : …`.
 */
export class ControlFields {
  private constructor(
    private readonly fields: Record<string, unknown>,
    /** A query string's fields are all text: numbers come as decimal digits. */
    private readonly fromQuery = false,
  ) {}

  /** Refuses a body that is not a JSON object, and unknown fields: a misspelt optional one would otherwise be ignored. */
  static read(body: Record<string, unknown> | undefined, known: readonly string[]): ControlFields {
    if (body === undefined) throw new BadRequest("the body must be a JSON object");
    ControlFields.refuseUnknown(Object.keys(body), known);
    return new ControlFields(body);
  }

  /** A GET request's query string, read as a body is; an empty parameter counts as absent, as a form sends it. */
  static query(query: URLSearchParams, known: readonly string[]): ControlFields {
    const fields = Object.fromEntries([...query].filter(([, value]) => value !== ""));
    ControlFields.refuseUnknown(Object.keys(fields), known);
    return new ControlFields(fields, true);
  }

  private static refuseUnknown(names: string[], known: readonly string[]): void {
    const unknown = names.find((name) => !known.includes(name));
    if (unknown !== undefined) throw new BadRequest(`${unknown} is not a field of this request (expected ${known.join(", ")})`);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined;
  }

  text(name: string): string {
    const value = this.fields[name];
    if (typeof value !== "string" || value === "" || value.length > MAX_TEXT_LENGTH) {
      throw new BadRequest(`${name} must be a non-empty string of at most ${MAX_TEXT_LENGTH} characters`);
    }
    return value;
  }

  number(name: string, { min, max, integer = false }: Range): number {
    const raw = this.fields[name];
    const value = this.fromQuery && typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== "number" || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new BadRequest(`${name} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}`);
    }
    return value;
  }

  boolean(name: string): boolean {
    const value = this.fields[name];
    if (typeof value !== "boolean") throw new BadRequest(`${name} must be true or false`);
    return value;
  }

  choice<T extends string | boolean>(name: string, choices: readonly T[]): T {
    const value = this.fields[name];
    if (!choices.includes(value as T)) throw new BadRequest(`${name} must be one of ${choices.map((choice) => JSON.stringify(choice)).join(", ")}`);
    return value as T;
  }
}
