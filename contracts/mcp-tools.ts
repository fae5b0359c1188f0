// The tools Spark offers to MCP clients at /mcp, and their inputs. Every input is built from the
// schemas the HTTP API and the agent already use (operations, paths, history and event queries), so
// an AI client meets the same guardrails as the browser: a path outside Assets/, an oversized
// script or an unknown field is refused with the same message.
import { z } from 'zod';
import { changesQuery, createSessionBody, eventsQuery, rollbackBody } from './api';
import { scriptPath } from './paths';
import { applyPatchOp, buildStatusOp, deleteScriptOp, generateScriptOp, renderPreviewOp, runBuildOp } from './unity-ops';

const inSession = {
  session_id: z.uuid('session_id must be the id of a session (see list_sessions)').describe('The session to act in (list_sessions, create_session)'),
};

/** An operation's own fields without its `op` tag (the tool names it), in a session. */
function opInput<Shape extends { op: z.ZodType }>(op: { shape: Shape }) {
  const { op: _tag, ...fields } = op.shape;
  return z.strictObject({ ...inSession, ...(fields as Omit<Shape, 'op'>) });
}

export const MCP_TOOLS = {
  list_sessions: {
    description: "The project's sessions, newest first. Scripts, previews and builds happen in a session.",
    input: z.strictObject({}),
  },
  create_session: {
    description: 'Starts a new session in the project (people watching the project see it).',
    input: z.strictObject(createSessionBody.shape),
  },
  list_scripts: {
    description: "The scripts this session has written (from its change history), with each one's SHA-256.",
    input: z.strictObject(inSession),
  },
  read_script: {
    description: "A script's newest text as this session's history has it, with its SHA-256 (patch_script's precondition).",
    input: z.strictObject({ ...inSession, path: scriptPath.describe('Project-relative, under Assets/, ending in .cs') }),
  },
  write_script: {
    description: 'Creates a C# script, or overwrites one with overwrite: true. Waits for Unity and reports whether it compiles.',
    input: opInput(generateScriptOp),
  },
  patch_script: {
    description: 'Applies range edits (1-based lines and columns, end exclusive) to a script; pass precondition_sha256 from read_script to refuse a stale edit.',
    input: opInput(applyPatchOp),
  },
  delete_script: {
    description: 'Deletes a script (undo brings it back).',
    input: opInput(deleteScriptOp),
  },
  render_preview: {
    description: "Renders the scene's camera in Unity and returns the frame as an image.",
    input: opInput(renderPreviewOp),
  },
  run_build: {
    description: 'Builds the player for a target; reports progress while Unity builds. Long builds may outlast the call: check build_status.',
    input: opInput(runBuildOp),
  },
  build_status: {
    description: "The state of a Unity build job (its id, e.g. build-0123456789, comes from run_build's result or progress).",
    input: opInput(buildStatusOp),
  },
  read_console: {
    description: "Unity's compile result for the scripts this session wrote most recently: compiled, errors (file, line, message), or unknown.",
    input: z.strictObject(inSession),
  },
  list_changes: {
    description: "The session's change history, newest first: every script write, patch, delete, undo and rollback.",
    input: z.strictObject({ ...inSession, ...changesQuery.shape }),
  },
  undo: {
    description: 'Takes back the newest change of the session (that is neither reverted nor itself an undo).',
    input: z.strictObject(inSession),
  },
  rollback: {
    description: 'Puts every path changed after the change `to` back as it was then.',
    input: z.strictObject({ ...inSession, ...rollbackBody.shape }),
  },
  apply_preset: {
    description: "Writes a starter preset's scripts into the session (overwriting; the history keeps what was there).",
    input: z.strictObject({
      ...inSession,
      preset: z
        .string()
        .max(64)
        .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'preset must be a preset id, e.g. platformer-2d')
        .describe('A preset id, e.g. platformer-2d, top-down-action, visual-novel'),
    }),
  },
  query_events: {
    description: "The project's events (what the agent, Unity and the edge recorded), newest first, filtered and paged.",
    input: z.strictObject(eventsQuery.shape),
  },
} as const;

export type McpToolName = keyof typeof MCP_TOOLS;
export type McpToolInput<N extends McpToolName> = z.output<(typeof MCP_TOOLS)[N]['input']>;
export const MCP_TOOL_NAMES = Object.keys(MCP_TOOLS) as McpToolName[];
