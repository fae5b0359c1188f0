// OCR and speech-to-text requests on files in the project (Assets/) or uploaded to Spark
// (Uploads/). Size, page and duration limits are declared by the sender and checked here so an
// oversized job is refused before any bytes move; the worker re-checks the real file.
import { z } from 'zod';
import { assetsOrUploadsPath } from './paths';
import {
  MAX_ASR_BYTES,
  MAX_ASR_SECONDS,
  MAX_LANGUAGE_TAG_LEN,
  MAX_OCR_BYTES,
  MAX_OCR_PAGES,
} from './limits';

/** BCP-47-ish: a 2-3 letter primary language, then optional subtags ("en", "pt-BR", "zh-Hant-TW"). */
export const languageTag = z
  .string()
  .max(MAX_LANGUAGE_TAG_LEN, `language must be at most ${MAX_LANGUAGE_TAG_LEN} characters`)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, "language must be a BCP-47 tag like 'en' or 'pt-BR'");

export const OCR_MIME_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/tiff',
] as const;
/** Formats that can hold more than one page; the rest are single images. */
const MULTI_PAGE_OCR_MIME_TYPES: readonly string[] = ['application/pdf', 'image/tiff'];

export const ocrRequest = z
  .strictObject({
    path: assetsOrUploadsPath,
    mime: z.enum(OCR_MIME_TYPES),
    sizeBytes: z
      .int()
      .min(1, 'sizeBytes must be at least 1')
      .max(MAX_OCR_BYTES, `sizeBytes must be at most ${MAX_OCR_BYTES} for OCR`),
    pages: z
      .int()
      .min(1, 'pages must be at least 1')
      .max(MAX_OCR_PAGES, `pages must be at most ${MAX_OCR_PAGES}`),
    language: languageTag.optional(),
  })
  .refine((r) => r.pages === 1 || MULTI_PAGE_OCR_MIME_TYPES.includes(r.mime), {
    path: ['pages'],
    message: 'a single image has exactly 1 page; use PDF or TIFF for several',
  });
export type OcrRequest = z.infer<typeof ocrRequest>;

export const ASR_MIME_TYPES = [
  'audio/wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/flac',
  'audio/webm',
  'audio/mp4',
] as const;

export const asrRequest = z.strictObject({
  path: assetsOrUploadsPath,
  mime: z.enum(ASR_MIME_TYPES),
  sizeBytes: z
    .int()
    .min(1, 'sizeBytes must be at least 1')
    .max(MAX_ASR_BYTES, `sizeBytes must be at most ${MAX_ASR_BYTES} for ASR`),
  durationSeconds: z
    .number()
    .positive('durationSeconds must be greater than 0')
    .max(MAX_ASR_SECONDS, `durationSeconds must be at most ${MAX_ASR_SECONDS} (15 minutes)`),
  language: languageTag.optional(),
});
export type AsrRequest = z.infer<typeof asrRequest>;
