import { z } from 'zod';
import { fitsUtf8Bytes } from './bytes';
import { BUILD_STATUSES, CHANGE_OPS, GRANTABLE_ROLES, MEMBER_ROLES, SESSION_STATES, TOKEN_SCOPES, type MemberRole, type TokenScope } from './enums';
import { MAX_EVENT_TS_SECONDS, MAX_HISTORY_IMPORT_CHANGES, MAX_SCRIPT_BYTES } from './limits';
import { passwordProblem } from './password';
import { scriptPath } from './paths';
import { storableString, textProblem } from './text';
import { apiError } from './errors';
import { agentInfo, opView } from './ws';

/** `{ items: [...] }`, the answer of every list route. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

// Request and response bodies of the HTTP API. The edge validates with these, the OpenAPI
// document is generated from them, and the browser client types flow from them.

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'email must be at most 254 characters')
  .pipe(z.email({ message: 'email must be a valid address' }));

/** A string with no NUL, control characters or lone surrogates (Postgres refuses them in text). */
export const plainText = (what: string) =>
  z.string().superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });

/** Login takes any password it might have stored; sign-up refuses weak ones. Both hash NFC. */
export const credentials = z.object({
  email,
  password: plainText('password').min(1, 'password must not be empty').max(256, 'password must be at most 256 characters'),
});
export const signupBody = z.object({
  email,
  password: plainText('password')
    .min(8, 'password must be at least 8 characters')
    .max(256, 'password must be at most 256 characters')
    .superRefine((s, ctx) => {
      const problem = passwordProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `password ${problem}` });
    }),
});
export type Credentials = z.infer<typeof credentials>;

export const userView = z.object({ id: z.uuid(), email: z.string(), created_at: z.string() });
export const authResponse = z.object({ token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number(), user: userView });
export const healthView = z.object({ status: z.literal('ok') });
/** With the ingest log on: how many accepted events wait to be persisted, or why it did not say. */
export const ingestLogStats = z.union([z.object({ pending: z.int(), inFlight: z.int() }), z.object({ error: z.string() })]);
export const readyView = z.object({ status: z.literal('ready'), ingest_log: ingestLogStats.optional() });
/** Not ready (503): the error, and the ingest log's numbers when it is on. */
export const notReadyView = apiError.extend({ ingest_log: ingestLogStats.optional() });

/** Sign-up answers alike whether or not the email was free, so it reveals no accounts. */
export const signupResponse = z.object({ status: z.literal('accepted'), message: z.string() });
/** One sign-in (a refresh-token family): listable and revocable. */
export const signInView = z.object({ id: z.uuid(), last_used_at: z.string(), expires_at: z.string() });
export const socketTicketView = z.object({ ticket: z.string(), expires_at: z.string() });

/** A name a person gives (project, session, snapshot): 1–120 characters of plain text. */
export const displayName = (what: string) =>
  plainText(what).trim().normalize('NFC').min(1, `${what} must not be empty`).max(120, `${what} must be at most 120 characters`);
const name = displayName;

export const createProjectBody = z.object({ name: name('name') });
export const memberRole = z.enum(MEMBER_ROLES);
export type { MemberRole };
export const projectView = z.object({ id: z.uuid(), name: z.string(), role: memberRole.nullable(), created_at: z.string() });

export const addMemberBody = z.object({ email, role: z.enum(GRANTABLE_ROLES) });
export const memberView = z.object({ user_id: z.uuid(), email: z.string(), role: z.enum(GRANTABLE_ROLES) });

export const tokenScope = z.enum(TOKEN_SCOPES);
export type { TokenScope };
export const createTokenBody = z.object({ name: name('name'), scope: tokenScope });
export const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: tokenScope,
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
/** The only time the secret is returned. */
export const createdToken = tokenView.extend({ token: z.string() });

/** The longest a session may live from now (creation, or an extension). */
export const MAX_SESSION_TTL_SECONDS = 30 * 86400;
const DURATION_UNITS = { m: 60, h: 3600, d: 86400 } as const;
/** `"90m"`, `"36h"`, `"7d"` → seconds; refused outside 1 minute … `maxSeconds`, naming the field. */
export const duration = (what: string, maxSeconds: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,5}[mhd]$/, `${what} must be a number and a unit (m, h or d), like "36h" or "7d"`)
    .transform((s) => Number(s.slice(0, -1)) * DURATION_UNITS[s.slice(-1) as keyof typeof DURATION_UNITS])
    .refine((n) => n <= maxSeconds, `${what} must be at most ${maxSeconds / 86400} days`);

