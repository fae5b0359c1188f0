import type { z } from 'zod';
import type { BuildQueue } from './builds';
import type { Envelope, UnityProject } from './project';

export interface ToolContext {
  project: UnityProject;
  builds: BuildQueue;
  buildDurationMs: number;
}

export interface ImageBlock {
  /** Optional caption sent as a text block right before the image (batch screenshots). */
  caption?: string;
  data: Buffer;
  mimeType: 'image/png' | 'image/jpeg';
}

export type ToolOutput = Envelope | { envelope: Envelope; images: ImageBlock[] };

export interface ToolDef {
  name: string;
  title?: string;
  description: string;
  /** Always a strict object: unknown arguments are rejected by the SDK before the handler runs. */
  inputSchema: z.ZodObject<any, any>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  handler: (args: any) => Promise<ToolOutput>;
}

/** `true`/`false`, or the strings the real server coerces ("true", "1", "yes", "on" / "false", "0", ...). */
export function coerceBool(v: unknown, fallback?: boolean): boolean | undefined {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    return fallback;
  }
  return Boolean(v);
}

export function coerceInt(v: unknown): number | undefined {
  if (v === undefined || v === null || typeof v === 'boolean') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Parses a JSON payload the real server accepts as a string (lists, dicts), or returns it as is. */
export function parseJsonPayload(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}
