// The closed sets of values that Postgres stores as enums (or checked text) and the API speaks:
// one `as const` tuple each, read by zod (`z.enum`) in contracts/ and by Drizzle (`pgEnum`) in db/.
// No zod here: the browser bundle imports these values.

export const MEMBER_ROLES = ['owner', 'member', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** The roles an owner can grant; ownership itself is not handed out through the members route. */
export const GRANTABLE_ROLES = ['member', 'viewer'] as const satisfies readonly MemberRole[];

/** `mcp`: an AI client driving one project through /mcp (read, and write through the same operations as a member). */
export const TOKEN_SCOPES = ['ingest', 'agent', 'read', 'mcp'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const SESSION_STATES = ['active', 'sleeping', 'stopped', 'expired'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** An operation's life in its session's room: queued for the agent, then delivered, running, and one of the last three. */
export const OP_STATES = ['queued', 'delivered', 'running', 'succeeded', 'failed', 'expired'] as const;
export type OpState = (typeof OP_STATES)[number];
/** The states an operation never leaves. */
export const TERMINAL_OP_STATES: readonly OpState[] = ['succeeded', 'failed', 'expired'];
export const isTerminalOpState = (state: OpState) => TERMINAL_OP_STATES.includes(state);

export const BUILD_STATUSES = ['queued', 'started', 'progress', 'completed', 'failed', 'timeout'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** What a change in a session's history did to its path. */
export const CHANGE_OPS = ['create', 'modify', 'delete'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

/** Signing schemes a webhook source speaks (GitHub's, GitLab's token, Standard Webhooks/Svix). */
export const WEBHOOK_PROVIDERS = ['github', 'gitlab', 'standard'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
/** A delivery is `received` until its events are queued (`accepted`); `failed` ones are retried on redelivery or replay. */
export const WEBHOOK_DELIVERY_STATUSES = ['received', 'accepted', 'rejected', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
/** Digest periods: a UTC day, an ISO week (Monday to Sunday), a calendar month. */
export const DIGEST_PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type DigestPeriod = (typeof DIGEST_PERIODS)[number];
/** Whether a digest's Highlights paragraph was written, not asked for, or could not be had. */
export const DIGEST_HIGHLIGHTS_STATUSES = ['written', 'not_configured', 'unavailable'] as const;
/** An outgoing delivery is `pending` until a receiver answers 2xx, `failed` after its last attempt. */
export const OUTGOING_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type OutgoingDeliveryStatus = (typeof OUTGOING_DELIVERY_STATUSES)[number];

/** Whether a script an operation wrote compiles (see contracts/unity-results.ts). */
export const COMPILE_STATUSES = ['compiled', 'errors', 'unknown'] as const;
export type CompileStatus = (typeof COMPILE_STATUSES)[number];
