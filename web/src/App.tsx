// The page: the start screen, the join screen (?session=<id>), the game, and
// the world (?world, loaded on demand). The URL carries the session, so a
// reload rejoins and the address bar is the invite link.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { EdgeClient, type StartedGame } from './api/edge.ts';
import { readDebugOptions } from './debug.ts';
import { GameController, type GameSetup } from './game/game_controller.ts';
import { GameScreen } from './ui/GameScreen.tsx';
import { JoinScreen, type JoinedGame } from './ui/JoinScreen.tsx';
import { StartScreen } from './ui/StartScreen.tsx';
import { rememberUserId, startUserId, tabUserId } from './user_id.ts';

const WorldScreen = lazy(() => import('./world/WorldScreen.tsx'));

type Screen =
  | { kind: 'start' }
  | { kind: 'join'; sessionId: string }
  | { kind: 'game'; controller: GameController; isOwner: boolean }
  | { kind: 'world' };

function sessionFromUrl(): string | null {
  const id = new URLSearchParams(location.search).get('session');
  return id !== null && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/** The current URL with ?session set to `id`, or removed; other parameters (the debug hooks) kept. */
function urlWithSession(id: string | null): string {
  const url = new URL(location.href);
  if (id === null) url.searchParams.delete('session');
  else url.searchParams.set('session', id);
  return url.toString();
}

function inviteUrl(id: string): string {
  return `${location.origin}${location.pathname}?session=${encodeURIComponent(id)}`;
}

function markFirstTick(afterStartAtMs: number): void {
  performance.mark('metronome:first-tick', { detail: { afterStartAtMs } });
  if (performance.getEntriesByName('metronome:start', 'mark').length > 0) {
    performance.measure('metronome:start-to-first-tick', 'metronome:start', 'metronome:first-tick');
  }
}

export default function App() {
  const edge = useMemo(() => new EdgeClient((input, init) => fetch(input, init)), []);
  const debug = useMemo(() => readDebugOptions(location.search), []);
  const [screen, setScreen] = useState<Screen>(() => {
    if (new URLSearchParams(location.search).has('world')) return { kind: 'world' };
    const id = sessionFromUrl();
    return id === null ? { kind: 'start' } : { kind: 'join', sessionId: id };
  });

  // A new screen starts at its top, with the keyboard focus on its heading
  // (the button that led there is gone).
  useEffect(() => {
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h2')?.focus();
  }, [screen.kind]);

  const play = useCallback(
    (setup: GameSetup, isOwner: boolean) => {
      const controller = new GameController(setup, {
        edge,
        createSocket: typeof WebSocket === 'undefined' ? null : (url, protocols) => new WebSocket(url, protocols),
        now: () => Date.now(),
        timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) },
        sleep: (ms) => new Promise((resolve) => window.setTimeout(resolve, ms)),
        subtle: globalThis.crypto?.subtle,
        wire: debug.wire,
        onFirstTick: markFirstTick,
      });
      rememberUserId(setup.userId);
      history.replaceState(null, '', urlWithSession(setup.session.id));
      setScreen({ kind: 'game', controller, isOwner });
      void controller.start();
    },
    [edge, debug],
  );

  const toStart = useCallback(() => {
    if (screen.kind === 'game') screen.controller.dispose();
    const url = new URL(urlWithSession(null));
    for (const k of ['world', 'token', 'gateway']) url.searchParams.delete(k);
    history.replaceState(null, '', url.toString());
    setScreen({ kind: 'start' });
  }, [screen]);

  const onStarted = (g: StartedGame, userId: string) =>
    play({ session: g.session, userId, routedBy: g.routedBy, wsEndpoint: g.wsEndpoint, resumed: g.resumed }, true);
  const onJoined = (g: JoinedGame, userId: string) =>
    play({ session: g.session, userId, routedBy: null, wsEndpoint: g.wsEndpoint }, g.session.owner === userId);

  let body;
  switch (screen.kind) {
    case 'start':
      body = <StartScreen edge={edge} initialUserId={startUserId()} onStarted={onStarted} />;
      break;
    case 'join':
      body = <JoinScreen edge={edge} sessionId={screen.sessionId} initialUserId={tabUserId()} onJoined={onJoined} onCancel={toStart} />;
      break;
    case 'game': {
      const { controller, isOwner } = screen;
      const { session, userId } = controller.snapshot().setup;
      const exit = async () => {
        if (isOwner && controller.snapshot().end === null) await edge.exit(session.id, userId, session.region);
        controller.leave();
        toStart();
      };
      body = (
        <GameScreen controller={controller} inviteUrl={inviteUrl(session.id)} isOwner={isOwner} onExit={exit} onBack={toStart} />
      );
      break;
    }
    case 'world':
      body = (
        <Suspense fallback={<p className="hint">Loading the world…</p>}>
          <WorldScreen onBack={toStart} />
        </Suspense>
      );
      break;
  }

  return (
    <>
      <header className="topbar">
        <h1>Metronome</h1>
        {screen.kind === 'game' && <span className="hint">{screen.controller.snapshot().setup.session.mode} mode</span>}
      </header>
      <main>{body}</main>
    </>
  );
}
