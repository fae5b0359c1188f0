import { z } from 'zod';
import { scriptPath } from './paths';

// The session's scripts as the editor sees them: each path the session's change history has
// written, with its newest text. Read from Postgres (the history), not from Unity, so the list
// is there while the agent is away.

export const scriptListItem = z.object({
  path: z.string(),
  /** SHA-256 of the newest text (what apply_patch's precondition is checked against). */
  sha256: z.string().nullable(),
  bytes: z.number().int(),
  /** The change that wrote it last. */
  change_id: z.uuid(),
  updated_at: z.string(),
});
export type ScriptListItem = z.infer<typeof scriptListItem>;
export const scriptList = z.object({ items: z.array(scriptListItem) });

export const scriptContentQuery = z.object({ path: scriptPath });
export const scriptContent = scriptListItem.extend({ content: z.string() });
export type ScriptContent = z.infer<typeof scriptContent>;
