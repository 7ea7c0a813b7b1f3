// A TCP pass-through in front of the emulator that counts the connections opened to it. The stack's
// wechat:endpoint points here, so the count is the number of TCP connections the provider opened: with the
// connection pool reused it stays at the pool's size however many calls are made.
import { connect, createServer } from "node:net";

export async function startConnectionCounter(targetUrl) {
  const target = new URL(targetUrl);
  let opened = 0;
  const sockets = new Set();
  const server = createServer((client) => {
    opened++;
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Connections opened since the last call. */
    take() {
      const n = opened;
      opened = 0;
      return n;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
