import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { firstIssue } from '../../contracts/errors';
import { HttpError } from './errors';

/** zod validation whose failures answer 400 `{ error: { code: 'invalid_<target>', message, path } }`. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = firstIssue(result.error as unknown as z.ZodError);
      throw new HttpError(400, `invalid_${target}`, issue.message, issue.path);
    }
  });
}

/** Rejects bodies over `maxBytes` before they are parsed. */
export async function readJsonLimited(req: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const buf = await req.arrayBuffer();
  if (buf.byteLength > maxBytes) throw tooLarge(maxBytes);
  try {
    return JSON.parse(new TextDecoder().decode(buf));
  } catch {
    throw new HttpError(400, 'invalid_body', 'request body must be valid JSON');
  }
}

const tooLarge = (max: number) => new HttpError(413, 'payload_too_large', `request body must be at most ${max} bytes`);
