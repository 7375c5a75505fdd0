// The game screen: the current step, the last breaks, the connection, the
// session, and a message when the player is warned, kicked, or the game ends.
import { useId, useState, useSyncExternalStore } from 'react';
import { describeRule } from '../api/session.ts';
import type { GameController, GameSnapshot } from '../game/game_controller.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { ConnectionPanel } from './ConnectionPanel.tsx';
import { EndNotice } from './EndNotice.tsx';
import { ReplayPanel } from './ReplayPanel.tsx';
import { TimelineChart } from './TimelineChart.tsx';
import type { FillStatus } from '../game/game_controller.ts';

interface Props {
  readonly controller: GameController;
  readonly inviteUrl: string;
  /** The player started the session, so Exit ends it for everyone. */
  readonly isOwner: boolean;
  /** Exit (owner: ends the session) or Leave (others); resolves when done, rejects with a message. */
  readonly onExit: () => Promise<void>;
  /** Back to the start screen after the game ended. */
  readonly onBack: () => void;
}

export function GameScreen({ controller, inviteUrl, isOwner, onExit, onBack }: Props) {
  const snap = useSyncExternalStore(controller.subscribe, controller.snapshot);
  const [exiting, setExiting] = useState(false);
  const [exitError, setExitError] = useState<string | null>(null);
  const ids = useId();
  const { setup } = snap;
  const { session } = setup;
  const v = snap.verification;
  const revealedSeed = session.seed ?? (v !== null && v !== 'pending' && v.result !== 'unavailable' ? v.seed : null);

  const exit = async () => {
    setExiting(true);
    setExitError(null);
    try {
      await onExit();
    } catch (e) {
      setExitError(e instanceof Error ? e.message : String(e));
      setExiting(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-title`} className="game">
      <h2 id={`${ids}-title`} tabIndex={-1} className="visually-hidden">
        Game
      </h2>
      {snap.end !== null && <EndNotice snap={snap} onBack={onBack} />}
      {snap.end === null && snap.latency?.status === 'warning' && (
        <div role="status" className="notice notice-warning" data-testid="latency-warning">
          <strong>Your connection is slow.</strong>
          <p>
            Round trip {snap.latency.rttMs.toFixed(0)} ms, jitter {snap.latency.jitterMs.toFixed(0)} ms: close to the region’s limit
            (150 ms and 50 ms by default). A slower connection is removed from the game.
          </p>
        </div>
      )}
      {setup.resumed && snap.end === null && (
        <div role="status" className="notice notice-info" data-testid="resumed">
          <strong>You already had a game running, so here it is.</strong>
          <p>A player has one running game at a time. Exit it to start another.</p>
        </div>
      )}
      {snap.serverError !== null && snap.end === null && (
        <div role="status" className="notice notice-warning">
          <strong>The region refused a message:</strong> {snap.serverError}
        </div>
      )}

      <Board snap={snap} />
      <section aria-labelledby={`${ids}-timeline`} className="card">
        <h3 id={`${ids}-timeline`}>Timeline</h3>
        {snap.timeline === null ? (
          <p className="hint">The chart of the last steps appears once the game runs.</p>
        ) : (
          <TimelineChart window={snap.timeline} title="Value over the last steps, breaks marked" />
        )}
        {snap.fill !== null && <FillNotice fill={snap.fill} />}
      </section>
      {exitError !== null && (
        <ErrorNotice title="Exit failed: the game goes on" message={exitError} onRetry={exit} extra={{ label: 'Back to start anyway', onClick: onBack }} />
      )}
      {snap.end === null && (
        <div className="actions">
          <button type="button" className="danger" onClick={exit} disabled={exiting}>
            {isOwner ? (exiting ? 'Exiting…' : 'Exit game') : 'Leave game'}
          </button>
          {isOwner && <span className="hint">Exit ends the game for every player.</span>}
        </div>
      )}

      <div className="panels">
        <section aria-labelledby={`${ids}-breaks`} className="card">
          <h3 id={`${ids}-breaks`}>Last breaks</h3>
          {snap.breaks.length === 0 ? (
            <p className="hint" data-testid="breaks-empty">
              {snap.tick !== null ? 'No break yet.' : 'Breaks appear here once the game runs.'}
            </p>
          ) : (
            <ol className="breaks" data-testid="breaks">
              {snap.breaks.map((b) => (
                <li key={b.step}>
                  <span className="num">step {b.step}</span>: round {b.round} began
                  {b.length !== null && <span className="hint"> (the round before lasted {b.length} steps)</span>}
                </li>
              ))}
            </ol>
          )}
          {snap.missedBreaks > 0 && (
            <p className="hint">
              {snap.missedBreaks} break{snap.missedBreaks === 1 ? '' : 's'} happened while the connection was down.
            </p>
          )}
        </section>

        <ConnectionPanel snap={snap} onReconnect={() => controller.connect()} />

        <ReplayPanel snap={snap} controller={controller} />

        <section aria-labelledby={`${ids}-session`} className="card">
          <h3 id={`${ids}-session`}>Session</h3>
          <dl className="facts">
            <dt>Player</dt>
            <dd data-testid="user-id">{setup.userId}</dd>
            <dt>Region</dt>
            <dd data-testid="region">
              {session.region || 'unknown'}
              <span className="hint">
                {setup.routedBy !== null ? ` (chosen by rule ${routedByText(setup.routedBy)})` : ' (the session’s region; you joined by link)'}
              </span>
            </dd>
            <dt>Mode</dt>
            <dd data-testid="mode">{session.mode === 'client' ? 'client: your browser computes the steps' : 'server: the region sends the steps'}</dd>
            <dt>Rule</dt>
            <dd>{describeRule(session.rule)}</dd>
            <dt>Tick</dt>
            <dd>{session.tickMs} ms</dd>
            <dt>Seed</dt>
            <dd className="wrap">
              {revealedSeed !== null ? (
                <span className="num" data-testid="seed">
                  {revealedSeed.toString()}
                </span>
              ) : (
                <>
                  secret until the end
                  {session.commitment && (
                    <span className="hint">
                      {' '}
                      (commitment <code title={session.commitment}>{session.commitment.slice(0, 16)}…</code>)
                    </span>
                  )}
                </>
              )}
            </dd>
            <dt>Session id</dt>
            <dd className="wrap">
              <code data-testid="session-id">{session.id}</code>
            </dd>
          </dl>
          {snap.end === null && <InviteLink url={inviteUrl} />}
        </section>
      </div>

    </section>
  );
}

/** What became of the steps this client missed (server mode). */
function FillNotice({ fill }: { fill: FillStatus }) {
  const range = fill.from === fill.to ? `Step ${fill.from}` : `Steps ${fill.from} to ${fill.to}`;
  const were = fill.from === fill.to ? 'was' : 'were';
  return (
    <p className={fill.state === 'error' ? 'notice notice-warning' : 'hint'} data-testid="fill" data-state={fill.state} data-from={fill.from} data-to={fill.to}>
      {fill.state === 'loading' && `${range} ${were} not received: asking the region for them…`}
      {fill.state === 'done' &&
        `${range} ${were} not received live; filled from the region’s replay (${fill.breaks} break${fill.breaks === 1 ? '' : 's'} among them).`}
      {fill.state === 'error' && `${range} ${were} not received, and the replay failed: ${fill.error}`}
    </p>
  );
}

function Board({ snap }: { snap: GameSnapshot }) {
  const t = snap.tick;
  let headline: string;
  if (snap.phase === 'syncing') headline = 'Synchronizing clocks…';
  else if (snap.phase === 'countdown') headline = `Starts in ${((snap.remainingMs ?? 0) / 1000).toFixed(1)} s`;
  else if (snap.phase === 'waiting') headline = 'Waiting for the first tick…';
  else if (snap.phase === 'ended') headline = 'Game over';
  else headline = t?.broken ? 'Break!' : 'Running';
  return (
    <div className={`board${t?.broken && snap.phase === 'running' ? ' broken' : ''}`} data-testid="board" data-phase={snap.phase}>
      <p className="headline" data-testid="headline">
        {headline}
      </p>
      <dl className="numbers">
        <div>
          <dt>Step</dt>
          <dd data-testid="step">{t?.step ?? '–'}</dd>
        </div>
        <div>
          <dt>Value</dt>
          <dd data-testid="value">{t?.value ?? '–'}</dd>
        </div>
        <div>
          <dt>Round</dt>
          <dd data-testid="round">{t?.round ?? '–'}</dd>
        </div>
      </dl>
    </div>
  );
}

function InviteLink({ url }: { url: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const ids = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Copied.');
    } catch {
      setCopied('Select the link and copy it.');
    }
  };
  return (
    <div className="field invite">
      <label htmlFor={`${ids}-invite`}>Invite link: send it to a second player</label>
      <div className="row">
        <input id={`${ids}-invite`} readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="hint" role="status">
        {copied ?? ''}
      </p>
    </div>
  );
}

/** The edge's routing rule, named as it is and explained. */
function routedByText(rule: string): string {
  const why: Record<string, string> = {
    preferredRegion: 'your choice',
    'x-user-region': 'your region header',
    geo: 'your location',
    default: 'the default region',
    fallback: 'no better region was up',
  };
  return why[rule] ? `${rule}, ${why[rule]}` : rule;
}
