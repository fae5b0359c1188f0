import type { McpToolInput } from '../../../contracts/mcp-tools';
import type { UnityOperation } from '../../../contracts/unity-ops';
import type { ToolContext, ToolOutcome } from '../context';
import { ToolError } from '../context';
import { awaitHistory } from '../history-wait';
import { resultOf, validOp } from '../op-outcome';
import { awaitAll, roomWithAgent } from '../run-op';
import { servedPresets, type ServedPreset } from '../../services/presets';

/**
 * Writes a preset's scripts, as the session page's "Apply" does: one generate_script per script,
 * overwriting (the history keeps what was there). The presets are the ones the UI serves
 * (presets.json among the static assets, built from web/presets), and every script is checked as
 * an operation before any is queued.
 */
export async function applyPresetTool(ctx: ToolContext, input: McpToolInput<'apply_preset'>): Promise<ToolOutcome> {
  const presets = await loadPresets(ctx);
  const preset = presets.find((p) => p.id === input.preset);
  if (!preset) throw new ToolError('not_found', `no preset "${input.preset}"; there are: ${presets.map((p) => p.id).join(', ')}`, 'preset');
  const ops: UnityOperation[] = preset.scripts.map((s) => validOp({ op: 'generate_script', path: s.path, code: s.code, overwrite: true }));
  const room = await roomWithAgent(ctx, input.session_id);
  const callIds: string[] = [];
  for (const op of ops) callIds.push(await room.queue(op));
  const views = await awaitAll(ctx, room, callIds);
  return {
    structured: { preset: preset.id, scripts: views.map(resultOf), history: await awaitHistory(ctx, room.sessionId, views) },
    summary: `applied ${preset.id}: ${ops.length} script(s) written`,
  };
}

async function loadPresets(ctx: ToolContext): Promise<ServedPreset[]> {
  const presets = await servedPresets(ctx.env);
  if (!presets) throw new ToolError('presets_unavailable', 'this Spark serves no presets (the web UI is not built)');
  return presets;
}