export const createSessionBody = z
  .object({
    name: name('name'),
    /** How long the session lives (`"7d"`, `"36h"`); none: it lives until deleted. */
    ttl: duration('ttl', MAX_SESSION_TTL_SECONDS).optional(),
    ttl_seconds: z.number().int().min(60, 'ttl_seconds must be at least 60').max(MAX_SESSION_TTL_SECONDS, 'ttl_seconds must be at most 30 days').optional(),
    /** Start from this snapshot (of any session of the project): its settings, history and files. */
    from_snapshot: z.uuid({ message: 'from_snapshot must be a snapshot id (a UUID)' }).optional(),
    /** Start from a preset (e.g. `platformer-2d`): its scripts are written into the new session. */
    template: z
      .string()
      .max(64, 'template must be at most 64 characters')
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'template must be a preset id, e.g. platformer-2d')
      .optional(),
  })
  .refine((b) => b.ttl === undefined || b.ttl_seconds === undefined, { message: 'give ttl or ttl_seconds, not both', path: ['ttl'] })
  .refine((b) => b.from_snapshot === undefined || b.template === undefined, { message: 'give from_snapshot or template, not both', path: ['template'] });
export const extendSessionBody = z.object({ ttl: duration('ttl', MAX_SESSION_TTL_SECONDS) });
export const listSessionsQuery = z.object({
  /** Only sessions whose TTL runs out within this long (`"24h"`), soonest first. */
  expiring_within: duration('expiring_within', 366 * 86400).optional(),
});
export const sessionState = z.enum(SESSION_STATES);
export const sessionView = z.object({
  id: z.uuid(),
  project_id: z.uuid(),
  name: z.string(),
  state: sessionState,
  created_at: z.string(),
  last_active_at: z.string().nullable(),
  expires_at: z.string().nullable(),
});

/** The envelope is checked loosely; each event is then validated on its own so one bad event
 *  does not sink the batch. */
export const ingestBody = z.object({
  events: z.array(z.unknown()).min(1, 'events must not be empty').max(500, 'at most 500 events per request'),
});
export const ingestResponse = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), error: apiError.shape.error })),
});

/** Unix seconds (float) or an ISO 8601 date-time, as a query-string value, from 1970 to 3000. */
const instant = z.string().transform((s, ctx) => {
  const n = /^\d{1,12}(\.\d{1,9})?$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) / 1000 : NaN;
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be unix seconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  if (n < 0 || n > MAX_EVENT_TS_SECONDS) {
    ctx.addIssue({ code: 'custom', message: 'must be between 1970 and the year 3000' });
    return z.NEVER;
  }
  return n;
});
export const eventsQuery = z.object({
  session_id: plainText('session_id').min(1).max(256).optional(),
  type: plainText('type').min(1).max(128).optional(),
  since: instant.optional(),
  until: instant.optional(),
  limit: z.coerce.number().int().min(1, 'limit must be at least 1').max(500, 'limit must be at most 500').default(100),
  cursor: plainText('cursor').max(200).optional(),
});
export type EventsQuery = z.infer<typeof eventsQuery>;

export const storedEvent = z.object({
  v: z.literal(1),
  id: z.uuid(),
  type: z.string(),
  source: z.string(),
  kind: z.string(),
  ts: z.number(),
  session_id: z.string(),
  payload: z.record(z.string(), z.unknown()),
  trace_id: z.string().optional(),
  project_id: z.uuid(),
  received_at: z.string(),
});
export const eventsPage = z.object({ items: z.array(storedEvent), next_cursor: z.string().nullable() });

export const deadLetterView = z.object({
  id: z.uuid(),
  queue: z.string(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  created_at: z.string(),
  replayed_at: z.string().nullable(),
  replay_count: z.number().int(),
});
export const replayBody = z.object({ ids: z.array(z.uuid()).max(1000).optional() });
export const replayResponse = z.object({ replayed: z.number().int() });

export const pairBody = z.object({
  code: plainText('code').trim().min(8, 'code must be the 8-character pairing code').max(20, 'code is too long'),
  name: name('name').default('Unity machine'),
});
export const pairResponse = z.object({ token: z.string(), project_id: z.uuid(), agent_id: z.uuid() });
export const pairingCodeView = z.object({
  code: z.string(),
  expires_at: z.string(),
  /** Installs the agent from this edge, pairs it and keeps it running. */
  command: z.string(),
  /** Runs the paired agent again later. */
  start_command: z.string(),
});
export const agentView = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.string(),
  last_seen_at: z.string().nullable(),
  unity_profile: z.string().nullable(),
  created_at: z.string(),
});

