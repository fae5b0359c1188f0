import { describe, it, expect } from 'vitest';
import {
  applyPatchOp,
  BUILD_TARGETS,
  buildStatusOp,
  runMenuItemOp,
  deconstructAssetOp,
  generateScriptOp,
  ingestAssetOp,
  renderPreviewOp,
  runBuildOp,
  UNITY_OP_NAMES,
  unityOperation,
  type UnityOperation,
} from '../../contracts/unity-ops';
import {
  MAX_BUILD_OPTIONS,
  MAX_CAMERA_NAME_LEN,
  MAX_PATCH_BYTES,
  MAX_PATCH_EDITS,
  MAX_PREVIEW_PX,
  MAX_SCRIPT_BYTES,
  MIN_PREVIEW_PX,
} from '../../contracts/limits';

const bytes = (s: string) => new TextEncoder().encode(s).length;

function firstIssue(value: unknown) {
  const r = unityOperation.safeParse(value);
  expect(r.success).toBe(false);
  return r.error!.issues[0]!;
}

describe('generate_script', () => {
  const op = (code: string, path = 'Assets/Scripts/Player.cs') => ({ op: 'generate_script', path, code });

  it('accepts a script under Assets/', () => {
    const input = { ...op('public class Player {}'), overwrite: true };
    expect(unityOperation.parse(input)).toEqual(input);
    expect(generateScriptOp.safeParse(input).success).toBe(true);
  });

  it(`accepts ${MAX_SCRIPT_BYTES} bytes of code and rejects one more`, () => {
    const atLimit = 'x'.repeat(MAX_SCRIPT_BYTES);
    expect(unityOperation.safeParse(op(atLimit)).success).toBe(true);
    const issue = firstIssue(op(atLimit + 'x'));
    expect(issue.path).toEqual(['code']);
    expect(issue.message).toContain(String(MAX_SCRIPT_BYTES));
  });

  it('counts code in UTF-8 bytes', () => {
    const atLimit = 'é'.repeat(MAX_SCRIPT_BYTES / 2);
    expect(bytes(atLimit)).toBe(MAX_SCRIPT_BYTES);
    expect(unityOperation.safeParse(op(atLimit)).success).toBe(true);
    // Half the characters of the limit, one byte over it.
    expect(firstIssue(op(atLimit + 'x')).path).toEqual(['code']);
    const emoji = '😀'.repeat(MAX_SCRIPT_BYTES / 4);
    expect(unityOperation.safeParse(op(emoji)).success).toBe(true);
    expect(unityOperation.safeParse(op(emoji + 'x')).success).toBe(false);
  });

  it('guards the path', () => {
    for (const path of ['Assets/../Player.cs', 'Assets\\Player.cs', '/Assets/Player.cs', 'Uploads/Player.cs', 'Assets/Player.txt', 'C:/Assets/Player.cs']) {
      expect(firstIssue(op('x', path)).path, path).toEqual(['path']);
    }
  });

  it('rejects unknown options', () => {
    expect(firstIssue({ ...op('x'), overwite: true }).code).toBe('unrecognized_keys');
  });
});

