// Every numeric limit of the wire contracts, in one place, so the edge, the agent, the UI and the
// tests agree on the same numbers. Byte limits are UTF-8 byte lengths (see ./bytes), never
// JavaScript string lengths, because what we store and forward is bytes.

const KiB = 1024;
const MiB = 1024 * KiB;

// --- SparkEventV1 (the public Spark event format's limits, plus Spark's own fields) ---
/** JSON.stringify(payload), UTF-8 encoded. */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * KiB;
export const MAX_SOURCE_LEN = 256;
export const MAX_SESSION_ID_LEN = 256;
export const MAX_TRACE_ID_LEN = 256;
export const MAX_EVENT_TYPE_LEN = 128;
/**
 * Upper bound for `ts` (unix seconds): 3000-01-01T00:00:00Z. Anything above is almost surely a
 * millisecond timestamp sent by mistake, which would otherwise land in the year ~55,000.
 */
export const MAX_EVENT_TS_SECONDS = 32_503_680_000;

// --- function-call payloads (kind: 'tool') ---
export const MAX_CALL_ID_LEN = 256;
export const MAX_FUNCTION_NAME_LEN = 256;

// --- ingest batches (POST of many events at once) ---
export const MAX_INGEST_EVENTS = 500;
/** Raw request body size of one ingest batch. */
export const MAX_INGEST_BYTES = 1 * MiB;

// --- project paths ---
export const MAX_PATH_LEN = 1024;

// --- Unity operations ---
export const MAX_SCRIPT_BYTES = 200 * KiB;
/** Sum of the UTF-8 sizes of every `newText` in one patch. */
export const MAX_PATCH_BYTES = 200 * KiB;
export const MAX_PATCH_EDITS = 200;
export const MIN_PREVIEW_PX = 16;
export const MAX_PREVIEW_PX = 4096;
export const MAX_CAMERA_NAME_LEN = 128;
export const MAX_BUILD_OPTIONS = 32;
export const MAX_BUILD_OPTION_KEY_LEN = 64;
export const MAX_BUILD_OPTION_VALUE_LEN = 1024;
export const MAX_MENU_PATH_LEN = 256;

// --- change history import (POST …/changes/import) ---
export const MAX_HISTORY_IMPORT_CHANGES = 500;
/** Raw request body size of one import: far above the 50 changes a session keeps, far below memory. */
export const MAX_HISTORY_IMPORT_BYTES = 8 * MiB;

// --- CV / ASR ---
export const MAX_OCR_PAGES = 10;
export const MAX_OCR_BYTES = 20 * MiB;
export const MAX_ASR_SECONDS = 15 * 60;
export const MAX_ASR_BYTES = 100 * MiB;
/** Longest BCP-47 tag we accept ("zh-Hant-TW", "en-US"...); RFC 5646 suggests 35 suffices. */
export const MAX_LANGUAGE_TAG_LEN = 35;

// --- NATS ---
/** A session id used as a subject token; shorter than MAX_SESSION_ID_LEN on purpose. */
export const MAX_NATS_TOKEN_LEN = 128;

// --- shape of any JSON the edge parses (request bodies, WebSocket frames) ---
// Checked by a byte scanner before JSON.parse (./json-shape), so a hostile body can neither
// overflow the stack of a recursive validator nor make the isolate build millions of values.
/** Arrays and objects nested deeper than this are refused (legit payloads stay far below). */
export const MAX_JSON_DEPTH = 64;
/** Keys plus array elements in one JSON document. */
export const MAX_JSON_VALUES = 100_000;
/** Characters of one JSON string as written (escapes included); readers of bigger strings pass their own. */
export const MAX_JSON_STRING_CHARS = 1 * MiB;
/** Raw body of any JSON request without a limit of its own. */
export const MAX_JSON_BODY_BYTES = 1 * MiB;
/** Bytes an over-limit request body is read and thrown away, so the 413 reaches the client instead of a reset. */
export const MAX_DRAINED_BODY_BYTES = 64 * MiB;
