/** @jsxImportSource hono/jsx/dom */
import { useState } from 'hono/jsx/dom';
import { api, errorMessage, projectsApi, unwrap } from '../lib/api';
import { relativeTime } from '../lib/format';
import { useResource } from '../lib/hooks';
import { mcpClientConfigs, mcpEndpoint } from '../lib/mcp-config';
import { CopyButton, InlineError } from '../components/ui';

/**
 * "Connect an AI client": the project's MCP endpoint, a token of scope mcp (shown once), and the
 * configuration for common clients. What the AI does runs in the project's sessions, visible and
 * undoable like anyone's edits. Tokens are revoked like any other (an owner's action). Clients that
 * speak OAuth need no token: they sign the person in and let them pick a project; those grants are
 * listed here, and revoked, by the person who gave them.
 */
export function ConnectAiPanel(props: { projectId: string; isOwner: boolean }) {
  const url = mcpEndpoint(location.origin, props.projectId);
  const [token, setToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await unwrap(projectsApi[':projectId'].tokens.$post({ param: { projectId: props.projectId }, json: { name: 'AI client (MCP)', scope: 'mcp' } }));
      setToken(res.token);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="connect-ai-title" data-testid="connect-ai-panel">
      <header class="panel-head">
        <h2 id="connect-ai-title">Connect an AI client</h2>
        {props.isOwner ? (
          <button type="button" class="btn btn-small" onClick={create} disabled={busy} data-testid="create-mcp-token">
            {busy ? 'Making a token…' : token ? 'New token' : 'Make an MCP token'}
          </button>
        ) : null}
      </header>
      <p class="muted small">
        Claude, Cursor and other MCP clients can work in this project from anywhere: write scripts, render previews, build. Everything they do shows up live
        in the session and can be undone.
      </p>
      <div class="command">
        <code data-testid="mcp-endpoint">{url}</code>
        <CopyButton text={url} label="Copy the MCP endpoint" />
      </div>
      {!props.isOwner ? <p class="small">An owner of the project can make a token for it.</p> : null}
      <InlineError message={error} />
      {token ? (
        <div data-testid="mcp-token">
          <p class="small">This token is shown once. Paste it into your client now:</p>
          {mcpClientConfigs(url, token).map((c) => (
            <details key={c.id} class="fold" open={c.id === 'claude-code'}>
              <summary>
                <span class="subhead">{c.client}</span> <span class="muted small">{c.where}</span>
              </summary>
              <pre class="code small">
                <code>{c.text}</code>
              </pre>
              <CopyButton text={c.text} label={`Copy the ${c.client} configuration`} />
            </details>
          ))}
        </div>
      ) : null}
      <McpGrants projectId={props.projectId} />
    </section>
  );
}

/** The person's own OAuth grants of this project: which clients, when last used, and a Revoke each. */
function McpGrants(props: { projectId: string }) {
  const grantsApi = api.api.auth['mcp-grants'];
  const grants = useResource(() => unwrap(grantsApi.$get({ query: { project_id: props.projectId } })), [props.projectId]);
  const [error, setError] = useState<string | null>(null);
  const revoke = async (grantId: string) => {
    setError(null);
    try {
      await unwrap(grantsApi[':grantId'].$delete({ param: { grantId } }));
      await grants.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const list = grants.data?.grants ?? [];
  return (
    <div data-testid="mcp-grants">
      <h3 class="subhead">Signed in with OAuth</h3>
      <p class="muted small">
        Clients that support OAuth (Claude, Cursor, VS Code…) need no token: add the endpoint, and they open Spark for you to sign in and pick this project.
      </p>
      <InlineError message={grants.error ?? error} />
      {list.length === 0 ? (
        <p class="muted small">{grants.loading ? 'Loading…' : 'No client signed in to this project with your account.'}</p>
      ) : (
        <ul class="list">
          {list.map((g) => (
            <li key={g.id} data-testid="mcp-grant">
              <span>{g.client_name}</span> <span class="muted small">allowed {relativeTime(g.created_at)}, last used {g.last_used_at ? relativeTime(g.last_used_at) : 'never'}</span>{' '}
              <button type="button" class="btn btn-small" onClick={() => void revoke(g.id)} aria-label={`Revoke ${g.client_name}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
