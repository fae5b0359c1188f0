// Project-relative Unity paths. The agent joins these onto the Unity project folder on the user's
// machine, so anything that could escape it, alias another file, or mean something special to
// Windows (the usual Unity host) is rejected here, at the edge and again in the agent.
import { z } from 'zod';
import { MAX_PATH_LEN } from './limits';

export const ASSETS_ROOT = 'Assets/';
export const UPLOADS_ROOT = 'Uploads/';

// C0 controls (NUL included) and DEL.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const DRIVE_LETTER = /^[A-Za-z]:/;
// The only characters a path may hold. Anything else (fullwidth dots and slashes, zero-width and
// bidi marks, a BOM, lone surrogates, superscript digits, '$') can look like something it is not
// or mean something different on the other OS: Unity projects move between Windows and macOS.
const ALLOWED = /^[A-Za-z0-9_\-./ ]*$/;
// Device names Windows resolves in any folder, whatever follows the first dot ("CON.cs",
// "CON .cs", "com1.tar.gz"). Superscript digits count: Windows maps COM¹ to COM1.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)$/i;

/** True when Windows would open a device rather than a file for this path segment. */
export function isWindowsDeviceName(segment: string): boolean {
  const stem = segment.split('.')[0]!.replace(/[ .]+$/, '');
  return WINDOWS_DEVICE.test(stem);
}

/**
 * Why `p` is not a safe path under one of `roots`, or undefined when it is. Checks run from
 * "what kind of string is this" to "where does it point", so the message names the real problem
 * (e.g. "../x" reports '..' rather than "not under Assets/").
 */
export function pathProblem(p: string, roots: readonly string[]): string | undefined {
  if (p.length === 0) return 'path must not be empty';
  if (p.length > MAX_PATH_LEN) return `path must be at most ${MAX_PATH_LEN} characters`;
  if (CONTROL_CHARS.test(p)) return 'path must not contain NUL or control characters';
  if (p.includes('\\')) return "path must use '/' separators, not backslashes";
  if (p.startsWith('/')) return "path must be relative to the project, not absolute (no leading '/')";
  if (DRIVE_LETTER.test(p)) return 'path must not start with a drive letter';
  // A colon elsewhere would name an NTFS alternate data stream ("x.cs:hidden").
  if (p.includes(':')) return "path must not contain ':'";
  if (p.includes('~')) return "path must not contain '~'";
  for (const segment of p.split('/')) {
    if (isWindowsDeviceName(segment)) return `path must not use the reserved Windows name '${segment}'`;
  }
  if (!ALLOWED.test(p)) return "path may only contain ASCII letters, digits, '_', '-', '.', '/' and spaces";
  for (const segment of p.split('/')) {
    if (segment === '') return "path must not contain empty segments ('//' or a trailing '/')";
    if (segment === '..') return "path must not contain '..' segments";
    if (segment === '.') return "path must not contain '.' segments";
    // Windows silently strips these, so "a." and "a" (or ".. " and "..") would be the same file.
    if (segment.endsWith('.') || segment.endsWith(' ')) {
      return "path segments must not end with '.' or a space";
    }
  }
  if (!roots.some((root) => p.startsWith(root))) {
    return `path must be under ${roots.join(' or ')}`;
  }
  return undefined;
}

/** A zod string that must be a safe path under one of `roots`; `extra` adds more rules. */
function projectPath(roots: readonly string[], extra?: (p: string) => string | undefined) {
  return z.string().superRefine((p, ctx) => {
    const problem = pathProblem(p, roots) ?? extra?.(p);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A file or folder inside the Unity project's Assets/ folder. */
export const assetsPath = projectPath([ASSETS_ROOT]);

/** Assets/ or Uploads/ (files the user uploaded through Spark, e.g. for OCR/ASR). */
export const assetsOrUploadsPath = projectPath([ASSETS_ROOT, UPLOADS_ROOT]);

/** A C# script under Assets/. */
export const scriptPath = projectPath([ASSETS_ROOT], (p) => {
  if (!p.endsWith('.cs')) return 'script path must end with .cs';
  const fileName = p.slice(p.lastIndexOf('/') + 1);
  if (fileName === '.cs') return 'script path must have a file name before .cs';
  return undefined;
});
