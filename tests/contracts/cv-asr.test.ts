import { describe, it, expect } from 'vitest';
import { ASR_MIME_TYPES, asrRequest, OCR_MIME_TYPES, ocrRequest } from '../../contracts/cv-asr';
import { MAX_ASR_BYTES, MAX_ASR_SECONDS, MAX_OCR_BYTES, MAX_OCR_PAGES } from '../../contracts/limits';
import type { z } from 'zod';

function failure(schema: z.ZodType, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return r.error!.issues[0]!;
}

describe('ocrRequest', () => {
  const req = (extra: Record<string, unknown> = {}) => ({
    path: 'Uploads/scan.pdf',
    mime: 'application/pdf',
    sizeBytes: 1_000_000,
    pages: 3,
    ...extra,
  });

  it('accepts a PDF in Uploads/ or Assets/, with or without a language', () => {
    expect(ocrRequest.parse(req())).toEqual(req());
    expect(ocrRequest.safeParse(req({ path: 'Assets/Docs/manual.pdf', language: 'pt-BR' })).success).toBe(true);
  });

  it('accepts every listed MIME type and rejects others', () => {
    for (const mime of OCR_MIME_TYPES) expect(ocrRequest.safeParse(req({ mime, pages: 1 })).success, mime).toBe(true);
    for (const mime of ['image/gif', 'text/plain', 'application/PDF', '']) {
      expect(failure(ocrRequest, req({ mime })).path).toEqual(['mime']);
    }
  });

  it(`accepts ${MAX_OCR_PAGES} pages and rejects ${MAX_OCR_PAGES + 1} or 0`, () => {
    expect(ocrRequest.safeParse(req({ pages: MAX_OCR_PAGES })).success).toBe(true);
    const over = failure(ocrRequest, req({ pages: MAX_OCR_PAGES + 1 }));
    expect(over.path).toEqual(['pages']);
    expect(over.message).toContain(String(MAX_OCR_PAGES));
    expect(failure(ocrRequest, req({ pages: 0 })).path).toEqual(['pages']);
    expect(failure(ocrRequest, req({ pages: 2.5 })).path).toEqual(['pages']);
  });

  it('allows several pages only for PDF and TIFF', () => {
    expect(ocrRequest.safeParse(req({ mime: 'image/tiff', pages: 4 })).success).toBe(true);
    expect(failure(ocrRequest, req({ mime: 'image/png', path: 'Uploads/a.png', pages: 2 })).path).toEqual(['pages']);
  });

  it(`accepts ${MAX_OCR_BYTES} bytes and rejects one more or 0`, () => {
    expect(ocrRequest.safeParse(req({ sizeBytes: MAX_OCR_BYTES })).success).toBe(true);
    expect(failure(ocrRequest, req({ sizeBytes: MAX_OCR_BYTES + 1 })).path).toEqual(['sizeBytes']);
    expect(failure(ocrRequest, req({ sizeBytes: 0 })).path).toEqual(['sizeBytes']);
  });

  it('guards the path', () => {
    for (const path of ['Uploads/../../x.pdf', '/tmp/x.pdf', 'Uploads\\x.pdf', 'Temp/x.pdf', 'C:/x.pdf']) {
      expect(failure(ocrRequest, req({ path })).path, path).toEqual(['path']);
    }
  });

  it('validates the language tag', () => {
    for (const language of ['en', 'eng', 'zh-Hant-TW', 'es-419']) {
      expect(ocrRequest.safeParse(req({ language })).success, language).toBe(true);
    }
    for (const language of ['', 'e', 'english!', 'en_US', 'en-', 'x'.repeat(36), `en-${'a'.repeat(9)}`]) {
      expect(failure(ocrRequest, req({ language })).path, language).toEqual(['language']);
    }
  });
});

describe('asrRequest', () => {
  const req = (extra: Record<string, unknown> = {}) => ({
    path: 'Uploads/voice.wav',
    mime: 'audio/wav',
    sizeBytes: 5_000_000,
    durationSeconds: 42.5,
    ...extra,
  });

  it('accepts an audio file in Uploads/ or Assets/', () => {
    expect(asrRequest.parse(req())).toEqual(req());
    expect(asrRequest.safeParse(req({ path: 'Assets/Audio/line.ogg', mime: 'audio/ogg', language: 'fr' })).success).toBe(true);
  });

  it('accepts every listed MIME type and rejects others', () => {
    for (const mime of ASR_MIME_TYPES) expect(asrRequest.safeParse(req({ mime })).success, mime).toBe(true);
    for (const mime of ['audio/aac', 'video/mp4', 'application/pdf']) {
      expect(failure(asrRequest, req({ mime })).path).toEqual(['mime']);
    }
  });

  it(`accepts ${MAX_ASR_SECONDS} s and rejects ${MAX_ASR_SECONDS + 0.001} s, 0 and negatives`, () => {
    expect(asrRequest.safeParse(req({ durationSeconds: MAX_ASR_SECONDS })).success).toBe(true);
    const over = failure(asrRequest, req({ durationSeconds: MAX_ASR_SECONDS + 0.001 }));
    expect(over.path).toEqual(['durationSeconds']);
    expect(over.message).toContain(String(MAX_ASR_SECONDS));
    for (const durationSeconds of [0, -1, NaN, Infinity]) {
      expect(failure(asrRequest, req({ durationSeconds })).path).toEqual(['durationSeconds']);
    }
    expect(asrRequest.safeParse(req({ durationSeconds: 0.001 })).success).toBe(true);
  });

  it(`accepts ${MAX_ASR_BYTES} bytes and rejects one more`, () => {
    expect(asrRequest.safeParse(req({ sizeBytes: MAX_ASR_BYTES })).success).toBe(true);
    expect(failure(asrRequest, req({ sizeBytes: MAX_ASR_BYTES + 1 })).path).toEqual(['sizeBytes']);
  });

  it('guards the path and rejects unknown fields', () => {
    expect(failure(asrRequest, req({ path: 'Uploads/../x.wav' })).path).toEqual(['path']);
    expect(failure(asrRequest, req({ duration: 3 })).code).toBe('unrecognized_keys');
  });
});
