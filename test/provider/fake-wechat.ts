import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeWeChat {
  url: string;
  /** The paths asked, in order, without their query strings. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for WeChat that answers every request with `answer(path)` as JSON: for answers the emulator, which
 * keeps WeChat's rules, never gives (odd encodings, a list that does not change when it should). Token requests of
 * wechat:appSecrets credentials (stable_token) get a token without asking `answer`.
 */
export async function startFakeWeChat(answer: (path: string) => unknown): Promise<FakeWeChat> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    calls.push(path);
    const body = path === "/cgi-bin/stable_token" ? { access_token: "fake-token", expires_in: 7200 } : answer(path);
    res.setHeader("content-type", "application/json").end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
