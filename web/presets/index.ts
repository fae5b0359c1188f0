// Starter presets: ready-made Unity C# scripts plus a low-end WebGL build recipe per genre. Each
// preset is a folder next to this file holding real .cs files and a preset.json manifest; the web
// build step calls loadPresets() in Node and emits the result as a JSON asset for the UI.
// Node-only (node:fs), and free of side effects on import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { buildOptions, generateScriptOp, runBuildOp, runMenuItemOp, type UnityOpOf } from '../../contracts';

/** The folder holding the preset folders (this file's folder). */
export const PRESETS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Name of the manifest inside each preset folder. */
export const PRESET_MANIFEST = 'preset.json';

const presetId = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'preset id must be lowercase words joined by hyphens');

/**
 * The build a preset recommends: a run_build operation without its `op` tag. Unity's manage_build
 * takes no player settings, so the preset's settings are not build options: see applySettings.
 */
export const presetBuildSchema = runBuildOp.omit({ op: true }).extend({
  options: z.undefined({ error: 'a preset build takes no options: put the settings under applySettings' }).optional(),
});

/**
 * How the preset's low-end settings really get applied: its Editor script's menu item, run with a
 * run_menu_item operation once the scripts compiled (the texture values apply on import, through
 * the preset's texture postprocessor). `values` lists what those scripts set, for display.
 */
export const presetApplySettingsSchema = z.strictObject({
  menuItem: runMenuItemOp.shape.menuPath,
  values: buildOptions,
});

const summary = z.string().min(1).max(300);

const commonFields = {
  id: presetId,
  name: z.string().min(1).max(80),
  genre: z.string().min(1).max(80),
  /** Two or three sentences shown to the user. */
  description: z.string().min(1).max(1000),
  build: presetBuildSchema,
  applySettings: presetApplySettingsSchema,
  /** Human-readable list of the low-end WebGL settings the preset's Editor scripts apply. */
  settings: z.array(z.string().min(1).max(300)).min(1),
};

/** Rejects two scripts that would be written to the same Unity path. */
function uniquePaths(scripts: readonly { path: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  scripts.forEach((script, index) => {
    if (seen.has(script.path)) {
      ctx.addIssue({ code: 'custom', path: ['scripts', index, 'path'], message: `duplicate script path ${script.path}` });
    }
    seen.add(script.path);
  });
}

/** Relative to the preset folder, '/'-separated, no '..': where the script's source lives. */
const presetFile = z
  .string()
  .max(256)
  .regex(/^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.cs$/, 'file must be a relative .cs path inside the preset folder');

function sameFileName(s: { file: string; path: string }): boolean {
  return posix.basename(s.file) === posix.basename(s.path);
}
const sameFileNameError = { message: 'file and path must have the same file name', path: ['file'] };

/** A script entry in preset.json: the file in the preset folder and the Unity path it is written to. */
export const presetManifestScriptSchema = z
  .strictObject({ file: presetFile, path: generateScriptOp.shape.path, summary })
  .refine(sameFileName, sameFileNameError);

/** The shape of preset.json. */
export const presetManifestSchema = z
  .strictObject({ ...commonFields, scripts: z.array(presetManifestScriptSchema).min(1) })
  .superRefine((manifest, ctx) => uniquePaths(manifest.scripts, ctx));

/**
 * A preset script as shipped to the UI. `path` and `code` use the generate_script operation's own
 * validators, so every entry can be sent as a generate_script op unchanged.
 */
export const presetScriptSchema = z
  .strictObject({
    file: presetFile,
    path: generateScriptOp.shape.path,
    summary,
    code: generateScriptOp.shape.code,
  })
  .refine(sameFileName, sameFileNameError);

/** A loaded preset: the manifest with each script's code read in. */
export const presetSchema = z
  .strictObject({ ...commonFields, scripts: z.array(presetScriptSchema).min(1) })
  .superRefine((preset, ctx) => uniquePaths(preset.scripts, ctx));

export type Preset = z.infer<typeof presetSchema>;
export type PresetScript = Preset['scripts'][number];
export type PresetManifest = z.infer<typeof presetManifestSchema>;

/**
 * Reads every preset folder under `dir` (default: this module's folder), validates it, and returns
 * the presets sorted by id. Throws with the offending file named when anything is invalid, so a
 * broken preset fails the build instead of shipping.
 */
export function loadPresets(dir: string = PRESETS_DIR): Preset[] {
  const presets: Preset[] = [];
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  for (const folder of folders) {
    const folderPath = join(dir, folder);
    const manifestPath = join(folderPath, PRESET_MANIFEST);
    if (!isFile(manifestPath)) continue;

    const manifest = parseWith(presetManifestSchema, readJson(manifestPath), manifestPath);
    if (manifest.id !== folder) {
      throw new Error(`${manifestPath}: id "${manifest.id}" must match its folder name "${folder}"`);
    }

    const scripts = manifest.scripts.map((script) => ({
      ...script,
      code: readFileSync(insideFolder(folderPath, script.file), 'utf8'),
    }));
    presets.push(parseWith(presetSchema, { ...manifest, scripts }, manifestPath));
  }

  const ids = new Set<string>();
  for (const preset of presets) {
    if (ids.has(preset.id)) throw new Error(`duplicate preset id "${preset.id}"`);
    ids.add(preset.id);
  }
  return presets;
}

/** The preset's scripts as generate_script operations, ready to queue for the agent. */
export function toGenerateScriptOps(preset: Preset, overwrite = false): UnityOpOf<'generate_script'>[] {
  return preset.scripts.map((script) =>
    generateScriptOp.parse({ op: 'generate_script', path: script.path, code: script.code, overwrite }),
  );
}

/** The operation that applies the preset's settings in Unity (after its scripts compiled). */
export function toRunMenuItemOp(preset: Preset): UnityOpOf<'run_menu_item'> {
  return runMenuItemOp.parse({ op: 'run_menu_item', menuPath: preset.applySettings.menuItem });
}

/** The preset's recommended build as a run_build operation. */
export function toRunBuildOp(preset: Preset): UnityOpOf<'run_build'> {
  return runBuildOp.parse({ op: 'run_build', ...preset.build });
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, source: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${source}: invalid preset\n${z.prettifyError(result.error)}`);
  return result.data;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Resolves `file` inside `folder`, refusing anything that would land outside it. */
function insideFolder(folder: string, file: string): string {
  const full = resolve(folder, file);
  const rel = relative(folder, full);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) {
    throw new Error(`${file} is outside the preset folder ${folder}`);
  }
  return full;
}
