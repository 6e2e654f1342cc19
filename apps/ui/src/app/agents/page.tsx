'use client';
/**
 * Agents: each agent (one a drive host), its host, version, state (serving,
 * silent, stopped), how long ago its last heartbeat came, and the drives it
 * serves, each linking to its drive page (`GET /api/agents`). A silent
 * agent is shown first, in a warning: its drives cannot burn. The list is
 * read again at once when the feed says an agent changed (`agent:update`)
 * and every few seconds; the heartbeat age counts up between reads on the
 * page's own clock.
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import type { AgentView } from '../../lib/contract';
import { useLive } from '../../lib/live';
import { presentState } from '../../lib/states';
import { formatAgo, formatDateTime } from '../../lib/units';
import { useApi } from '../../lib/use-api';

/** How often the page reads the agents again, ms (the feed brings a change of state sooner). */
const REFRESH_MS = 3_000;

const STATE_WORDS: Record<AgentView['state'], string> = { serving: 'Serving', silent: 'Silent', stopped: 'Stopped' };
/** Silent first: what needs a person on top. */
const STATE_ORDER: Record<AgentView['state'], number> = { silent: 0, serving: 1, stopped: 2 };

/** When the agent's last beat came, in words, on this page's clock (`receivedAt`: when the list was read). */
function heartbeatWords(a: AgentView, receivedAt: number, now: number): string {
  if (a.heartbeatAgeMs !== null) {
    const ago = formatAgo(receivedAt - a.heartbeatAgeMs, now);
    return a.state === 'silent' ? `${ago}, none since` : ago;
  }
  // The controller saw no beat since it started, or the agent stopped: the agent's own clock is all there is.
  return a.lastHeartbeat > 0 ? `${formatDateTime(a.lastHeartbeat)} (on the agent's clock)` : 'never';
}

function AgentCard({ agent, receivedAt, now }: { readonly agent: AgentView; readonly receivedAt: number; readonly now: number }): ReactNode {
  const live = useLive();
  const headingId = `agent-${agent.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <section className={`card agent-card agent-${agent.state}`} aria-labelledby={headingId} data-testid="agent-card" data-agent-id={agent.id} data-state={agent.state}>
      <h2 id={headingId} className="agent-head">
        <span>{agent.host || agent.id}</span>
        {agent.host !== '' && agent.host !== agent.id ? <span className="muted"> ({agent.id})</span> : null}
        <span className={agent.state === 'silent' ? 'badge badge-bad' : `pill agent-pill-${agent.state}`} data-testid="agent-state">{STATE_WORDS[agent.state]}</span>
      </h2>
      {agent.state === 'silent' ? (
        <div className="warn-note" role="status">
          No heartbeat from this agent: its drives cannot burn. Check that {agent.host || agent.id} is up and reaches the controller&apos;s Redis.
        </div>
      ) : null}
      <dl className="kv">
        <dt>Host</dt><dd>{agent.host || '—'}</dd>
        <dt>Version</dt><dd>{agent.version ?? '—'}</dd>
        <dt>Last heartbeat</dt><dd data-testid="agent-heartbeat">{heartbeatWords(agent, receivedAt, now)}</dd>
        <dt>Drives</dt>
        <dd>
          {agent.driveIds.length === 0 ? 'none' : (
            <ul className="agent-drives">
              {agent.driveIds.map((id) => {
                const d = live.drives[id];
                return (
                  <li key={id}>
                    <Link href={`/drive/?id=${encodeURIComponent(id)}`} prefetch={false}>{d?.label ?? id}</Link>
                    {d && d.label !== id ? <span className="muted"> {id}</span> : null}
                    {d ? <span className="muted"> · {presentState(d.state).label}</span> : null}
                  </li>
                );
              })}
            </ul>
          )}
        </dd>
      </dl>
    </section>
  );
}

export default function AgentsPage(): ReactNode {
  const live = useLive();
  const [tick, setTick] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const read = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(read);
      clearInterval(clock);
    };
  }, []);
  // live.agents changes on every agent:update of the feed: read the list again then.
  const agents = useApi<AgentView[]>('/agents', {}, [tick, live.agents]);
  // When this answer came, on the page's clock: the ages count on from there.
  const receivedAt = useMemo(() => (agents.data === null ? 0 : Date.now()), [agents.data]);
  const list = useMemo(
    () => [...(agents.data ?? [])].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.id.localeCompare(b.id)),
    [agents.data],
  );
  const count = (s: AgentView['state']): number => list.filter((a) => a.state === s).length;
  return (
    <>
      <h1>Agents</h1>
      <p className="muted">
        An agent runs on each host with drives and sends a heartbeat every few seconds. Silent: no heartbeat within the
        controller&apos;s agent timeout (its drives show offline and its burns in flight end interrupted). Stopped: it was shut down cleanly.
      </p>
      {agents.data === null ? <p className="empty-note">{agents.loading ? 'Loading…' : 'No agents read yet.'}</p> : (
        <p data-testid="agents-summary">
          {count('serving')} serving · {count('silent')} silent · {count('stopped')} stopped
        </p>
      )}
      {agents.data !== null && list.length === 0 ? <p className="empty-note">No agent has reported yet.</p> : null}
      {list.map((a) => <AgentCard key={a.id} agent={a} receivedAt={receivedAt} now={Math.max(now, receivedAt)} />)}
      <ErrorBox error={agents.error ? `Could not read the agents: ${agents.error}` : null} />
    </>
  );
}
