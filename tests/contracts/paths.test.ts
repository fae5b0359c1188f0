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
    for (const p of ['Assets/x.png', 'Assets/Models/Hero.fbx', 'Assets/a b/c-d_e.1.png', 'Assets/ünï/😀.png']) {
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

describe('pathProblem', () => {
  it('returns undefined only for safe paths', () => {
    expect(pathProblem('Assets/x.png', ['Assets/'])).toBeUndefined();
    for (const [p] of UNSAFE) expect(pathProblem(p, ['Assets/']), p).toBeTypeOf('string');
  });
});
