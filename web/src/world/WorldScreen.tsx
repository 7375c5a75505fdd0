// The world page (?world): who you are and your token, then the map around
// you with the players near you by name, your connection's figures, and
// movement by keys (arrows, WASD) or a click on the map. Loaded on demand
// (App.tsx), so the game screens' first load does not carry it.
import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { ErrorNotice } from '../ui/ErrorNotice.tsx';
import { WorldController, type WorldLink, type WorldSnapshot } from './controller.ts';
import { directionOf, movementKey, velocityFor } from './input.ts';
import { MapCanvas } from './MapCanvas.tsx';
import { diagnoseRefusal } from './diagnose.ts';
import { checkToken, worldUrl } from './token.ts';
import './world.css';

interface Props {
  readonly onBack: () => void;
}

/** The gateway address from ?gateway= ('' when the link has none: the form asks for it). */
function linkGateway(): string {
  return new URLSearchParams(location.search).get('gateway') ?? '';
}

export default function WorldScreen({ onBack }: Props) {
  const ids = useId();
  const query = useMemo(() => new URLSearchParams(location.search), []);
  const [gateway, setGateway] = useState(linkGateway);
  const [token, setToken] = useState(() => query.get('token') ?? '');
  const [error, setError] = useState<string | null>(null);
  const [controller, setController] = useState<WorldController | null>(null);

  useEffect(() => () => controller?.dispose(), [controller]);

  const enter = (ev?: FormEvent) => {
    ev?.preventDefault();
    const check = checkToken(token, Date.now());
    if (!check.ok) return setError(check.error);
    if (gateway.trim() === '') return setError('Enter the gateway address: `metronome world serve` prints it (ws://HOST:PORT/world).');
    let url: string;
    try {
      url = worldUrl(gateway, token);
      if (!/^wss?:$/.test(new URL(url).protocol)) throw new Error('not ws');
    } catch {
      return setError(`The gateway address ${JSON.stringify(gateway)} is not a ws:// or wss:// URL.`);
    }
    setError(null);
    const c = new WorldController({
      url,
      createSocket: (u, protocols) => new WebSocket(u, protocols),
      now: () => Date.now(),
      timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) },
      diagnose: () => diagnoseRefusal(url, (input, init) => fetch(input, init)),
    });
    setController(c);
    c.start();
  };

  // A ?token= link enters at once (once, even where effects run twice).
  const entered = useRef(false);
  useEffect(() => {
    if (entered.current || !query.get('token')) return;
    entered.current = true;
    enter();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  if (controller !== null) {
    const check = checkToken(token, Date.now());
    return (
      <WorldView
        controller={controller}
        name={check.ok ? check.claims.sub : ''}
        onLeave={() => {
          controller.dispose();
          setController(null);
          onBack();
        }}
      />
    );
  }

  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h2 id={`${ids}-title`} tabIndex={-1}>
        Enter the world
      </h2>
      <form onSubmit={enter} className="form" noValidate>
        <div className="field">
          <label htmlFor={`${ids}-token`}>World token</label>
          <input
            id={`${ids}-token`}
            name="token"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${ids}-token-hint`}
          />
          <p className="hint" id={`${ids}-token-hint`}>
            A token names your player. From the repository: <code>metronome world token --sub NAME --ttl 3600</code> (the same
            <code> --data-dir</code> as <code>metronome up</code>), or open the link <code>metronome up</code> prints.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-gateway`}>Gateway address</label>
          <input
            id={`${ids}-gateway`}
            name="gateway"
            value={gateway}
            onChange={(e) => setGateway(e.target.value)}
            placeholder="ws://127.0.0.1:PORT/world"
            spellCheck={false}
          />
        </div>
        {error !== null && <ErrorNotice title="Cannot enter the world" message={error} />}
        <div className="row">
          <button type="submit" className="primary">
            Enter
          </button>
          <button type="button" onClick={onBack}>
            Back
          </button>
        </div>
      </form>
    </section>
  );
}

