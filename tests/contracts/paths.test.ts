import { describe, it, expect } from 'vitest';
import { assetsOrUploadsPath, assetsPath, pathProblem, scriptPath } from '../../contracts/paths';
import { MAX_PATH_LEN } from '../../contracts/limits';
import type { z } from 'zod';

function messageOf(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0]?.message;
}

// [input, substring of the expected message]; every rule must be reported by name.
const UNSAFE: Array<[string, string]> = [
  ['Assets/../secret.txt', "'..' segments"],
  ['../Assets/x.png', "'..' segments"],
  ['Assets/a/../../x.png', "'..' segments"],
  ['Assets/./x.png', "'.' segments"],
  ['Assets\\x.png', 'backslash'],
  ['Assets/sub\\..\\..\\x.png', 'backslash'],
  ['/Assets/x.png', 'absolute'],
  ['/etc/passwd', 'absolute'],
  ['C:/Project/Assets/x.png', 'drive letter'],
  ['c:Assets/x.png', 'drive letter'],
  ['Assets/x.cs:hidden', "':'"],
  ['Assets/x\u0000.png', 'control characters'],
  ['Assets/x\n.png', 'control characters'],
  ['Assets/x\u007f.png', 'control characters'],
  ['Assets//x.png', 'empty segments'],
  ['Assets/x/', 'empty segments'],
  ['~/Assets/x.png', "'~'"],
  ['Assets/Docs~/x.png', "'~'"],
  ['Assets/.. /x.png', "end with '.' or a space"],
  ['Assets/x./y.png', "end with '.' or a space"],
  ['Assets/CON.png', 'reserved Windows name'],
  ['Assets/sub/nul', 'reserved Windows name'],
  ['', 'must not be empty'],
];

describe('assetsPath', () => {
  it('accepts paths under Assets/', () => {
    for (const p of ['Assets/x.png', 'Assets/Models/Hero.fbx', 'Assets/a b/c-d_e.1.png', 'Assets/.hidden/x.png', 'Assets/CONSOLE.cs', 'Assets/Comet.cs', 'Assets/LPT.cs', 'Assets/Auxiliary/Nullable.cs']) {
      expect(assetsPath.safeParse(p).success, p).toBe(true);
    }
  });

  it.each(UNSAFE)('rejects %j naming the problem', (p, expected) => {
    expect(messageOf(assetsPath, p)).toContain(expected);
    expect(messageOf(assetsOrUploadsPath, p)).toContain(expected);
  });

  it('rejects paths outside Assets/', () => {
    for (const p of ['Uploads/x.png', 'assets/x.png', 'Assets', 'AssetsX/x.png', 'Library/x.asset', 'Packages/x.json']) {
      expect(messageOf(assetsPath, p), p).toBe('path must be under Assets/');
    }
  });

  it(`accepts ${MAX_PATH_LEN} characters and rejects ${MAX_PATH_LEN + 1}`, () => {
    const atLimit = 'Assets/' + 'a'.repeat(MAX_PATH_LEN - 'Assets/'.length);
    expect(atLimit.length).toBe(MAX_PATH_LEN);
    expect(assetsPath.safeParse(atLimit).success).toBe(true);
    expect(messageOf(assetsPath, atLimit + 'a')).toContain(`at most ${MAX_PATH_LEN}`);
  });

  it('rejects non-strings', () => {
    expect(assetsPath.safeParse(42).success).toBe(false);
    expect(assetsPath.safeParse(undefined).success).toBe(false);
  });
});

describe('assetsOrUploadsPath', () => {
  it('accepts Assets/ and Uploads/', () => {
    expect(assetsOrUploadsPath.safeParse('Assets/doc.pdf').success).toBe(true);
    expect(assetsOrUploadsPath.safeParse('Uploads/2024/voice.wav').success).toBe(true);
  });

  it('rejects other roots', () => {
    for (const p of ['uploads/x.wav', 'Upload/x.wav', 'Temp/x.wav', 'Uploads']) {
      expect(messageOf(assetsOrUploadsPath, p), p).toBe('path must be under Assets/ or Uploads/');
    }
  });
});

