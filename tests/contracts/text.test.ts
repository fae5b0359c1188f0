import { describe, expect, it } from 'vitest';
import { sparkEventV1 } from '../../contracts/event';
import { unityOperation } from '../../contracts/unity-ops';
import { findUnstorableJson, toStorableText, unstorableTextProblem } from '../../contracts/text';
import { makeEvent } from '../support/api';

describe('text Postgres can store', () => {
  it('refuses NUL and lone surrogates, and accepts well-formed pairs', () => {
    expect(unstorableTextProblem('plain é 漢字 \ud83d\ude00')).toBeUndefined();
    expect(unstorableTextProblem('a\u0000')).toMatch(/NUL/);
    for (const lone of ['\ud800', 'x\udc00', '\udc00\ud800', 'a\ud83d', '\ude00b']) expect(unstorableTextProblem(lone), JSON.stringify(lone)).toMatch(/surrogate/);
  });

  it('finds the first bad string or key in a JSON value, with its path', () => {
    expect(findUnstorableJson({ a: [1, 'ok', { b: 'x\u0000' }] })).toEqual({ path: ['a', 2, 'b'], kind: 'text', problem: expect.stringMatching(/NUL/) });
    expect(findUnstorableJson({ a: { ['k\ud800']: 1 } })).toEqual({ path: ['a'], kind: 'text', problem: expect.stringMatching(/^keys .*surrogate/) });
    expect(findUnstorableJson({ a: ['fine', { b: null, c: -1.5e300, d: true }], e: Object.assign(Object.create(null), { f: 'x' }) })).toBeUndefined();
  });

  it('finds the first value that is not JSON, with its path', () => {
    expect(findUnstorableJson({ a: [1, { b: undefined }] })).toEqual({ path: ['a', 1, 'b'], kind: 'value', problem: expect.stringMatching(/not undefined$/) });
    expect(findUnstorableJson({ n: Number.NaN })).toEqual({ path: ['n'], kind: 'value', problem: expect.stringMatching(/not NaN$/) });
    expect(findUnstorableJson({ n: Infinity })?.problem).toMatch(/not Infinity$/);
    expect(findUnstorableJson({ d: new Date(0) })).toEqual({ path: ['d'], kind: 'value', problem: expect.stringMatching(/not a Date object$/) });
    expect(findUnstorableJson({ f: () => 1 })?.problem).toMatch(/not function$/);
    expect(findUnstorableJson({ b: 1n })?.problem).toMatch(/not bigint$/);
  });

  it('refuses such a payload in an event, naming the field, as the recursive z.json() did', () => {
    const r = sparkEventV1.safeParse(makeEvent({ payload: { at: new Date(0) } as never }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['payload', 'at'], message: expect.stringMatching(/^payload must be JSON/) });
    const ok = sparkEventV1.safeParse(makeEvent({ payload: { a: [1, 'x', { b: null }] } }));
    expect(ok.success && ok.data.payload).toEqual({ a: [1, 'x', { b: null }] });
  });

  it('names the failing event field', () => {
    const issue = (over: object) => sparkEventV1.safeParse(makeEvent(over)).error?.issues[0];
    expect(issue({ trace_id: 't\u0000' })).toMatchObject({ path: ['trace_id'], message: expect.stringMatching(/^trace_id must not contain NUL/) });
    expect(issue({ payload: { deep: [{ x: '\udfff' }] } })).toMatchObject({ path: ['payload', 'deep', 0, 'x'] });
    expect(issue({ payload: { ok: 'fine' } })).toBeUndefined();
  });

  it('refuses script text the history could not keep', () => {
    const code = unityOperation.safeParse({ op: 'generate_script', path: 'Assets/A.cs', code: 'class A {}\u0000' });
    expect(code.error?.issues[0]).toMatchObject({ path: ['code'], message: expect.stringMatching(/^code must not contain NUL/) });
    const edit = unityOperation.safeParse({ op: 'apply_patch', path: 'Assets/A.cs', edits: [{ startLine: 1, startCol: 1, endLine: 1, endCol: 1, newText: '\ud800' }] });
    expect(edit.error?.issues[0]?.path).toEqual(['edits', 0, 'newText']);
  });

  it('shows bad text in messages without losing the rest', () => {
    expect(toStorableText('a\u0000b\ud800c\ud83d\ude00')).toBe('a\\0b\ufffdc\ud83d\ude00');
  });
});
