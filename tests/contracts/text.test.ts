import { describe, expect, it } from 'vitest';
import { sparkEventV1 } from '../../contracts/event';
import { unityOperation } from '../../contracts/unity-ops';
import { findUnstorableText, toStorableText, unstorableTextProblem } from '../../contracts/text';
import { makeEvent } from '../support/api';

describe('text Postgres can store', () => {
  it('refuses NUL and lone surrogates, and accepts well-formed pairs', () => {
    expect(unstorableTextProblem('plain é 漢字 \ud83d\ude00')).toBeUndefined();
    expect(unstorableTextProblem('a\u0000')).toMatch(/NUL/);
    for (const lone of ['\ud800', 'x\udc00', '\udc00\ud800', 'a\ud83d', '\ude00b']) expect(unstorableTextProblem(lone), JSON.stringify(lone)).toMatch(/surrogate/);
  });

  it('finds the first bad string or key in a JSON value, with its path', () => {
    expect(findUnstorableText({ a: [1, 'ok', { b: 'x\u0000' }] })).toEqual({ path: ['a', 2, 'b'], problem: expect.stringMatching(/NUL/) });
    expect(findUnstorableText({ a: { ['k\ud800']: 1 } })).toEqual({ path: ['a'], problem: expect.stringMatching(/^keys .*surrogate/) });
    expect(findUnstorableText({ a: ['fine', { b: null }] })).toBeUndefined();
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