describe('apply_patch', () => {
  const edit = (line: number, newText = 'x', overrides: Record<string, number> = {}) => ({
    startLine: line,
    startCol: 1,
    endLine: line,
    endCol: 5,
    newText,
    ...overrides,
  });
  const op = (edits: unknown[], extra: Record<string, unknown> = {}) => ({
    op: 'apply_patch',
    path: 'Assets/Scripts/Player.cs',
    edits,
    ...extra,
  });

  it('accepts edits with a precondition hash', () => {
    const input = op([edit(1), edit(3, 'y', { endLine: 4, endCol: 1 })], { precondition_sha256: 'a'.repeat(64) });
    expect(unityOperation.parse(input)).toEqual(input);
    expect(applyPatchOp.safeParse(input).success).toBe(true);
  });

  it(`accepts 1..${MAX_PATCH_EDITS} edits and rejects 0 or ${MAX_PATCH_EDITS + 1}`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => edit(i + 1));
    expect(unityOperation.safeParse(op(many(1))).success).toBe(true);
    expect(unityOperation.safeParse(op(many(MAX_PATCH_EDITS))).success).toBe(true);
    expect(firstIssue(op(many(MAX_PATCH_EDITS + 1))).path).toEqual(['edits']);
    expect(firstIssue(op([])).path).toEqual(['edits']);
  });

  it('requires positions to be integers >= 1', () => {
    const bads: Record<string, number>[] = [{ startLine: 0 }, { startCol: 0 }, { endLine: 1.5 }, { endCol: -1 }];
    for (const bad of bads) {
      expect(firstIssue(op([edit(1, 'x', bad)])).path[0]).toBe('edits');
    }
  });

  it('rejects an edit whose end precedes its start; end == start is an insertion', () => {
    expect(firstIssue(op([edit(5, 'x', { endLine: 4 })])).message).toContain('precede');
    expect(firstIssue(op([edit(5, 'x', { startCol: 6, endCol: 5 })])).message).toContain('precede');
    expect(unityOperation.safeParse(op([edit(5, 'x', { startCol: 5, endCol: 5 })])).success).toBe(true);
  });

  it('rejects overlapping edits in any order and accepts touching ones', () => {
    const a = edit(1, 'a', { startCol: 1, endCol: 5 });
    const overlapping = edit(1, 'b', { startCol: 4, endCol: 8 });
    const touching = edit(1, 'b', { startCol: 5, endCol: 8 });
    expect(firstIssue(op([a, overlapping])).message).toContain('overlap');
    expect(firstIssue(op([overlapping, a])).message).toContain('overlap');
    expect(firstIssue(op([edit(10), a, overlapping])).path).toEqual(['edits', 2]);
    expect(unityOperation.safeParse(op([touching, a])).success).toBe(true);
  });

  it(`accepts ${MAX_PATCH_BYTES} bytes of newText in total and rejects one more`, () => {
    const half = MAX_PATCH_BYTES / 2;
    const atLimit = [edit(1, 'x'.repeat(half)), edit(2, 'é'.repeat(half / 2))];
    expect(atLimit.reduce((n, e) => n + bytes(e.newText), 0)).toBe(MAX_PATCH_BYTES);
    expect(unityOperation.safeParse(op(atLimit)).success).toBe(true);
    const over = [...atLimit, edit(3, 'x')];
    const issue = firstIssue(op(over));
    expect(issue.path).toEqual(['edits']);
    expect(issue.message).toContain(String(MAX_PATCH_BYTES));
    // Multibyte: a single character of 2 bytes tips it over too.
    expect(unityOperation.safeParse(op([edit(1, 'x'.repeat(MAX_PATCH_BYTES - 1) + 'é')])).success).toBe(false);
  });

  it('requires precondition_sha256 to be 64 lowercase hex characters', () => {
    for (const h of ['A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64)]) {
      expect(firstIssue(op([edit(1)], { precondition_sha256: h })).path).toEqual(['precondition_sha256']);
    }
  });

  it('guards the path like generate_script', () => {
    expect(firstIssue({ ...op([edit(1)]), path: 'Assets/../x.cs' }).path).toEqual(['path']);
  });
});

describe('render_preview', () => {
  const op = (extra: Record<string, unknown> = {}) => ({ op: 'render_preview', width: 640, height: 360, ...extra });

  it('accepts a size and defaults format to png', () => {
    const parsed = unityOperation.parse(op());
    expect(parsed).toEqual({ ...op(), format: 'png' });
    expect(renderPreviewOp.parse(op({ format: 'jpg', camera: 'Main Camera' })).format).toBe('jpg');
  });

  it.each(['width', 'height'])(`%s: accepts ${MIN_PREVIEW_PX}..${MAX_PREVIEW_PX} px, rejects outside`, (side) => {
    expect(unityOperation.safeParse(op({ [side]: MAX_PREVIEW_PX })).success).toBe(true);
    expect(unityOperation.safeParse(op({ [side]: MIN_PREVIEW_PX })).success).toBe(true);
    const over = firstIssue(op({ [side]: MAX_PREVIEW_PX + 1 }));
    expect(over.path).toEqual([side]);
    expect(over.message).toContain(String(MAX_PREVIEW_PX));
    expect(firstIssue(op({ [side]: MIN_PREVIEW_PX - 1 })).path).toEqual([side]);
    expect(firstIssue(op({ [side]: 100.5 })).path).toEqual([side]);
  });

  it('rejects unknown formats and bad camera names', () => {
    expect(firstIssue(op({ format: 'gif' })).path).toEqual(['format']);
    expect(firstIssue(op({ camera: '' })).path).toEqual(['camera']);
    expect(unityOperation.safeParse(op({ camera: 'c'.repeat(MAX_CAMERA_NAME_LEN) })).success).toBe(true);
    expect(firstIssue(op({ camera: 'c'.repeat(MAX_CAMERA_NAME_LEN + 1) })).path).toEqual(['camera']);
  });
});

describe.each([
  ['ingest_asset', ingestAssetOp],
  ['deconstruct_asset', deconstructAssetOp],
] as const)('%s', (name, schema) => {
  it('accepts any asset under Assets/', () => {
    const input = { op: name, path: 'Assets/Models/Hero.fbx' };
    expect(unityOperation.parse(input)).toEqual(input);
    expect(schema.safeParse(input).success).toBe(true);
  });

  it('rejects paths outside Assets/ or escaping it', () => {
    for (const path of ['Uploads/Hero.fbx', 'Assets/../../etc/passwd', '/Assets/Hero.fbx', 'Assets\\Hero.fbx', 'ProjectSettings/x.asset']) {
      expect(firstIssue({ op: name, path }).path, path).toEqual(['path']);
    }
  });
});

it('ingest_asset takes generatePreview', () => {
  expect(unityOperation.safeParse({ op: 'ingest_asset', path: 'Assets/a.png', generatePreview: true }).success).toBe(true);
  expect(unityOperation.safeParse({ op: 'ingest_asset', path: 'Assets/a.png', generatePreview: 'yes' }).success).toBe(false);
});

