import { describe, expect, it } from 'vitest';
import { MAX_PATCH_BYTES } from '../../contracts/limits';
import { applyPatchOp, generateScriptOp, unityOperation, type TextEdit } from '../../contracts/unity-ops';
import { compileOf, diffEdit, isDirty, position, resultFacts, saveOp, writtenSha } from '../../web/src/lib/scripts';

/** Applies one edit the way apply_text_edits does (1-based lines/cols, end exclusive). */
function applyEdit(text: string, e: TextEdit): string {
  const offset = (line: number, col: number) => {
    let i = 0;
    for (let l = 1; l < line; l++) i = text.indexOf('\n', i) + 1;
    return i + col - 1;
  };
  return text.slice(0, offset(e.startLine, e.startCol)) + e.newText + text.slice(offset(e.endLine, e.endCol));
}

describe('web script editor', () => {
  it('finds the one edit between two texts, in apply_text_edits positions', () => {
    const cases: [string, string][] = [
      ['class A {}\n', 'class B {}\n'],
      ['a\nb\nc\n', 'a\nB\nc\n'],
      ['a\nb\nc\n', 'a\nc\n'],
      ['a\nb\n', 'a\nb\nc\nd\n'],
      ['', 'using UnityEngine;\n'],
      ['x = "😀";\n', 'x = "😁";\n'],
      ['\tint a;\n\tint b;\n', '\tint a;\n\tint bb;\n\tint c;\n'],
    ];
    for (const [before, after] of cases) {
      const edit = diffEdit(before, after)!;
      expect(applyPatchOp.safeParse({ op: 'apply_patch', path: 'Assets/A.cs', edits: [edit] }).success).toBe(true);
      expect(applyEdit(before, edit)).toBe(after);
    }
    expect(diffEdit('same', 'same')).toBeNull();
    expect(diffEdit('a\nb\nc\n', 'a\nB\nc\n')).toEqual({ startLine: 2, startCol: 1, endLine: 2, endCol: 2, newText: 'B' });
    expect(position('ab\ncd', 4)).toEqual({ line: 2, col: 2 });
  });

  it('saves a new file as generate_script, an open one as a patch against the sha it was opened at', () => {
    const created = saveOp({ path: 'Assets/Scripts/Hello.cs', text: 'class Hello {}\n', base: null, baseSha: null });
    expect(created).toEqual({ op: 'generate_script', path: 'Assets/Scripts/Hello.cs', code: 'class Hello {}\n' });
    expect(generateScriptOp.safeParse(created).success).toBe(true);

    const sha = 'a'.repeat(64);
    const patched = saveOp({ path: 'Assets/Scripts/Hello.cs', text: 'class Hello { int x; }\n', base: 'class Hello {}\n', baseSha: sha });
    expect(patched).toMatchObject({ op: 'apply_patch', precondition_sha256: sha, edits: [{ startLine: 1, newText: ' int x; ' }] });
    expect(unityOperation.safeParse(patched).success).toBe(true);

    expect(saveOp({ path: 'Assets/A.cs', text: 'x', base: 'x', baseSha: sha })).toBeNull();
    expect(isDirty({ path: 'Assets/A.cs', text: 'x', base: 'x', baseSha: sha })).toBe(false);
    // Too big for one patch: written whole, in place of the old text.
    const big = 'x'.repeat(MAX_PATCH_BYTES + 1);
    expect(saveOp({ path: 'Assets/A.cs', text: big, base: 'y', baseSha: sha })).toMatchObject({ op: 'generate_script', overwrite: true });
  });

  it('reads the compile result tolerantly and the written sha from either result shape', () => {
    expect(compileOf({ path: 'Assets/A.cs' })).toBeNull();
    expect(compileOf({ compile: { status: 'maybe' } })).toBeNull();
    expect(compileOf({ compile: { status: 'compiled', errors: [] } })).toEqual({ status: 'compiled', errors: [] });
    expect(compileOf({ compile: { status: 'errors', errors: [{ file: 'Assets/A.cs', line: 3, message: "CS1002: ; expected" }, 'junk'] } })).toEqual({
      status: 'errors',
      errors: [{ file: 'Assets/A.cs', line: 3, message: 'CS1002: ; expected' }],
    });
    expect(compileOf({ compile: { status: 'unknown', errors: [], reason: 'no read_console' } })?.reason).toBe('no read_console');
    expect(writtenSha({ sha256: 'b'.repeat(64) })).toBe('b'.repeat(64));
    expect(writtenSha({ after_sha256: 'c'.repeat(64), before_sha256: 'd'.repeat(64) })).toBe('c'.repeat(64));
    expect(writtenSha('nope')).toBeNull();
  });

  it('turns an asset result into facts for people', () => {
    const facts = resultFacts({ info: { assetType: 'Texture2D', width: 512 }, components: [{ name: 'Transform' }, { name: 'SpriteRenderer' }], imported: true });
    expect(facts).toEqual([
      { label: 'info › asset type', value: 'Texture2D' },
      { label: 'info › width', value: '512' },
      { label: 'components', value: '2 items: Transform, SpriteRenderer' },
      { label: 'imported', value: 'true' },
    ]);
    expect(resultFacts(undefined)).toEqual([]);
  });
});
