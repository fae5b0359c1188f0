import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetNamed } from '../../edge/services/presets';
import { generateScriptOp, runBuildOp, runMenuItemOp, MAX_BUILD_OPTIONS } from '../../contracts';
import {
  PRESETS_DIR,
  loadPresets,
  presetManifestSchema,
  presetSchema,
  toGenerateScriptOps,
  toRunBuildOp,
  toRunMenuItemOp,
  type Preset,
} from '../../web/presets';

const presets = loadPresets();
const scripts = presets.flatMap((preset) => preset.scripts.map((script) => ({ preset: preset.id, ...script })));

/** `code` with comments, string and char literals, and preprocessor lines blanked out. */
function stripCSharp(code: string): string {
  let out = '';
  let i = 0;
  let lineStart = true;
  while (i < code.length) {
    const c = code[i]!;
    const next = code[i + 1];
    // Preprocessor lines (#if, #else, #endif...) hold no code.
    if (lineStart && /^[ \t]*#/.test(code.slice(i, i + 256))) {
      const end = code.indexOf('\n', i);
      i = end === -1 ? code.length : end;
      continue;
    }
    if (c === '\n') {
      out += c;
      lineStart = true;
      i++;
      continue;
    }
    lineStart = false;
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      i = end === -1 ? code.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      if (end === -1) throw new Error('unterminated block comment');
      i = end + 2;
      continue;
    }
    // Verbatim strings (@"..." and $@"..." / @$"...") escape quotes by doubling them.
    const verbatim = /^(?:@\$?|\$@)"/.exec(code.slice(i, i + 3));
    if (verbatim) {
      i += verbatim[0].length;
      for (;;) {
        if (i >= code.length) throw new Error('unterminated verbatim string');
        if (code[i] === '"' && code[i + 1] === '"') i += 2;
        else if (code[i] === '"') break;
        else i++;
      }
      i++;
      out += '""';
      continue;
    }
    // Regular and interpolated strings; interpolation holes must not contain string literals.
    if (c === '"' || (c === '$' && next === '"')) {
      i += c === '$' ? 2 : 1;
      for (;;) {
        if (i >= code.length || code[i] === '\n') throw new Error('unterminated string literal');
        if (code[i] === '\\') i += 2;
        else if (code[i] === '"') break;
        else i++;
      }
      i++;
      out += '""';
      continue;
    }
    if (c === "'") {
      i++;
      for (;;) {
        if (i >= code.length || code[i] === '\n') throw new Error('unterminated char literal');
        if (code[i] === '\\') i += 2;
        else if (code[i] === "'") break;
        else i++;
      }
      i++;
      out += "' '";
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** First unbalanced bracket in `code` (after stripping), or undefined when all balance. */
function bracketProblem(code: string): string | undefined {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: { ch: string; line: number }[] = [];
  let line = 1;
  for (const ch of stripCSharp(code)) {
    if (ch === '\n') line++;
    else if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, line });
    else if (ch in pairs) {
      const open = stack.pop();
      if (!open || open.ch !== pairs[ch]) return `unexpected '${ch}' on line ${line}`;
    }
  }
  const open = stack.pop();
  return open ? `unclosed '${open.ch}' from line ${open.line}` : undefined;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1, -'.cs'.length);
}

const isEditorScript = (path: string) => path.includes('/Editor/');

