/** @jsxImportSource hono/jsx/dom */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { MAX_PREVIEW_PX, MIN_PREVIEW_PX } from '../../../contracts/limits';
import { ApiError, authFetch, errorMessage } from '../lib/api';
import { formatMs } from '../lib/format';
import { latestFrameCallId, opPhase, opStatusText, type LiveState } from '../lib/live-state';
import type { SendOp } from '../pages/session';
import { InlineError, Panel, Spinner, TimeAgo } from '../components/ui';

type Shown = { callId: string; url: string; width: number; height: number; at: number };
type Img = { status: 'none' } | { status: 'loading'; callId: string } | { status: 'ready'; frame: Shown } | { status: 'error'; message: string };

const SIZES = [
  [640, 360],
  [1280, 720],
  [1920, 1080],
  [1080, 1920],
  [512, 512],
] as const;

export function PreviewPanel(props: { live: LiveState; sendOp: SendOp; framePath: (callId: string) => string }) {
  const { live } = props;
  const [width, setWidth] = useState('640');
  const [height, setHeight] = useState('360');
  const [requested, setRequested] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [img, setImg] = useState<Img>({ status: 'none' });
  const [shown, setShown] = useState<Shown | null>(null);
  const blobUrl = useRef<string | null>(null);
  const tried = useRef(new Set<string>());
  const [missing, setMissing] = useState<string | null>(null);

  const reqOp = requested ? live.ops[requested] : undefined;
  const reqPhase = reqOp ? opPhase(reqOp.state) : requested ? 'pending' : null;
  const candidate = latestFrameCallId(live);
  const announced = candidate ? live.frames.find((f) => f.callId === candidate) : undefined;

  // Fetch the newest frame whenever it changes (with the token; an <img> cannot send headers).
  useEffect(() => {
    // Try a guessed frame once, and again once it is announced (the result can beat the frame).
    const key = `${candidate}:${announced ? 'a' : 'g'}`;
    if (!candidate || shown?.callId === candidate || tried.current.has(key)) return;
    tried.current.add(key);
    let cancelled = false;
    setImg({ status: 'loading', callId: candidate });
    (async () => {
      try {
        const res = await authFetch(announced?.url ?? props.framePath(candidate));
        const blob = await res.blob();
        if (cancelled) return;
        const url = URL.createObjectURL(blob);
        if (blobUrl.current) URL.revokeObjectURL(blobUrl.current);
        blobUrl.current = url;
        const frame = { callId: candidate, url, width: announced?.width ?? 0, height: announced?.height ?? 0, at: announced?.at ?? live.ops[candidate]?.updatedAt ?? Date.now() };
        setShown(frame);
        setImg({ status: 'ready', frame });
      } catch (err) {
        if (cancelled) return;
        // A frame we only guessed at (from an old operation) may simply not be stored.
        if (!announced && err instanceof ApiError && err.status === 404) {
          setMissing(candidate);
          setImg(shown ? { status: 'ready', frame: shown } : { status: 'none' });
        }
        else setImg({ status: 'error', message: `Could not load the frame: ${errorMessage(err)}` });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [candidate, announced?.url]);

  useEffect(
    () => () => {
      if (blobUrl.current) URL.revokeObjectURL(blobUrl.current);
    },
    [],
  );

  const request = async (e: Event) => {
    e.preventDefault();
    const w = Number(width);
    const h = Number(height);
    const bad = [
      [w, 'Width'],
      [h, 'Height'],
    ].find(([v]) => !Number.isInteger(v) || (v as number) < MIN_PREVIEW_PX || (v as number) > MAX_PREVIEW_PX);
    if (bad) {
      setFormError(`${bad[1]} must be a whole number from ${MIN_PREVIEW_PX} to ${MAX_PREVIEW_PX} px.`);
      return;
    }
    setFormError(null);
    setSending(true);
    try {
      const callId = await props.sendOp({ op: 'render_preview', width: w, height: h, format: 'png' });
      setRequested(callId);
    } catch (err) {
      setFormError(errorMessage(err));
    } finally {
      setSending(false);
    }
  };

  // What the panel says, in order of importance.
  let state: 'empty' | 'loading' | 'ready' | 'error';
  let message: string | null = null;
  if (reqPhase === 'failure' && reqOp) {
    state = 'error';
    message = `The preview failed: ${opStatusText(reqOp)}`;
  } else if (img.status === 'error') {
    state = 'error';
    message = img.message;
  } else if (img.status === 'loading' || reqPhase === 'pending' || reqPhase === 'running') {
    state = 'loading';
  } else if (reqPhase === 'success' && requested && shown?.callId !== requested) {
    // Finished, but its frame is not here (yet): the frame message may still be on its way.
    state = missing === requested ? 'error' : 'loading';
    if (state === 'error') message = 'Unity finished the preview, but no frame was stored. Try again.';
  } else if (shown) state = 'ready';
  else state = 'empty';
  const loadingText =
    img.status === 'loading' ? 'Loading the frame…' : reqOp && reqPhase === 'running' ? `Rendering — ${opStatusText(reqOp)}` : !live.online ? 'Queued — waiting for the agent to connect…' : 'Queued — waiting for Unity…';

  return (
    <Panel id="preview" title="Scene preview" data-testid="preview-panel">
      <form class="preview-form" onSubmit={request}>
        <div class="field-inline">
          <label for="preview-size">Preset size</label>
          <select
            id="preview-size"
            onChange={(e: Event) => {
              const [w, h] = (e.target as HTMLSelectElement).value.split('x');
              if (w && h) {
                setWidth(w);
                setHeight(h);
              }
            }}
          >
            <option value="">Custom</option>
            {SIZES.map(([w, h]) => (
              <option value={`${w}x${h}`} selected={String(w) === width && String(h) === height}>
                {w} × {h}
              </option>
            ))}
          </select>
        </div>
        <div class="field-inline">
          <label for="preview-width">Width (px)</label>
          <input id="preview-width" type="number" inputMode="numeric" min={MIN_PREVIEW_PX} max={MAX_PREVIEW_PX} value={width} data-testid="preview-width" onInput={(e: Event) => setWidth((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field-inline">
          <label for="preview-height">Height (px)</label>
          <input id="preview-height" type="number" inputMode="numeric" min={MIN_PREVIEW_PX} max={MAX_PREVIEW_PX} value={height} data-testid="preview-height" onInput={(e: Event) => setHeight((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="btn btn-primary" disabled={sending || reqPhase === 'pending' || reqPhase === 'running'} data-testid="request-preview">
          {sending ? 'Requesting…' : reqPhase === 'pending' || reqPhase === 'running' ? 'Rendering…' : 'Request preview'}
        </button>
      </form>
      <InlineError message={formError} data-testid="preview-form-error" />
      <div class={`preview-stage preview-${state}`} data-testid="preview-state" data-state={state} aria-busy={state === 'loading' ? 'true' : 'false'}>
        {shown ? (
          <figure class="preview-figure">
            <img
              src={shown.url}
              data-testid="preview-frame"
              data-call-id={shown.callId}
              alt={`Scene preview${shown.width ? `, ${shown.width} × ${shown.height} px` : ''}`}
              onLoad={(e: Event) => {
                const el = e.target as HTMLImageElement;
                if (!shown.width) setShown({ ...shown, width: el.naturalWidth, height: el.naturalHeight });
              }}
            />
            <figcaption class="small muted">
              {shown.width ? `${shown.width} × ${shown.height} px · ` : ''}
              <TimeAgo at={shown.at} />
              {live.ops[shown.callId]?.latencyMs !== undefined ? ` · rendered in ${formatMs(live.ops[shown.callId]!.latencyMs)}` : ''}
            </figcaption>
          </figure>
        ) : state !== 'loading' && state !== 'error' ? (
          <p class="preview-placeholder muted">No preview yet. Pick a size and press “Request preview” to see the open scene through its main camera.</p>
        ) : null}
        {state === 'loading' ? (
          <div class="preview-overlay" role="status">
            <Spinner label="Loading preview" /> <span>{loadingText}</span>
          </div>
        ) : null}
        {state === 'error' ? (
          <p class="inline-error preview-error" role="alert" data-testid="preview-error">
            {message}
          </p>
        ) : null}
      </div>
    </Panel>
  );
}