function WorldView({ controller, name, onLeave }: { controller: WorldController; name: string; onLeave: () => void }) {
  const s = useSyncExternalStore(controller.subscribe, controller.snapshot);
  const ids = useId();

  // Keys held down give the direction; every change sends one velocity command.
  useEffect(() => {
    const held = new Set<string>();
    let last = '0,0';
    const update = () => {
      const maxSpeed = controller.snapshot().welcome?.maxSpeed;
      if (maxSpeed === undefined) return;
      const d = directionOf(held);
      const key = `${d.dx},${d.dy}`;
      if (key === last) return;
      last = key;
      const v = velocityFor(d, maxSpeed);
      controller.command(v.vx === 0 && v.vy === 0 ? { kind: 'stop' } : { kind: 'velocity', vx: v.vx, vy: v.vy });
    };
    const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    const down = (ev: KeyboardEvent) => {
      const k = movementKey(ev.key);
      if (k === null || typing(ev.target)) return;
      ev.preventDefault();
      held.add(k);
      update();
    };
    const up = (ev: KeyboardEvent) => {
      const k = movementKey(ev.key);
      if (k === null) return;
      held.delete(k);
      update();
    };
    const blur = () => {
      held.clear();
      update();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [controller]);

  const q = s.welcome?.qPerWorldUnit ?? 32;
  const wu = (v: number) => (v / q).toFixed(1);
  const selfName = s.welcome?.key ?? name;
  return (
    <section aria-labelledby={`${ids}-title`} className="world">
      <h2 id={`${ids}-title`} tabIndex={-1} className="visually-hidden">
        World
      </h2>
      <LinkNotice link={s.link} snap={s} onReconnect={() => controller.reconnect()} />
      <div className="world-layout">
        <div className="card world-map-card">
          <MapCanvas controller={controller} label={`Map around ${selfName || 'you'}: ${s.others.length} entities in view`} />
          <p className="hint">Move with the arrow keys or WASD, or click the map to walk there.</p>
          <div className="row">
            <button type="button" onClick={() => controller.command({ kind: 'stop' })} disabled={s.link.state !== 'open'}>
              Stop
            </button>
            <button type="button" className="danger" onClick={onLeave}>
              Leave the world
            </button>
          </div>
        </div>
        <div className="world-side">
          <section aria-labelledby={`${ids}-you`} className="card">
            <h3 id={`${ids}-you`}>You</h3>
            <dl className="facts">
              <dt>Player</dt>
              <dd data-testid="world-player">{selfName || '–'}</dd>
              <dt>Entity</dt>
              <dd data-testid="world-entity">{s.welcome?.entity ?? '–'}</dd>
              <dt>Position</dt>
              <dd data-testid="world-position" data-x={s.self?.x ?? ''} data-y={s.self?.y ?? ''}>
                {s.self ? `${wu(s.self.x)}, ${wu(s.self.y)}` : '–'}
              </dd>
              <dt>Tick</dt>
              <dd data-testid="world-tick">{s.tick ?? '–'}</dd>
            </dl>
          </section>
          <Figures snap={s} />
          <Emotes snap={s} onSay={(text) => controller.command({ kind: 'emote', text })} />
          <section aria-labelledby={`${ids}-near`} className="card">
            <h3 id={`${ids}-near`}>Near you</h3>
            {s.others.length === 0 ? (
              <p className="hint">Nobody in view.</p>
            ) : (
              <table className="world-near" data-testid="world-near">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">x</th>
                    <th scope="col">y</th>
                  </tr>
                </thead>
                <tbody>
                  {s.others.map((e) => (
                    <tr key={e.id} data-testid="world-near-entity" data-id={e.id} data-name={e.key} data-x={e.x} data-y={e.y}>
                      <td>{e.key === '' ? `NPC ${e.id}` : e.key}</td>
                      <td className="num">{wu(e.x)}</td>
                      <td className="num">{wu(e.y)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      </div>
    </section>
  );
}

function Figures({ snap }: { snap: WorldSnapshot }) {
  const ids = useId();
  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h3 id={`${ids}-title`}>Connection</h3>
      <dl className="facts">
        <dt>
          <abbr title="Round trip: from a movement command to the first frame that shows it (up to one tick of the world's step included)">RTT</abbr>
        </dt>
        <dd data-testid="world-rtt">{snap.rttMs === null ? 'after your first move' : `${snap.rttMs.toFixed(0)} ms (input to view)`}</dd>
        <dt>Frames</dt>
        <dd data-testid="world-fps">{snap.framesPerSecond.toFixed(1)} /s</dd>
        <dt>Received</dt>
        <dd data-testid="world-bps">{formatRate(snap.bytesPerSecond)}</dd>
        <dt>In view</dt>
        <dd data-testid="world-in-view">{snap.others.length}</dd>
      </dl>
      {snap.wireErrors !== null && (
        <p role="status" className="notice notice-warning" data-testid="world-wire-errors">
          {snap.wireErrors.count} frame{snap.wireErrors.count === 1 ? '' : 's'} could not be used; the last: {snap.wireErrors.last}.
        </p>
      )}
    </section>
  );
}

/** Say something to those who see you (an emote: reliable, never dropped), and what was said near you. */
function Emotes({ snap, onSay }: { snap: WorldSnapshot; onSay: (text: string) => boolean }) {
  const ids = useId();
  const [text, setText] = useState('');
  const names = new Map([...snap.others, ...(snap.self ? [snap.self] : [])].map((e) => [e.id, e.key || `NPC ${e.id}`]));
  const say = (ev: FormEvent) => {
    ev.preventDefault();
    const t = text.trim();
    if (t !== '' && onSay(t)) setText('');
  };
  return (
    <section aria-labelledby={`${ids}-title`} className="card">
      <h3 id={`${ids}-title`}>Say</h3>
      <form onSubmit={say} className="row">
        <label htmlFor={`${ids}-text`} className="visually-hidden">
          Say something
        </label>
        <input id={`${ids}-text`} value={text} onChange={(e) => setText(e.target.value)} maxLength={64} placeholder="hello" />
        <button type="submit" disabled={snap.link.state !== 'open'}>
          Say
        </button>
      </form>
      {snap.emotes.length > 0 && (
        <ol className="world-emotes" data-testid="world-emotes" aria-live="polite">
          {snap.emotes.map((e) => (
            <li key={`${e.at}-${e.id}-${e.text}`}>
              <strong>{names.get(e.id) ?? `entity ${e.id}`}</strong>: {e.text}
            </li>
          ))}
        </ol>
      )}
      {snap.rejected !== null && (
        <p className="hint" data-testid="world-rejected">
          {snap.rejected.count} command{snap.rejected.count === 1 ? ' was' : 's were'} refused by the world; the last: {snap.rejected.last}.
        </p>
      )}
    </section>
  );
}

function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1024 ? `${(bytesPerSecond / 1024).toFixed(1)} KiB/s` : `${bytesPerSecond.toFixed(0)} B/s`;
}

function LinkNotice({ link, snap, onReconnect }: { link: WorldLink; snap: WorldSnapshot; onReconnect: () => void }) {
  switch (link.state) {
    case 'connecting':
      return (
        <p role="status" className="notice notice-info" data-testid="world-link" data-state="connecting">
          Connecting to the world…
        </p>
      );
    case 'reconnecting':
      return (
        <p role="status" className="notice notice-warning" data-testid="world-link" data-state="reconnecting">
          The connection dropped: reconnecting (attempt {link.attempt}) with the same token; your entity waits for you.
        </p>
      );
    case 'open':
      return (
        <p role="status" className="notice notice-info" data-testid="world-link" data-state="open" data-resumed={link.resumed ? 'yes' : 'no'}>
          {link.resumed ? `Reconnected: you are back in your entity ${snap.welcome?.entity ?? ''}, where you left it.` : 'Connected.'}
          {snap.serverError !== null && ` The gateway said: ${snap.serverError}`}
        </p>
      );
    case 'closed':
      return (
        <div data-testid="world-link" data-state="closed" data-code={link.code}>
          <ErrorNotice
            title={snap.welcome === null ? 'The gateway refused the connection' : 'Disconnected from the world'}
            message={closedText(link, snap.welcome === null)}
            onRetry={link.final ? undefined : onReconnect}
          />
        </div>
      );
  }
}

function closedText(link: Extract<WorldLink, { state: 'closed' }>, neverOpened: boolean): string {
  // A connection refused before it opened has no close code worth showing (browsers say 1006).
  return neverOpened && link.code === 1006 ? link.reason : `${link.reason} (close code ${link.code}).`;
}
