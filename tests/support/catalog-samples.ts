// One or more payloads for every catalog type, as Spark's producers build them (the agent's
// executor, the session room). Typed by the catalog: a type missing here, or a payload of the
// wrong shape, does not compile.
import type { CatalogPayloadInput, CatalogType } from '../../contracts/event-catalog';

const call = '5b0c6a1e-2f7d-4c3b-9a8e-1d2c3b4a5f60';
const token = '9d7c1e2a-3b4c-4d5e-8f60-718293a4b5c6';
const sha = (c: string) => c.repeat(64);
const jobId = 'build-0a1b2c3d4e';

export const CATALOG_SAMPLES: { [T in CatalogType]: CatalogPayloadInput<T>[] } = {
  'unity.started': [{ call_id: call, op: 'generate_script', path: 'Assets/Scripts/Player.cs' }, { call_id: call, op: 'run_build' }],
  'unity.completed': [{ call_id: call, op: 'generate_script', latency_ms: 120, mcp_ms: 80 }],
  'unity.failed': [{ call_id: call, op: 'unknown', error: { code: 'invalid_op', message: 'path must be under Assets/' }, latency_ms: 0, mcp_ms: 0 }],
  'unity.script_generated': [
    { call_id: call, path: 'Assets/Scripts/Player.cs', sha256: sha('a'), bytes: 10, overwritten: false, after: 'class P {}' },
    { call_id: call, path: 'Assets/Scripts/Player.cs', sha256: sha('b'), bytes: 10, overwritten: true, before_sha256: sha('a'), before: 'class P {}', after: 'class Q {}' },
    { call_id: call, path: 'Assets/Scripts/Big.cs', sha256: sha('c'), bytes: 90_000, overwritten: true, before_sha256: sha('a'), content_omitted: true },
  ],
  'unity.patch_applied': [{ call_id: call, path: 'Assets/Scripts/Player.cs', before_sha256: sha('a'), after_sha256: sha('b'), before: 'class P {}', after: 'class P { int x; }' }],
  'unity.script_deleted': [{ call_id: call, path: 'Assets/Scripts/Player.cs', before_sha256: sha('a'), before: 'class P {}' }],
  'unity.asset_ingested': [{ call_id: call, path: 'Assets/Art/hero.png', asset: { assetType: 'UnityEngine.Texture2D', sizeBytes: 512 } }],
  'unity.asset_deconstructed': [{ call_id: call, path: 'Assets/Prefabs/Hero.prefab', content_omitted: true }],
  'preview.started': [{ call_id: call, width: 640, height: 360, format: 'png', camera: 'Main Camera' }],
  'preview.frame': [
    // the agent's: what it rendered (or took from its cache)
    { call_id: call, width: 640, height: 360, content_type: 'image/png', bytes: 2048, sha256: sha('d'), cached: false },
    // the room's: the same frame, stored
    { call_id: call, width: 640, height: 360, r2_key: 'frames/p/s/c', content_type: 'image/png', bytes: 2048, sha256: sha('d') },
  ],
  'preview.completed': [{ call_id: call, width: 640, height: 360, cached: true }],
  'preview.failed': [{ call_id: call, error: { code: 'camera_not_found', message: 'no camera named Main' } }],
  'build.started': [{ call_id: call, target: 'WebGL', development: false }],
  'build.progress': [
    { call_id: call, jobId, status: 'running', unity_state: 'building', progress: 0.4 },
    { call_id: call, jobId, status: 'queued', unity_state: 'pending' },
  ],
  'build.timeout': [{ call_id: call, jobId, target: 'WebGL', timeout_ms: 1_800_000, progress: 0.4 }],
  'build.completed': [
    { call_id: call, jobId, target: 'WebGL', artifact: { path: 'Builds/WebGL', sizeBytes: 4096 }, duration_ms: 61_000 },
    { call_id: call, jobId, target: 'WebGL', artifact: null, duration_ms: 1_000 },
  ],
  'build.failed': [
    { call_id: call, jobId, target: 'WebGL', error: { code: 'build_failed', message: 'build build-0a1b2c3d4e failed' } },
    { call_id: call, target: 'WebGL', error: { code: 'unity_unavailable', message: 'no Unity instance' } },
  ],
  'tool.call': [
    { call_id: call, name: 'generate_script', status: 'started', args: { path: 'Assets/Scripts/Player.cs', code_bytes: 10 }, started_at: 1_714_000_000 },
    { call_id: call, name: 'generate_script', status: 'succeeded', latency_ms: 120, completed_at: 1_714_000_000.12, result: { mcp_ms: 80, queued_ms: 5 } },
    { call_id: call, name: 'render_preview', status: 'timeout', latency_ms: 60_000, completed_at: 1_714_000_060, error: 'expired: no agent took this operation in time' },
  ],
  'agent.connected': [{ token_id: token, name: 'laptop', version: '1.2.0', profile: 'unity-mcp' }, { token_id: token, name: 'laptop', version: '1.2.0', profile: null }],
  'agent.disconnected': [{ token_id: token }],
  'session.expiring': [{ expires_at: '2026-01-02T03:04:05.000Z', seconds_left: 86_400 }],
  'assistant.prompt': [{ run_id: '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a', text: 'make a 2D player controller' }],
  'assistant.answer': [
    { run_id: '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a', text: 'Writing it. ', tool_calls: [{ id: 'call_1', name: 'write_script', arguments: '{"path":"Assets/Scripts/P.cs"}' }] },
    { run_id: '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a', text: 'Done: it compiles.', tool_calls: [] },
    { run_id: '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a', text: '', tool_calls: [{ id: 'call_2', name: 'write_script' }], content_omitted: true },
  ],
  'usage.llm': [{ provider: 'api.openai.com', model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 80, cached_tokens: 0, cost_usd: 0.000228, latency_ms: 950, run_id: '5b0f6a1e-8f8b-4f5e-9d7a-2c1f3b4e5d6a' }],
};
