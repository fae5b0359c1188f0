import net from 'node:net';

/**
 * A TCP proxy in front of a server (Postgres, NATS) that a test can cut. For Postgres, while down
 * it answers every new connection the way a Postgres that is restarting does — an ErrorResponse
 * with SQLSTATE 57P03 ("the database system is starting up") — and counts them. (A socket dropped
 * without a word leaves postgres.js in workerd waiting forever, which is not what an outage looks like.)
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  /**
   * While down: answer as a restarting Postgres, refuse connections (a server that is gone), or
   * accept and drop them at once (a server that dies on every connection).
   */
  opts: { whenDown?: 'postgres-starting-up' | 'refuse' | 'drop' } = {},
) {
  const whenDown = opts.whenDown ?? 'postgres-starting-up';
  let up = true;
  let refused = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) {
      refused++;
      if (whenDown === 'drop') client.destroy();
      else client.once('data', () => client.end(startingUp()));
      client.on('error', () => {});
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get refused() {
      return refused;
    },
    /** Stops accepting and severs every open connection. */
    down() {
      up = false;
      for (const s of open) s.destroy();
      open.clear();
      if (whenDown === 'refuse') server.close();
    },
    async up() {
      up = true;
      if (whenDown === 'refuse' && !server.listening) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

/** A Postgres ErrorResponse message: FATAL 57P03. */
function startingUp(): Buffer {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0', 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}
