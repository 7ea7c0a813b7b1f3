import type { IncomingMessage, ServerResponse } from "node:http";

// JSON in and out, for WeChat's paths and the control surface alike.

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The body as a JSON object; an empty body counts as `{}`, anything else that is not an object as undefined. */
export function parseBody(rawBody: string): Record<string, unknown> | undefined {
  if (rawBody.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(rawBody);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
