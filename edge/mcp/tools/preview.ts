import type { McpToolInput } from '../../../contracts/mcp-tools';
import { frameKey } from '../../session-room';
import type { ToolContext, ToolOutcome } from '../context';
import { ToolError } from '../context';
import { resultOf } from '../op-outcome';
import { runOp } from '../run-op';
import { withoutSession } from './input';
import { base64Of } from './base64';

/** Renders in Unity, then answers with the frame the room stored (the one the browsers were shown). */
export async function renderPreviewTool(ctx: ToolContext, input: McpToolInput<'render_preview'>): Promise<ToolOutcome> {
  const { room, view } = await runOp(ctx, input.session_id, { op: 'render_preview', ...withoutSession(input) });
  const object = await storedFrame(ctx, frameKey(room.projectId, room.sessionId, view.callId));
  const bytes = new Uint8Array(await object.arrayBuffer());
  const mimeType = object.httpMetadata?.contentType ?? 'image/png';
  const width = Number(object.customMetadata?.width);
  const height = Number(object.customMetadata?.height);
  return {
    structured: { ...resultOf(view), width, height, content_type: mimeType, bytes: bytes.byteLength, url: `/api/projects/${room.projectId}/sessions/${room.sessionId}/frames/${view.callId}` },
    summary: `preview ${width}×${height} (${mimeType})`,
    images: [{ data: base64Of(bytes), mimeType }],
  };
}

/**
 * The agent sends the frame before its result, but the room stores it in R2 while it may already
 * handle the result: so the frame can land a moment after the op says succeeded.
 */
async function storedFrame(ctx: ToolContext, key: string): Promise<R2ObjectBody> {
  const until = Math.min(Date.now() + 10_000, ctx.deadline);
  for (;;) {
    const object = await ctx.env.ARTIFACTS.get(key);
    if (object) return object;
    if (Date.now() >= until) throw new ToolError('frame_missing', 'Unity rendered the preview but its frame did not arrive; try again');
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs));
  }
}
