import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { apiError, firstIssue, validationApiError } from '../../contracts/errors';
import { sparkEventV1 } from '../../contracts/event';
import { unityOperation } from '../../contracts/unity-ops';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../contracts/limits';

const batch = z.strictObject({ events: z.array(sparkEventV1) });

const event = (overrides: Record<string, unknown> = {}) => ({
  v: 1,
  id: crypto.randomUUID(),
  type: 'unity.started',
  source: 'test',
  kind: 'system',
  ts: 1,
  session_id: 's',
  payload: {},
  ...overrides,
});

function errorOf(schema: z.ZodType, value: unknown): z.ZodError {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected the parse to fail');
  return r.error;
}

describe('firstIssue', () => {
  it('names a nested field by its dotted path', () => {
    const big = { d: 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES) };
    const events = [event(), event(), event(), event({ payload: big })];
    const issue = firstIssue(errorOf(batch, { events }));
    expect(issue.path).toBe('events.3.payload');
    expect(issue.message.startsWith('events.3.payload')).toBe(true);
    expect(issue.message).toContain(String(MAX_EVENT_PAYLOAD_BYTES));
    expect(issue.code).toBe('custom');
  });

  it('names a top-level field', () => {
    const issue = firstIssue(errorOf(unityOperation, { op: 'ingest_asset', path: 'Assets/../x' }));
    expect(issue.path).toBe('path');
    expect(issue.message).toBe("path: path must not contain '..' segments");
  });

  it('says a missing field is required when given the input', () => {
    const { id: _id, ...withoutId } = event();
    expect(firstIssue(errorOf(sparkEventV1, withoutId), withoutId)).toEqual({ code: 'invalid_type', message: 'id is required', path: 'id' });
    const { v: _v, ...withoutV } = event();
    expect(firstIssue(errorOf(sparkEventV1, withoutV), withoutV).message).toBe('v is required');
    const nested = { events: [event(), event({ source: undefined })] };
    expect(firstIssue(errorOf(batch, nested), nested).message).toBe('events.1.source is required');
    // A present but wrong value keeps its own message.
    const wrong = event({ id: 'x' });
    expect(firstIssue(errorOf(sparkEventV1, wrong), wrong).message).toBe('id: id must be a UUID');
  });

  it("recognises zod's default missing-field message without the input", () => {
    const { source: _s, ...withoutSource } = event();
    expect(firstIssue(errorOf(sparkEventV1, withoutSource)).message).toBe('source is required');
  });

  it('blames the unknown field itself', () => {
    const issue = firstIssue(errorOf(batch, { events: [event({ sesion_id: 'x' })] }));
    expect(issue.path).toBe('events.0.sesion_id');
    expect(issue.message).toContain('events.0.sesion_id');
    expect(issue.code).toBe('unrecognized_keys');
  });

  it('uses "input" when the whole value is wrong', () => {
    const issue = firstIssue(errorOf(batch, 'nope'));
    expect(issue.path).toBe('');
    expect(issue.message.startsWith('input: ')).toBe(true);
  });

  it('names the discriminator when the op is unknown', () => {
    const issue = firstIssue(errorOf(unityOperation, { op: 'rm_rf' }));
    expect(issue.path).toBe('op');
  });
});

describe('apiError / validationApiError', () => {
  it('builds a valid 400 body that names the field', () => {
    const body = validationApiError(errorOf(sparkEventV1, event({ ts: -1 })));
    expect(apiError.parse(body)).toEqual(body);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.path).toBe('ts');
    expect(body.error.message).toContain('ts');
  });

  it('omits path when the whole input is wrong', () => {
    const body = validationApiError(errorOf(sparkEventV1, null));
    expect(body.error).not.toHaveProperty('path');
    expect(apiError.safeParse(body).success).toBe(true);
  });

  it('rejects malformed error bodies', () => {
    expect(apiError.safeParse({ error: { message: 'x' } }).success).toBe(false);
    expect(apiError.safeParse({ error: { code: '', message: 'x' } }).success).toBe(false);
    expect(apiError.safeParse({ code: 'x', message: 'y' }).success).toBe(false);
  });
});
