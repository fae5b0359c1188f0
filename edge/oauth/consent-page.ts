import { AUTHORIZE_FIELDS, type AuthorizeRequest } from './flow';
import { oauthPaths } from './metadata';

// The authorize step's pages, rendered by the Worker: no script, one inline stylesheet, forms that
// post back to /oauth/authorize carrying the client's request along in hidden fields.

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = `body{font:15px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input,select{width:100%;padding:.45rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.err{color:#b42318}.muted{color:#57606a}`;

/** The page's own policy: its inline style, forms to itself and (after a redirect) to the client. */
export function consentCsp(redirectUri?: string) {
  const formTargets = ["'self'", redirectUri ? esc(new URL(redirectUri).origin) : ''].filter(Boolean).join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`;
}

function page(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)} · Spark</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const hidden = (q: AuthorizeRequest) =>
  AUTHORIZE_FIELDS.map((k) => (q[k] === undefined ? '' : `<input type="hidden" name="${k}" value="${esc(q[k]!)}">`)).join('');

export function loginPage(q: AuthorizeRequest, clientName: string, error?: string) {
  return page(
    'Sign in',
    `<h1>Sign in to Spark</h1><p><strong>${esc(clientName)}</strong> wants to use one of your Spark projects through MCP.</p>
${error ? `<p class="err">${esc(error)}</p>` : ''}
<form method="post" action="${oauthPaths.authorize}">${hidden(q)}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  );
}

export function pickProjectPage(q: AuthorizeRequest, clientName: string, ticket: string, projects: { id: string; name: string }[]) {
  const choice = projects.length
    ? `<label for="project_id">Project</label><select id="project_id" name="project_id">${projects.map((p) => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join('')}</select>
<p class="muted">It can read the project and act in its sessions as you would (write scripts, run builds). You can revoke it from the project's “Connect an AI client” panel.</p>
<button type="submit" name="decision" value="approve">Allow</button> `
    : `<p class="err">You have no project you can write in${q.resource ? ' among those this client asked for' : ''}.</p>`;
  return page(
    'Allow access',
    `<h1>Allow ${esc(clientName)}?</h1>
<form method="post" action="${oauthPaths.authorize}">${hidden(q)}<input type="hidden" name="ticket" value="${esc(ticket)}">
${choice}<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

export function refusedPage(message: string) {
  return page('Cannot authorize', `<h1>Cannot authorize this client</h1><p class="err">${esc(message)}</p>`);
}