describe('presets', () => {
  it('ships exactly three presets with distinct ids, in id order', () => {
    expect(presets.map((p) => p.id)).toEqual(['platformer-2d', 'top-down-action', 'visual-novel']);
  });

  it('each preset folder holds exactly the files its manifest lists', () => {
    for (const preset of presets) {
      const listed = preset.scripts.map((s) => s.file).sort();
      // The folder mirrors the Unity layout under Assets/<PresetName>/.
      for (const s of preset.scripts) expect(s.path.split('/').slice(2).join('/')).toBe(s.file);
      const onDisk = readdirSync(join(PRESETS_DIR, preset.id), { recursive: true, encoding: 'utf8' })
        .map((f) => f.split('\\').join('/'))
        .filter((f) => f.endsWith('.cs'))
        .sort();
      expect(onDisk).toEqual(listed);
    }
  });

  it('every preset validates against presetSchema and has readable text', () => {
    for (const preset of presets) {
      expect(presetSchema.safeParse(preset).success).toBe(true);
      const sentences = preset.description.split(/(?<=\.)\s+/).filter(Boolean);
      expect(sentences.length).toBeGreaterThanOrEqual(2);
      expect(sentences.length).toBeLessThanOrEqual(3);
      expect(preset.settings.length).toBeGreaterThan(0);
    }
  });

  it('every script is a valid generate_script operation', () => {
    for (const script of scripts) {
      const result = generateScriptOp.safeParse({ op: 'generate_script', path: script.path, code: script.code });
      expect(result.success, `${script.path}: ${result.error?.message}`).toBe(true);
    }
    for (const preset of presets) {
      expect(toGenerateScriptOps(preset)).toHaveLength(preset.scripts.length);
    }
  });

  it('every build is a valid low-end WebGL run_build operation', () => {
    for (const preset of presets) {
      const op = { op: 'run_build', ...preset.build };
      const result = runBuildOp.safeParse(op);
      expect(result.success, `${preset.id}: ${result.error?.message}`).toBe(true);
      expect(toRunBuildOp(preset)).toEqual(op);
      expect(preset.build.target).toBe('WebGL');
      expect(preset.build.development).toBe(false);
      // manage_build takes no player settings: a preset's build carries none it cannot apply.
      expect(preset.build).not.toHaveProperty('options');
      const values = preset.applySettings.values;
      expect(Object.keys(values).length).toBeLessThanOrEqual(MAX_BUILD_OPTIONS);
      expect(values.compression).toBe('gzip');
      expect(values.textureMaxSize).toBeGreaterThanOrEqual(512);
      expect(values.textureMaxSize).toBeLessThanOrEqual(1024);
    }
  });

  it("applies its settings through its Editor script's own menu item, a valid run_menu_item", () => {
    for (const preset of presets) {
      const op = toRunMenuItemOp(preset);
      expect(runMenuItemOp.safeParse(op).success).toBe(true);
      const editor = preset.scripts.find((s) => s.path.endsWith('WebGLSettings.cs'))!;
      const root = /MenuRoot = "([^"]+)"/.exec(editor.code)![1];
      expect(editor.code).toContain('[MenuItem(MenuRoot + "Apply Low-End WebGL Settings"');
      expect(op.menuPath).toBe(`${root}Apply Low-End WebGL Settings`);
    }
  });

  it('pixel-art presets use point filtering, the visual novel bilinear', () => {
    const filter = Object.fromEntries(presets.map((p) => [p.id, p.applySettings.values.textureFilter]));
    expect(filter).toEqual({ 'platformer-2d': 'point', 'top-down-action': 'point', 'visual-novel': 'bilinear' });
  });

  it('script paths are unique and live under Assets/<PresetName>/', () => {
    const paths = scripts.map((s) => s.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const preset of presets) {
      const roots = new Set(preset.scripts.map((s) => s.path.split('/')[1]));
      expect(roots.size, preset.id).toBe(1);
      expect(preset.scripts.some((s) => isEditorScript(s.path)), preset.id).toBe(true);
    }
  });

  it('the schemas reject broken presets', () => {
    const sample = presets[0]!;
    const withScripts = (scripts: Preset['scripts']) => ({ ...sample, scripts });
    const first = sample.scripts[0]!;
    expect(presetSchema.safeParse(withScripts([first, first])).success).toBe(false);
    expect(presetSchema.safeParse(withScripts([{ ...first, path: 'Scripts/X.cs' }])).success).toBe(false);
    expect(presetSchema.safeParse(withScripts([{ ...first, path: 'Assets/X.txt' }])).success).toBe(false);
    expect(presetSchema.safeParse(withScripts([{ ...first, path: 'Assets/Elsewhere/Other.cs' }])).success).toBe(false);
    expect(presetSchema.safeParse(withScripts([{ ...first, file: '../Other.cs' }])).success).toBe(false);
    expect(presetSchema.safeParse(withScripts([{ ...first, code: 'x'.repeat(200 * 1024 + 1) }])).success).toBe(false);
    expect(presetSchema.safeParse({ ...sample, build: { ...sample.build, target: 'PS5' } }).success).toBe(false);
    expect(presetSchema.safeParse({ ...sample, build: { ...sample.build, op: 'run_build' } }).success).toBe(false);
    expect(presetSchema.safeParse({ ...sample, build: { ...sample.build, options: { compression: 'gzip' } } }).success).toBe(false);
    const withValues = (values: unknown) => ({ ...sample, applySettings: { ...sample.applySettings, values } });
    expect(presetSchema.safeParse(withValues({ '../x': 1 })).success).toBe(false);
    expect(presetSchema.safeParse(withValues({ nested: { a: 1 } })).success).toBe(false);
    const tooMany = Object.fromEntries(Array.from({ length: MAX_BUILD_OPTIONS + 1 }, (_, i) => [`k${i}`, i]));
    expect(presetSchema.safeParse(withValues(tooMany)).success).toBe(false);
    expect(presetSchema.safeParse({ ...sample, applySettings: { ...sample.applySettings, menuItem: 'File/Quit' } }).success).toBe(false);
  });

  it('loadPresets refuses a manifest that points outside its folder or mismatches its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spark-presets-'));
    try {
      const manifest = {
        id: 'demo',
        name: 'Demo',
        genre: 'Demo',
        description: 'One. Two.',
        scripts: [{ file: 'A.cs', path: 'Assets/Demo/A.cs', summary: 'a' }],
        build: { target: 'WebGL' },
        applySettings: { menuItem: 'Tools/Spark/Demo/Apply', values: {} },
        settings: ['none'],
      };
      expect(presetManifestSchema.safeParse(manifest).success).toBe(true);
      expect(presetManifestSchema.safeParse({ ...manifest, scripts: [{ ...manifest.scripts[0], file: '../A.cs' }] }).success).toBe(
        false,
      );
      expect(presetManifestSchema.safeParse({ ...manifest, scripts: [{ ...manifest.scripts[0], file: 'B.cs' }] }).success).toBe(
        false,
      );

      mkdirSync(join(dir, 'demo'));
      writeFileSync(join(dir, 'demo', 'preset.json'), JSON.stringify(manifest));
      writeFileSync(join(dir, 'demo', 'A.cs'), 'namespace Demo { }');
      expect(loadPresets(dir).map((p) => p.scripts[0]!.code)).toEqual(['namespace Demo { }']);

      writeFileSync(join(dir, 'demo', 'preset.json'), JSON.stringify({ ...manifest, id: 'other' }));
      expect(() => loadPresets(dir)).toThrow(/must match its folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('preset C# sources', () => {
  it.each(scripts.map((s) => [s.path, s] as const))('%s is well-formed Unity C#', (path, script) => {
    const { code } = script;
    const stripped = stripCSharp(code);

    expect(bracketProblem(code)).toBeUndefined();
    expect(stripped).toMatch(/^\s*namespace\s+Spark\.Presets\.[A-Za-z0-9_.]+\s*\{/m);

    const publicTypes = [
      ...stripped.matchAll(
        /\bpublic\s+(?:(?:static|sealed|abstract|partial|readonly)\s+)*(?:class|struct|interface|enum)\s+([A-Za-z_]\w*)/g,
      ),
    ].map((m) => m[1]);
    expect(publicTypes).toContain(fileName(path));

    expect(code).toMatch(/^using UnityEngine;$/m);
    if (isEditorScript(path)) {
      expect(code).toMatch(/^using UnityEditor;$/m);
      expect(stripped).toMatch(/\bnamespace\s+[\w.]+\.Editor\s*\{/);
    } else {
      expect(code).not.toMatch(/^using UnityEditor/m);
    }

    expect(code).not.toMatch(/TODO|FIXME|NotImplementedException/);
    // Unity 2022 LTS compiles C# 9: no file-scoped namespaces, global usings or raw strings.
    expect(stripped).not.toMatch(/^\s*namespace\s+[\w.]+\s*;/m);
    expect(stripped).not.toMatch(/^\s*global\s+using\b/m);
    expect(code).not.toContain('"""');
    // Inspector fields are [SerializeField] private, never public.
    expect(stripped).not.toMatch(
      /^\s*public\s+(?!(?:static|const|readonly|event|override|abstract|virtual|sealed|partial|class|struct|interface|enum|delegate)\b)[\w<>[\],.?]+\s+\w+\s*(?:=(?!>)[^;{]*)?;/m,
    );
    // Every public type has an XML doc comment.
    const undocumented = [...code.matchAll(/^(.*)\n\s*(?:\[[^\n]*\]\s*\n\s*)*public\s+(?:(?:static|sealed|abstract)\s+)*(?:class|struct|enum)\s+(\w+)/gm)]
      .filter((m) => !m[1]!.trim().startsWith('///'))
      .map((m) => m[2]);
    expect(undocumented).toEqual([]);
  });

  it('the C# stripper handles the literal forms the presets use', () => {
    expect(stripCSharp('a("{", \'}\', @"x""{", $"{b}") // }\n/* { */c')).toBe('a("", \' \', "", "") \nc');
    expect(bracketProblem('class A { void B() { } }')).toBeUndefined();
    expect(bracketProblem('class A { void B() { }')).toMatch(/unclosed/);
    expect(bracketProblem('class A { void B() { } } }')).toMatch(/unexpected/);
    expect(stripCSharp('#if X\n{\n#endif\n}')).toBe('\n{\n\n}');
  });
});

describe('a template named by its words', () => {
  const presets = [{ id: 'platformer-2d', scripts: [] }, { id: 'top-down-action', scripts: [] }];
  it('finds a preset by its id, or by its words in another order or case', () => {
    expect(presetNamed(presets, 'platformer-2d')?.id).toBe('platformer-2d');
    expect(presetNamed(presets, '2d-platformer')?.id).toBe('platformer-2d');
    expect(presetNamed(presets, 'Platformer 2D')?.id).toBe('platformer-2d');
    expect(presetNamed(presets, 'action top-down')?.id).toBe('top-down-action');
  });
  it('finds nothing for other words', () => {
    expect(presetNamed(presets, 'platformer')).toBeUndefined();
    expect(presetNamed(presets, '2d-platformer-x')).toBeUndefined();
    expect(presetNamed(presets, '--')).toBeUndefined();
  });
});
