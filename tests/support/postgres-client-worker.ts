// A Worker that uses postgres.js as Spark's Worker does (a client per request, closed through
// waitUntil), bundled by the test with the workerd build of postgres.js and its patches: what the
// patched client does in workerd is checked here, apart from everything else Spark's Worker does.
import postgres from 'postgres';

interface Env {
  DATABASE_URL: string;
}

// Promises that rejected with no handler: a closed client should leave none behind.
let unhandledRejections = 0;
addEventListener('unhandledrejection', () => {
  unhandledRejections++;
});

const client = (env: Env) => postgres(env.DATABASE_URL, { max: 5, fetch_types: false, connect_timeout: 3, onnotice: () => {} });

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/unhandled-rejections') return Response.json({ count: unhandledRejections });
    const sql = client(env);
    try {
      if (url.pathname === '/one') {
        const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        return Response.json({ pids: [row!.pid] });
      }
      if (url.pathname === '/concurrent') {
        // Each query holds its connection a moment, so that n of them need n connections (up to max).
        const n = Number(url.searchParams.get('n'));
        const rows = await Promise.all(Array.from({ length: n }, () => sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.05)`));
        return Response.json({ pids: rows.map((r) => r[0]!.pid) });
      }
      if (url.pathname === '/begin') {
        // A transaction holds its connection; a query outside it at the same time needs another.
        const [inside, outside] = await Promise.all([
          sql.begin(async (tx) => {
            const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.05)`;
            return row!.pid;
          }),
          sql<{ pid: number }[]>`select pg_backend_pid() as pid`.then((rows) => rows[0]!.pid),
        ]);
        return Response.json({ pids: [inside, outside] });
      }
      return new Response('not found', { status: 404 });
    } finally {
      ctx.waitUntil(sql.end({ timeout: 5 }));
    }
  },
};
