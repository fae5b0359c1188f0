// The operations the browser (or an AI client) may ask the local agent to run against Unity.
// These are the guardrails: the edge validates them before queuing, and the agent validates
// them again before touching the project, so neither side trusts the other's checks.
import { z } from 'zod';
import { fitsUtf8Bytes, utf8ByteLength } from './bytes';
import { assetsPath, scriptPath } from './paths';
import { storableString } from './text';
import {
  MAX_BUILD_OPTION_KEY_LEN,
  MAX_BUILD_OPTION_VALUE_LEN,
  MAX_BUILD_OPTIONS,
  MAX_CAMERA_NAME_LEN,
  MAX_MENU_PATH_LEN,
  MAX_PATCH_BYTES,
  MAX_PATCH_EDITS,
  MAX_PREVIEW_PX,
  MAX_SCRIPT_BYTES,
  MIN_PREVIEW_PX,
} from './limits';

// Operation objects are strict: a misspelt option ("overwite") must fail, not be ignored.

export const generateScriptOp = z.strictObject({
  op: z.literal('generate_script'),
  path: scriptPath,
  // Storable: the change history keeps the text (and Undo writes it back).
  code: storableString('code').refine((code) => fitsUtf8Bytes(code, MAX_SCRIPT_BYTES), {
    message: `code must be at most ${MAX_SCRIPT_BYTES} bytes (UTF-8)`,
  }),
  overwrite: z.boolean().optional(),
});

/**
 * One range replacement, in the shape the Unity MCP server's apply_text_edits takes: 1-based lines
 * and columns (a tab is one column), end exclusive, so end == start is an insertion.
 */
export const textEdit = z
  .strictObject({
    startLine: z.int().min(1),
    startCol: z.int().min(1),
    endLine: z.int().min(1),
    endCol: z.int().min(1),
    newText: storableString('newText'),
  })
  .refine((e) => !positionBefore(e.endLine, e.endCol, e.startLine, e.startCol), {
    message: 'edit end must not precede its start',
  });
export type TextEdit = z.infer<typeof textEdit>;

function positionBefore(line: number, col: number, otherLine: number, otherCol: number): boolean {
  return line < otherLine || (line === otherLine && col < otherCol);
}

export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

export const applyPatchOp = z
  .strictObject({
    op: z.literal('apply_patch'),
    path: scriptPath,
    edits: z
      .array(textEdit)
      .min(1, 'edits must contain at least one edit')
      .max(MAX_PATCH_EDITS, `edits must contain at most ${MAX_PATCH_EDITS} edits`),
    /** SHA-256 of the file the patch was written against; the agent refuses if it changed. */
    precondition_sha256: z
      .string()
      .regex(SHA256_HEX_PATTERN, 'precondition_sha256 must be 64 lowercase hex characters')
      .optional(),
  })
  .superRefine((patch, ctx) => {
    let total = 0;
    for (const edit of patch.edits) total += utf8ByteLength(edit.newText);
    if (total > MAX_PATCH_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['edits'],
        message: `edits' newText must total at most ${MAX_PATCH_BYTES} bytes (UTF-8)`,
      });
    }
    // Overlapping ranges have no well-defined result; touching ranges are fine.
    const order = patch.edits
      .map((edit, index) => ({ edit, index }))
      .sort((a, b) => a.edit.startLine - b.edit.startLine || a.edit.startCol - b.edit.startCol);
    for (let i = 1; i < order.length; i++) {
      const prev = order[i - 1]!.edit;
      const cur = order[i]!;
      if (positionBefore(cur.edit.startLine, cur.edit.startCol, prev.endLine, prev.endCol)) {
        ctx.addIssue({
          code: 'custom',
          path: ['edits', cur.index],
          message: 'edits must not overlap',
        });
        return;
      }
    }
  });

export const PREVIEW_FORMATS = ['png', 'jpg'] as const;

const previewSide = (name: string) =>
  z
    .int(`${name} must be an integer`)
    .min(MIN_PREVIEW_PX, `${name} must be at least ${MIN_PREVIEW_PX} px`)
    .max(MAX_PREVIEW_PX, `${name} must be at most ${MAX_PREVIEW_PX} px`);

