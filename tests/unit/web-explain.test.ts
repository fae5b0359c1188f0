import { describe, expect, it } from 'vitest';
import { buildActivityText } from '../../web/src/lib/builds';
import { explainOpError, explainWait } from '../../web/src/lib/explain';

const failed = (code: string, message: string) => ({ op: 'generate_script', state: 'failed' as const, error: { code, message } });

describe('errors for people', () => {
  it('says what happened and what to do next, keeping the raw detail', () => {
    const expired = explainOpError({ op: 'run_build', state: 'expired' }, 'npx -y https://spark.example/agent.tgz start');
    expect(expired.next).toBe('No agent is online: run npx -y https://spark.example/agent.tgz start on your Unity machine, then try again.');

    const token = explainOpError(failed('unity_error', 'Unity MCP server answered 401 Unauthorized'));
    expect(token.title).toBe('Unity refused the token.');
    expect(token.next).toMatch(/UNITY_MCP_TOKEN/);
    expect(token.detail).toBe('unity_error: Unity MCP server answered 401 Unauthorized');

    expect(explainOpError(failed('unity_unreachable', 'fetch failed')).next).toMatch(/UNITY_MCP_URL \(default http:\/\/localhost:8080\/mcp\)/);
    expect(explainOpError(failed('unity_busy', 'manage_script: Unity is still busy after retries (domain reload)')).title).toMatch(/compiling or reloading/);
    expect(explainOpError(failed('stale_file', 'Assets/A.cs changed')).next).toMatch(/replace it with your version/);
    expect(explainOpError(failed('weird', 'first line\nsecond line')).title).toBe('Unity reported: first line');
  });

  it('says what an operation on its way waits for', () => {
    expect(explainWait({ state: 'queued' }, false)).toBe('Waiting for an agent to connect…');
    expect(explainWait({ state: 'queued' }, true)).toBeNull();
    expect(explainWait({ state: 'running', stage: 'writing', message: 'Unity is reloading (hint: retry), attempt 2' }, true)).toBe('Unity is compiling, retrying…');
    expect(explainWait({ state: 'running', stage: 'writing' }, true)).toBeNull();
  });

  it("shows a running build's stage and Unity's message", () => {
    expect(buildActivityText({ status: 'progress', stage: 'build', message: 'Compiling scripts (3/10)' }, true)).toBe('build — Compiling scripts (3/10)');
    expect(buildActivityText({ status: 'queued', stage: null, message: null }, false)).toBe('waiting for the agent to connect…');
    expect(buildActivityText({ status: 'started', stage: null, message: null }, true)).toBe('building…');
  });
});
