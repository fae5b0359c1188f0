import { describe, expect, it } from 'vitest';
import { renderPreviewOp } from '../../contracts/index';
import { PreviewCache, previewCacheKey, type PreviewFrame } from '../../local-agent/preview-cache';

const frame = (n: number): PreviewFrame => ({ contentType: 'image/png', width: 16, height: 16, data: new Uint8Array([n]) });
const scope = { sessionId: 's1' };

describe('agent preview cache', () => {
  it('keys by the normalized request and its scope', () => {
    const a = previewCacheKey(renderPreviewOp.parse({ op: 'render_preview', width: 64, height: 32 }), scope);
    const b = previewCacheKey(renderPreviewOp.parse({ op: 'render_preview', height: 32, width: 64, format: 'png' }), scope);
    expect(a).toBe(b);
    const jpg = previewCacheKey(renderPreviewOp.parse({ op: 'render_preview', width: 64, height: 32, format: 'jpg' }), scope);
    const cam = previewCacheKey(renderPreviewOp.parse({ op: 'render_preview', width: 64, height: 32, camera: 'Top' }), scope);
    const other = previewCacheKey(renderPreviewOp.parse({ op: 'render_preview', width: 64, height: 32 }), { sessionId: 's2' });
    expect(new Set([a, jpg, cam, other]).size).toBe(4);
  });

  it('expires entries after 5 minutes', () => {
    let now = 0;
    const cache = new PreviewCache({ now: () => now });
    cache.set('k', frame(1));
    now = 5 * 60_000 - 1;
    expect(cache.get('k')?.data[0]).toBe(1);
    now = 5 * 60_000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used beyond 1,000 entries', () => {
    const cache = new PreviewCache();
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, frame(i));
    expect(cache.get('k0')?.data[0]).toBe(0); // k0 is now the most recent
    cache.set('k1000', frame(1000));
    expect(cache.size).toBe(1000);
    expect(cache.get('k1')).toBeUndefined(); // least recent went
    expect(cache.get('k0')).toBeDefined();
    expect(cache.get('k1000')).toBeDefined();
  });

  it('prune drops expired entries, clear drops everything', () => {
    let now = 0;
    const cache = new PreviewCache({ now: () => now, ttlMs: 100, maxEntries: 3 });
    cache.set('a', frame(1));
    now = 50;
    cache.set('b', frame(2));
    now = 100;
    expect(cache.prune()).toBe(1);
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