describe('run_build', () => {
  it.each(BUILD_TARGETS)('accepts %s', (target) => {
    expect(runBuildOp.safeParse({ op: 'run_build', target }).success).toBe(true);
  });

  it('rejects unknown targets, including wrong case', () => {
    for (const target of ['PS5', 'webgl', 'StandaloneWindows', '', 42]) {
      expect(firstIssue({ op: 'run_build', target }).path).toEqual(['target']);
    }
  });

  it('accepts development and a small flat options map', () => {
    const input = { op: 'run_build', target: 'WebGL', development: true, options: { compression: 'brotli', threads: 4, strip: false } };
    expect(unityOperation.parse(input)).toEqual(input);
  });

  it(`accepts ${MAX_BUILD_OPTIONS} options and rejects ${MAX_BUILD_OPTIONS + 1}`, () => {
    const options = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(unityOperation.safeParse({ op: 'run_build', target: 'iOS', options: options(MAX_BUILD_OPTIONS) }).success).toBe(true);
    expect(firstIssue({ op: 'run_build', target: 'iOS', options: options(MAX_BUILD_OPTIONS + 1) }).path).toEqual(['options']);
  });

  it('rejects nested values and odd option names', () => {
    for (const options of [{ a: { b: 1 } }, { a: [1] }, { a: null }, { '../x': 1 }, { __proto__x: 1 }, { '': 1 }]) {
      expect(firstIssue({ op: 'run_build', target: 'Android', options }).path[0]).toBe('options');
    }
  });
});

describe('build_status', () => {
  it("accepts Unity's own job ids (build- or batch- and 10 hex digits)", () => {
    for (const jobId of ['build-0123456789', 'build-abcdef0123', 'batch-00ff00ff00']) {
      const input = { op: 'build_status', jobId };
      expect(buildStatusOp.parse(input)).toEqual(input);
    }
  });

  it('rejects a missing job id, a UUID (Spark ids mean nothing to Unity) and near misses', () => {
    for (const jobId of [crypto.randomUUID(), '42', 'build-012345678', 'build-0123456789a', 'build-ABCDEF0123', 'job-0123456789', undefined, 42]) {
      expect(firstIssue({ op: 'build_status', jobId }).path).toEqual(['jobId']);
    }
  });
});

describe('run_menu_item', () => {
  it('accepts only Spark menu items under Tools/Spark/', () => {
    const ok = { op: 'run_menu_item', menuPath: 'Tools/Spark/Platformer 2D/Apply Low-End WebGL Settings' };
    expect(runMenuItemOp.parse(ok)).toEqual(ok);
    for (const menuPath of ['File/Quit', 'Assets/Delete', 'Tools/Spark', 'Tools/Spark/', 'Tools/Other/X', 'Tools/Spark/a\nb', undefined, `Tools/Spark/${'x'.repeat(300)}`]) {
      expect(firstIssue({ op: 'run_menu_item', menuPath }).path).toEqual(['menuPath']);
    }
    expect(firstIssue({ op: 'run_menu_item', menuPath: ok.menuPath, extra: 1 }).path).toEqual([]);
  });
});

describe('unityOperation', () => {
  it('rejects unknown or missing op', () => {
    expect(firstIssue({ op: 'delete_project' }).path).toEqual(['op']);
    expect(firstIssue({ path: 'Assets/x.cs' }).path).toEqual(['op']);
  });

  it('UNITY_OP_NAMES lists exactly the operations the union accepts', () => {
    expect([...UNITY_OP_NAMES].sort()).toEqual(
      ['apply_patch', 'build_status', 'deconstruct_asset', 'delete_script', 'generate_script', 'ingest_asset', 'render_preview', 'run_build', 'run_menu_item'].sort(),
    );
    for (const name of UNITY_OP_NAMES) {
      // Known names fail on their fields, never on the discriminator.
      const issue = firstIssue({ op: name });
      expect(issue.path).not.toEqual(['op']);
    }
  });

  it('delete_script takes a script path under Assets/ and nothing else', () => {
    expect(unityOperation.safeParse({ op: 'delete_script', path: 'Assets/Scripts/Old.cs' }).success).toBe(true);
    expect(unityOperation.safeParse({ op: 'delete_script', path: 'Assets/../Old.cs' }).success).toBe(false);
    expect(unityOperation.safeParse({ op: 'delete_script', path: 'ProjectSettings/Old.cs' }).success).toBe(false);
    expect(unityOperation.safeParse({ op: 'delete_script', path: 'Assets/Old.cs', force: true }).success).toBe(false);
  });

  it('narrows by op in TypeScript', () => {
    const parsed: UnityOperation = unityOperation.parse({ op: 'build_status', jobId: 'build-0123456789' });
    if (parsed.op === 'build_status') expect(typeof parsed.jobId).toBe('string');
    else expect.unreachable();
  });
});
