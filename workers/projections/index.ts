// The consumer's projections, each a named function of the catalog types it reads.
import { builds } from './builds';
import { changes } from './changes';
import { presence } from './presence';
import { previews } from './previews';
import { scripts } from './scripts';

export { builds, changes, presence, previews, scripts };
export { functionCalls } from './function-calls';
/** Written inside the events' insert statement, in this order. */
export const STATEMENT_PROJECTIONS = [scripts, changes, previews, builds, presence] as const;
