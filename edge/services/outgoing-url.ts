// Where Spark may POST to. A receiver's URL is given by a project member, so the Worker must not
// become a way into addresses it can reach but the member cannot: only http(s), and no loopback,
// private, link-local or otherwise internal address literals or names. Loopback is let through only
// when OUTGOING_WEBHOOKS_ALLOW_LOOPBACK = "on" (local development and tests). Names are checked as
// written (the Worker cannot resolve them first); redirects are not followed when sending.

export interface OutgoingUrlPolicy {
  allowLoopback: boolean;
}

export const outgoingUrlPolicy = (env: { OUTGOING_WEBHOOKS_ALLOW_LOOPBACK?: string }): OutgoingUrlPolicy => ({
  allowLoopback: env.OUTGOING_WEBHOOKS_ALLOW_LOOPBACK === 'on',
});

/** Why `raw` may not be a receiver, or null when it may. */
export function outgoingUrlProblem(raw: string, policy: OutgoingUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `url must be http or https, not ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'url must not carry credentials';
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const loopback = isLoopback(host);
  if (loopback) return policy.allowLoopback ? null : 'url must not point at a loopback address';
  if (isInternalHost(host)) return 'url must not point at a private, link-local or internal address';
  return null;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = ipv4(host);
  return v4 !== null && v4[0] === 127;
}

function isInternalHost(host: string): boolean {
  if (/\.(local|internal|lan|home|corp|intranet)$/.test(host) || !host.includes('.') && !host.includes(':')) return true;
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19)) || a >= 224
    );
  }
  if (host.includes(':')) {
    // IPv6: unspecified, unique local (fc00::/7), link-local (fe80::/10), site-local, multicast.
    return host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || /^fe[c-f]/.test(host) || /^ff/.test(host);
  }
  return false;
}

/** Dotted-quad only: the URL parser already turned decimal, octal and hex forms into it. */
function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? m.slice(1).map(Number) : null;
}

/** ::ffff:a.b.c.d (the URL parser writes it as ::ffff:xxxx:xxxx). */
function mappedIpv4(host: string): number[] | null {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!m) return null;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}