describe('scriptPath', () => {
  it('accepts C# files under Assets/', () => {
    expect(scriptPath.safeParse('Assets/Scripts/Player.cs').success).toBe(true);
    expect(scriptPath.safeParse('Assets/Player.cs').success).toBe(true);
  });

  it('rejects other extensions and missing file names', () => {
    expect(messageOf(scriptPath, 'Assets/Scripts/Player.js')).toBe('script path must end with .cs');
    expect(messageOf(scriptPath, 'Assets/Scripts/Player.cs.meta')).toBe('script path must end with .cs');
    expect(messageOf(scriptPath, 'Assets/Scripts/Player.CS')).toBe('script path must end with .cs');
    expect(messageOf(scriptPath, 'Assets/.cs')).toBe('script path must have a file name before .cs');
  });

  it('applies every path rule before the extension rule', () => {
    expect(messageOf(scriptPath, 'Uploads/Player.cs')).toBe('path must be under Assets/');
    expect(messageOf(scriptPath, 'Assets/../Player.cs')).toContain("'..'");
    expect(messageOf(scriptPath, '/Assets/Player.cs')).toContain('absolute');
  });
});

// The traversal and lookalike family found by the attack of issue 15: each must be refused, by name.
const DEVICE = 'reserved Windows name';
const CHARSET = 'may only contain ASCII';
const DEVICE_NAMES = ['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', ...[...'0123456789\u00b9\u00b2\u00b3'].flatMap((d) => [`COM${d}`, `LPT${d}`])];
const DEVICE_FORMS = DEVICE_NAMES.flatMap((n) => [n, n.toLowerCase(), `${n}.cs`, `${n} .cs`, `${n}..cs`, `${n}.tar.gz`, `${n[0]}${n.slice(1).toLowerCase()}.txt`]);
const LOOKALIKES: Array<[string, string]> = [
  ['Assets/\uff0e\uff0e/x.cs', CHARSET], // fullwidth dots
  ['Assets/x\uff3c..\uff3cy.cs', CHARSET], // fullwidth backslash
  ['Assets/\u2024\u2024/x.cs', CHARSET], // one-dot leaders
  ['Assets/a\u2215b.cs', CHARSET], // division slash
  ['Assets/\u200bx.cs', CHARSET], // zero-width space
  ['Assets/x\u200d.cs', CHARSET], // zero-width joiner
  ['Assets/\u202egnp.cs', CHARSET], // right-to-left override
  ['Assets/x\u2066.cs', CHARSET], // bidi isolate
  ['Assets/\ufeffx.cs', CHARSET], // BOM
  ['Assets/x\ud800.cs', CHARSET], // lone high surrogate
  ['Assets/x\udc00.cs', CHARSET], // lone low surrogate
  ['Assets/\u00a0x.cs', CHARSET], // no-break space
  ['Assets/x\u3000.cs', CHARSET], // ideographic space
  ['Assets/ünï/x.cs', CHARSET],
  ['Assets/😀.cs', CHARSET],
  ['Assets/Ｘ.cs', CHARSET],
  ['Assets/x$.cs', CHARSET],
  ['Assets/x*.cs', CHARSET],
  ['Assets/x?.cs', CHARSET],
  ['Assets/x"y.cs', CHARSET],
  ['Assets/x<y>.cs', CHARSET],
  ['Assets/x|y.cs', CHARSET],
  ['Assets/x%2e%2e/y.cs', CHARSET],
  ['Assets/x./y.cs', "end with '.' or a space"],
  ['Assets/x /y.cs', "end with '.' or a space"],
  ['Assets/.../y.cs', "end with '.' or a space"],
  ['Assets/x.cs.', "end with '.' or a space"],
  ['Assets/x.cs ', "end with '.' or a space"],
  ['Assets///x.cs', 'empty segments'],
  ['Assets/../../../../etc/cron.d/x.cs', "'..' segments"],
  ['Assets/a/../../x.cs', "'..' segments"],
  ['C:\\Windows\\System32\\evil.cs', 'backslashes'],
  ['\\\\server\\share\\x.cs', 'backslashes'],
  ['Assets/x.cs::$DATA', "':'"],
];

describe('the traversal and lookalike family', () => {
  it.each(DEVICE_FORMS)('refuses the Windows device name %j in any folder, with any extension', (name) => {
    expect(messageOf(scriptPath, `Assets/${name}`)).toContain(DEVICE);
    expect(messageOf(assetsPath, `Assets/Sub/${name}/x.png`)).toContain(DEVICE);
  });

  it.each(LOOKALIKES)('refuses %j', (p, expected) => {
    expect(messageOf(assetsPath, p)).toContain(expected);
    expect(messageOf(scriptPath, p)).toBeTypeOf('string');
  });

  it('covers the whole family the attack tried', () => {
    expect(DEVICE_FORMS.length + LOOKALIKES.length + UNSAFE.length).toBeGreaterThanOrEqual(164);
  });
});

describe('pathProblem', () => {
  it('returns undefined only for safe paths', () => {
    expect(pathProblem('Assets/x.png', ['Assets/'])).toBeUndefined();
    for (const [p] of UNSAFE) expect(pathProblem(p, ['Assets/']), p).toBeTypeOf('string');
  });
});