export const renderPreviewOp = z.strictObject({
  op: z.literal('render_preview'),
  width: previewSide('width'),
  height: previewSide('height'),
  /** Camera name in the open scene; the main camera when absent. */
  camera: z.string().min(1).max(MAX_CAMERA_NAME_LEN).optional(),
  format: z.enum(PREVIEW_FORMATS).default('png'),
});

export const ingestAssetOp = z.strictObject({
  op: z.literal('ingest_asset'),
  path: assetsPath,
  generatePreview: z.boolean().optional(),
});

export const deconstructAssetOp = z.strictObject({
  op: z.literal('deconstruct_asset'),
  path: assetsPath,
});

/** Unity BuildTarget names Spark knows how to run; anything else is refused. */
export const BUILD_TARGETS = [
  'StandaloneWindows64',
  'StandaloneOSX',
  'StandaloneLinux64',
  'WebGL',
  'Android',
  'iOS',
] as const;
export const buildTarget = z.enum(BUILD_TARGETS);
export type BuildTarget = z.infer<typeof buildTarget>;

/** Small flat map of extra build settings; keys are identifier-like so they cannot smuggle paths or prototypes. */
export const buildOptions = z
  .record(
    z
      .string()
      .max(MAX_BUILD_OPTION_KEY_LEN)
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'build option names must be identifier-like'),
    z.union([z.string().max(MAX_BUILD_OPTION_VALUE_LEN), z.number(), z.boolean()]),
  )
  .refine((o) => Object.keys(o).length <= MAX_BUILD_OPTIONS, {
    message: `options must have at most ${MAX_BUILD_OPTIONS} entries`,
  });

export const runBuildOp = z.strictObject({
  op: z.literal('run_build'),
  target: buildTarget,
  development: z.boolean().optional(),
  options: buildOptions.optional(),
});

/**
 * Unity's own build job ids (CoplayDev/unity-mcp BuildJob): `build-` + 10 hex digits for a single
 * build, `batch-` + 10 hex digits for a batch. Spark's call ids mean nothing to Unity.
 */
export const UNITY_BUILD_JOB_ID_PATTERN = /^(build|batch)-[0-9a-f]{10}$/;

export const buildStatusOp = z.strictObject({
  op: z.literal('build_status'),
  jobId: z.string().regex(UNITY_BUILD_JOB_ID_PATTERN, "jobId must be Unity's build job id, e.g. build-0123456789"),
});

/**
 * Menu items Spark may run in the editor: only its own (the presets' Editor scripts put theirs
 * under Tools/Spark/), never arbitrary ones like File/Quit or Assets/Delete.
 */
export const SPARK_MENU_ITEM_PATTERN = /^Tools\/Spark\/[A-Za-z0-9 _().-]+(\/[A-Za-z0-9 _().-]+)*$/;

/** Runs one of Spark's editor menu items (e.g. a preset's "Apply Low-End WebGL Settings"). */
export const runMenuItemOp = z.strictObject({
  op: z.literal('run_menu_item'),
  menuPath: z
    .string()
    .max(MAX_MENU_PATH_LEN, `menuPath must be at most ${MAX_MENU_PATH_LEN} characters`)
    .regex(SPARK_MENU_ITEM_PATTERN, 'menuPath must be a Spark menu item under Tools/Spark/'),
});

/** Removes a script (how an undo takes back a script that a change created). */
export const deleteScriptOp = z.strictObject({
  op: z.literal('delete_script'),
  path: scriptPath,
});

export const unityOperation = z.discriminatedUnion('op', [
  generateScriptOp,
  deleteScriptOp,
  applyPatchOp,
  renderPreviewOp,
  ingestAssetOp,
  deconstructAssetOp,
  runBuildOp,
  buildStatusOp,
  runMenuItemOp,
]);
/** A validated operation (defaults applied). */
export type UnityOperation = z.infer<typeof unityOperation>;
/** What a sender may write (e.g. `format` may be omitted). */
export type UnityOperationInput = z.input<typeof unityOperation>;
export type UnityOpName = UnityOperation['op'];
/** The operation with the given name, for typed dispatch tables in the agent. */
export type UnityOpOf<N extends UnityOpName> = Extract<UnityOperation, { op: N }>;

/** Derived from the union, so the list can never drift from the schemas. */
export const UNITY_OP_NAMES: readonly UnityOpName[] = unityOperation.options.map(
  (option) => option.shape.op.value,
);