/** Queued for the session's agent (the operation's own state arrives over the socket). */
export const opQueued = z.object({ callId: z.uuid() });
/** Recent operations, newest first, and whether the agent is there. */
export const opsList = z.object({ items: z.array(opView), agent: z.object({ online: z.boolean(), agent: agentInfo.nullable() }) });

export const buildView = z.object({
  id: z.uuid(),
  call_id: z.string().nullable(),
  target: z.string(),
  status: z.enum(BUILD_STATUSES),
  /** 0..1 as Unity last reported it. */
  progress: z.number(),
  artifact: z.string().nullable(),
  artifact_bytes: z.number().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export const buildList = listOf(buildView);

export const changesQuery = z.object({
  path: plainText('path').max(1024).optional(),
  since: instant.optional(),
  until: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const changeView = z.object({
  id: z.uuid(),
  call_id: z.string().nullable(),
  path: z.string(),
  op: z.enum(CHANGE_OPS),
  before_sha256: z.string().nullable(),
  after_sha256: z.string().nullable(),
  has_before: z.boolean(),
  has_after: z.boolean(),
  created_at: z.string(),
  reverted_at: z.string().nullable(),
  /** Made by an undo or rollback rather than by an edit. */
  is_revert: z.boolean(),
});
export const changeList = listOf(changeView);
/** One change with its texts. */
export const changeDetail = changeView.omit({ has_before: true, has_after: true, is_revert: true }).extend({
  before_content: z.string().nullable(),
  after_content: z.string().nullable(),
});
export const rollbackBody = z.object({ to: z.uuid('to must be the id of a change') });
export const undoResponse = z.object({ callId: z.uuid(), undone: z.uuid(), path: z.string() });
/** One restoring operation per path, in the order they were queued. */
export const rollbackResponse = z.object({ callIds: z.array(z.uuid()), paths: z.array(z.string()) });
export const importResponse = z.object({ imported: z.number().int() });
/** A script's text as the history keeps it: no more than generate_script may write, and storable. */
const historyText = (name: string) =>
  storableString(name).refine((s) => fitsUtf8Bytes(s, MAX_SCRIPT_BYTES), `${name} must be at most ${MAX_SCRIPT_BYTES} bytes (UTF-8)`);
/** The portable form of a session's history (export, and import into another session). */
export const changeExport = z.object({
  version: z.literal(1),
  session_id: z.uuid(),
  exported_at: z.string(),
  changes: z
    .array(
      z.object({
        // Undo writes these back into the Unity project: validated as an operation would be.
        path: scriptPath,
        op: z.enum(CHANGE_OPS),
        call_id: storableString('call_id').max(256).nullable(),
        before_content: historyText('before_content').nullable(),
        after_content: historyText('after_content').nullable(),
        before_sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
        after_sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
        created_at: z.iso.datetime({ offset: true }),
        reverted_at: z.iso.datetime({ offset: true }).nullable(),
      }),
    )
    .max(MAX_HISTORY_IMPORT_CHANGES, `at most ${MAX_HISTORY_IMPORT_CHANGES} changes per import`),
});
export type ChangeExport = z.infer<typeof changeExport>;

export const projectList = listOf(projectView);
export const tokenList = listOf(tokenView);
export const signInList = listOf(signInView);
export const agentList = listOf(agentView);
export const deadLetterList = listOf(deadLetterView);

// The answers' types, for the edge's views and the browser.
export type UserView = z.infer<typeof userView>;
export type AuthResponse = z.infer<typeof authResponse>;
export type SignInView = z.infer<typeof signInView>;
export type ProjectView = z.infer<typeof projectView>;
export type MemberView = z.infer<typeof memberView>;
export type TokenView = z.infer<typeof tokenView>;
export type SessionView = z.infer<typeof sessionView>;
export type StoredEvent = z.infer<typeof storedEvent>;
export type DeadLetterView = z.infer<typeof deadLetterView>;
export type AgentView = z.infer<typeof agentView>;
export type PairingCodeView = z.infer<typeof pairingCodeView>;
export type BuildView = z.infer<typeof buildView>;
export type ChangeView = z.infer<typeof changeView>;
export type ChangeDetail = z.infer<typeof changeDetail>;
export type ChangeExportEntry = ChangeExport['changes'][number];
