// Shapes inside Unity operation results that the agent, the edge and the web all read. Declared
// once here; the agent builds them, the UI shows them.
import { z } from 'zod';
import { COMPILE_STATUSES } from './enums';
import { MAX_PATH_LEN } from './limits';

export { COMPILE_STATUSES, type CompileStatus } from './enums';

/** At most this many compiler errors ride along in one result (the first ones Unity printed). */
export const MAX_COMPILE_ERRORS = 50;

export const compileError = z.strictObject({
  /** Project-relative path, e.g. Assets/Scripts/Player.cs. */
  file: z.string().max(MAX_PATH_LEN),
  /** 1-based line; 0 when Unity did not say. */
  line: z.int().min(0),
  message: z.string().max(2000),
});
export type CompileError = z.infer<typeof compileError>;

/**
 * Whether the script a write op just wrote compiles, as Unity's console says after a requested
 * compilation. `unknown`: Unity could not tell (no refresh_unity/read_console, still compiling,
 * or the check itself failed); `reason` then says why. `errors` only lists that file's errors.
 */
export const compileResult = z.strictObject({
  status: z.enum(COMPILE_STATUSES),
  errors: z.array(compileError).max(MAX_COMPILE_ERRORS),
  reason: z.string().max(500).optional(),
});
export type CompileResult = z.infer<typeof compileResult>;
