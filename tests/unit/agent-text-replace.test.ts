import { describe, expect, it } from 'vitest';
import { applyStep, indexOfLineCol, lineColOf, planReplacement } from '../../local-agent/mcp/text-replace';
import { checkBalancedDelimiters, indexFromLineCol } from '../support/unity-mcp/project';

const methods = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `    void M${i}() { Debug.Log("${tag} ${i} {"); /* } */ }`).join('\n');
const cls = (body: string) => `// header\nusing UnityEngine;\n\npublic class C : MonoBehaviour\n{\n${body}\n}\n`;

function run(before: string, after: string, max?: number) {
  const plan = planReplacement(before, after, max);
  if (plan.noOp || 'error' in plan) throw new Error(JSON.stringify(plan));
  let text = before;
  const states: string[] = [];
  for (const step of plan.steps) {
    text = applyStep(text, step);
    states.push(text);
  }
  return { steps: plan.steps, text, states };
}

describe('planReplacement', () => {
  it('is a no-op for identical text', () => {
    expect(planReplacement('abc', 'abc')).toEqual({ noOp: true });
  });

  it('replaces only the changed middle, leaving a header before the first using untouched', () => {
    const before = cls(methods('a', 3));
    const after = before.replace('a 1', 'b 1');
    const { steps, text } = run(before, after);
    expect(text).toBe(after);
    expect(steps).toHaveLength(1);
    expect(steps[0]!.start).toBeGreaterThan(before.indexOf('using'));
  });

  it('splits a large replacement into pieces within the byte limit, every intermediate text balanced', () => {
    const before = cls(methods('a', 400));
    const after = cls(methods('é', 500));
    const max = 8 * 1024;
    const { steps, text, states } = run(before, after, max);
    expect(text).toBe(after);
    expect(steps.length).toBeGreaterThan(3);
    for (const s of steps) expect(Buffer.byteLength(s.newText)).toBeLessThanOrEqual(max);
    for (const state of states) expect(checkBalancedDelimiters(state)).toEqual({ ok: true });
  });

  it('says so when one block is too large to split at a balanced point', () => {
    const plan = planReplacement('using A;\nclass C {}\n', `using A;\nclass C { void M() { F(${'1, '.repeat(200)}1); } }\n`, 100);
    expect(plan).toMatchObject({ noOp: false, error: expect.stringMatching(/balanced/) });
  });
});

describe('lineColOf', () => {
  it("agrees with Unity's line/col counting (CRLF and lone CR are one break)", () => {
    const text = 'ab\r\ncd\ref\ngh';
    for (let i = 0; i <= text.length; i++) {
      if (text[i - 1] === '\r' && text[i] === '\n') continue; // never a position Spark sends
      const { line, col } = lineColOf(text, i);
      expect(indexFromLineCol(text, line, col), `index ${i}`).toBe(i);
      expect(indexOfLineCol(text, line, col), `index ${i}`).toBe(i);
    }
  });
});

describe('indexOfLineCol', () => {
  it('refuses positions past the end of a line or of the text', () => {
    expect(indexOfLineCol('ab\ncd', 1, 3)).toBe(2);
    expect(indexOfLineCol('ab\ncd', 1, 4)).toBeUndefined();
    expect(indexOfLineCol('ab\ncd', 2, 3)).toBe(5);
    expect(indexOfLineCol('ab\ncd', 3, 1)).toBeUndefined();
  });
});
