'use client';
import type { FormEvent, ReactNode } from 'react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useCdTextPart } from '../../components/CdTextFields';
import { ErrorBox } from '../../components/ErrorBox';
import { LabelFields, NO_LABELS, labelRequestOf } from '../../components/LabelFields';
import type { LabelChoice } from '../../components/LabelFields';
import { MergeFields, mergeRequestOf } from '../../components/MergeFields';
import type { MergeChoice } from '../../components/MergeFields';
import { RunCard } from '../../components/RunCard';
import { SetFields } from '../../components/SetFields';
import { TemplatesPanel } from '../../components/TemplatesPanel';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { CreateRunRequest, ImageView, RunView, VerifyPolicyInput } from '../../lib/contract';
import { formatBytes } from '../../lib/units';
import { useLive, useLiveActions } from '../../lib/live';
import { allRuns } from '../../lib/live-store';
import { isRunFinished } from '../../lib/states';
import { useApi } from '../../lib/use-api';

type VerifyChoice = 'all' | 'first-per-drive' | 'off' | 'every-nth';

function CreateRunForm({ images, imagesError, onTemplateSaved }: {
  readonly images: readonly ImageView[];
  readonly imagesError: string | null;
  /** A template was saved from the form. */
  readonly onTemplateSaved: () => void;
}): ReactNode {
  const { token } = useAuth();
  const { drives, driveOrder } = useLive();
  const { putRun } = useLiveActions();
  const usable = images.filter((i) => i.mediaClass !== null);
  const [imageId, setImageId] = useState('');
  const [copies, setCopies] = useState('10');
  const [verify, setVerify] = useState<VerifyChoice>('all');
  const [nth, setNth] = useState('10');
  const [speed, setSpeed] = useState('');
  const [priority, setPriority] = useState('100');
  const [label, setLabel] = useState('');
  const [customer, setCustomer] = useState('');
  const [order, setOrder] = useState('');
  const [dummyFirst, setDummyFirst] = useState(false);
  const [allDrives, setAllDrives] = useState(true);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  /** A set run: the image ids of discs 2, 3... (disc 1 is `imageId`). */
  const [setDiscs, setSetDiscs] = useState<readonly string[]>([]);
  const [merge, setMerge] = useState<MergeChoice>({ kind: 'none' });
  /** Bumped to start the per-disc data fields again empty. */
  const [mergeKey, setMergeKey] = useState(0);
  const [labels, setLabels] = useState<LabelChoice>(NO_LABELS);
  const cdText = useCdTextPart(usable.find((i) => i.id === imageId));
  /** Back to a blank form after a run is created, so the same run is not created twice by accident. */
  const reset = (): void => {
    setImageId('');
    setCopies('10');
    setVerify('all');
    setNth('10');
    setSpeed('');
    setPriority('100');
    setLabel('');
    setCustomer('');
    setOrder('');
    setDummyFirst(false);
    setAllDrives(true);
    setPicked(new Set());
    setSetDiscs([]);
    setMerge({ kind: 'none' });
    setMergeKey((k) => k + 1);
    setLabels(NO_LABELS);
    cdText.reset();
  };
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    if (imageId === '' && usable[0]) setImageId(usable[0].id);
  }, [imageId, usable]);

  const [templateName, setTemplateName] = useState('');
  /** What is wrong with the form's labels or CD-TEXT, or undefined. */
  const textProblem = (): string | undefined => labelRequestOf(labels).problem ?? cdText.result.problem;
  /** The form's run settings as the API takes them. */
  const settings = (): CreateRunRequest => {
    const verifyInput: VerifyPolicyInput = verify === 'every-nth' ? { everyNth: Number(nth) } : verify;
    const body: CreateRunRequest = {
      imageId,
      copies: Number(copies),
      verify: verifyInput,
      priority: Number(priority),
      dummyFirst,
      ...(speed.trim() !== '' ? { speed: Number(speed) } : {}),
      ...(label.trim() !== '' ? { label: label.trim() } : {}),
      ...(customer.trim() !== '' || order.trim() !== ''
        ? { customer: { ...(customer.trim() !== '' ? { name: customer.trim() } : {}), ...(order.trim() !== '' ? { order: order.trim() } : {}) } }
        : {}),
      ...(allDrives ? {} : { drives: [...picked] }),
      ...(setDiscs.length === 0 ? {} : { set: { imageIds: [imageId, ...setDiscs] } }),
      ...(mergeRequestOf(merge).merge === undefined ? {} : { merge: mergeRequestOf(merge).merge }),
      ...labelRequestOf(labels).request,
      ...(cdText.result.cdText === undefined ? {} : { cdText: cdText.result.cdText }),
    };
    return body;
  };
  const saveTemplate = async (): Promise<void> => {
    setError(null);
    setDone(null);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(templateName)) {
      setError('A template name is a letter or digit, then up to 63 letters, digits, “.”, “_” or “-”.');
      return;
    }
    const problem = textProblem();
    if (problem !== undefined) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      await apiRequest(token, `/templates/${encodeURIComponent(templateName)}`, { method: 'PUT', body: settings() });
      setDone(`Saved as template “${templateName}”.`);
      setTemplateName('');
      onTemplateSaved();
    } catch (err) {
      setError(`Could not save the template: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setDone(null);
    const body = settings();
    if (!allDrives && picked.size === 0) {
      setError('Pick at least one drive, or allow all drives.');
      return;
    }
    const mergeProblem = mergeRequestOf(merge).problem;
    if (mergeProblem !== undefined) {
      setError(mergeProblem);
      return;
    }
    const textError = textProblem();
    if (textError !== undefined) {
      setError(textError);
      return;
    }
    setBusy(true);
    try {
      const run = await apiRequest<RunView>(token, '/runs', { method: 'POST', body });
      putRun(run);
      reset();
      setDone(`Run “${run.label ?? run.imageName}” created: ${run.copies} copies.`);
    } catch (err) {
      setError(`Could not create the run: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form card" onSubmit={(e) => void submit(e)} aria-labelledby="new-run">
      <h2 id="new-run">New run</h2>
      <ErrorBox error={imagesError ? `Could not load the image library: ${imagesError}` : null} />
      <div className="form-grid">
        <label htmlFor="run-image">Image</label>
        <select id="run-image" value={imageId} onChange={(e) => setImageId(e.target.value)} required>
          {usable.length === 0 ? <option value="">No image fits any media</option> : null}
          {usable.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} — {formatBytes(i.sizeBytes)}, {i.mediaClass?.toUpperCase()}{i.damaged ? ' (damaged)' : ''}
            </option>
          ))}
        </select>

        <label htmlFor="run-copies">{setDiscs.length === 0 ? 'Good copies' : 'Complete sets'}</label>
        <input id="run-copies" type="number" min={1} max={10000} value={copies} onChange={(e) => setCopies(e.target.value)} required />

        <SetFields images={usable} discs={setDiscs} onChange={setSetDiscs} />

        <MergeFields key={mergeKey} choice={merge} onChange={(choice, rows) => {
          setMerge(choice);
          if (rows !== undefined) setCopies(String(rows));
        }} />

        <LabelFields choice={labels} onChange={setLabels} />

        {cdText.part}

        <label htmlFor="run-verify">Verify</label>
        <div className="row">
          <select id="run-verify" value={verify} onChange={(e) => setVerify(e.target.value as VerifyChoice)}>
            <option value="all">Every disc</option>
            <option value="first-per-drive">First disc per drive</option>
            <option value="every-nth">Every Nth disc</option>
            <option value="off">Off (not recommended)</option>
          </select>
          {verify === 'every-nth' ? (
            <input aria-label="N (verify every Nth disc)" type="number" min={1} max={10000} value={nth} onChange={(e) => setNth(e.target.value)} className="narrow" />
          ) : null}
        </div>

        <label htmlFor="run-speed">Speed (×)</label>
        <input id="run-speed" type="number" min={1} max={100} placeholder="drive maximum" value={speed} onChange={(e) => setSpeed(e.target.value)} />

        <label htmlFor="run-priority">Priority</label>
        <input id="run-priority" type="number" min={1} max={1000} value={priority} onChange={(e) => setPriority(e.target.value)} aria-describedby="prio-help" />

        <label htmlFor="run-label">Label</label>
        <input id="run-label" type="text" maxLength={200} value={label} onChange={(e) => setLabel(e.target.value)} placeholder="on the certificate, history and reports" />

        <label htmlFor="run-customer">Customer</label>
        <div className="row">
          <input id="run-customer" type="text" maxLength={200} value={customer} onChange={(e) => setCustomer(e.target.value)} placeholder="name, on the certificate" />
          <input aria-label="Order number" type="text" maxLength={100} value={order} onChange={(e) => setOrder(e.target.value)} placeholder="order no." className="narrow" />
        </div>

        <span className="form-label">Options</span>
        <label className="check">
          <input type="checkbox" checked={dummyFirst} onChange={(e) => setDummyFirst(e.target.checked)} /> Test burn before each real one
        </label>

        <span className="form-label">Drives</span>
        <fieldset className="drive-pick">
          <legend className="visually-hidden">Drives that may take part</legend>
          <label className="check">
            <input type="checkbox" checked={allDrives} onChange={(e) => setAllDrives(e.target.checked)} /> All drives
          </label>
          {!allDrives
            ? driveOrder.map((id) => {
                const d = drives[id];
                if (!d) return null;
                return (
                  <label key={id} className="check">
                    <input
                      type="checkbox"
                      checked={picked.has(id)}
                      onChange={(e) => {
                        const next = new Set(picked);
                        if (e.target.checked) next.add(id);
                        else next.delete(id);
                        setPicked(next);
                      }}
                    />{' '}
                    {d.label}
                  </label>
                );
              })
            : null}
        </fieldset>
      </div>
      <p id="prio-help" className="muted">Priority 1 goes first; 100 is normal.</p>
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={busy || imageId === ''}>
          {busy ? 'Creating…' : 'Create run'}
        </button>
        {done ? <span role="status" className="ok-note">{done}</span> : null}
      </div>
      <div className="row">
        <input aria-label="Template name" type="text" maxLength={64} placeholder="template name" value={templateName} onChange={(e) => setTemplateName(e.target.value)} />
        <button type="button" className="btn" disabled={busy || imageId === '' || templateName === ''} onClick={() => void saveTemplate()}>Save as template</button>
      </div>
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </form>
  );
}

/** Finished runs fetched per "older runs" page. */
const FINISHED_PAGE = 50;

/**
 * Finished runs older than the feed's: the snapshot brings the active runs and
 * the newest finished ones; older ones come a page at a time from
 * `GET /api/runs?status=finished` (offsets from the newest: a run finishing
 * meanwhile can repeat on a page, never be skipped; the store keeps one of each).
 */
function useOlderRuns(olderInSnapshot: number): { readonly more: boolean; readonly loading: boolean; readonly error: string | null; loadMore(): void } {
  const { token } = useAuth();
  const { mergeRuns } = useLiveActions();
  const [offset, setOffset] = useState(0);
  const [lastFull, setLastFull] = useState<boolean | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const loadMore = useCallback(() => {
    setLoading(true);
    setError(null);
    apiRequest<RunView[]>(token, '/runs', { query: { status: 'finished', offset, limit: FINISHED_PAGE } })
      .then((page) => {
        mergeRuns(page);
        setOffset(offset + page.length);
        setLastFull(page.length === FINISHED_PAGE);
      })
      .catch((err: unknown) => setError(describeError(err)))
      .finally(() => setLoading(false));
  }, [token, offset, mergeRuns]);
  return { more: lastFull ?? olderInSnapshot > 0, loading, error, loadMore };
}

export default function RunsPage(): ReactNode {
  const { isOperator } = useAuth();
  const live = useLive();
  const older = useOlderRuns(live.olderRuns);
  const [templates, setTemplates] = useState(0);
  const images = useApi<ImageView[]>(isOperator ? '/images' : null);
  const runs = useMemo(() => allRuns(live.runs), [live.runs]);
  const active = runs.filter((r) => !isRunFinished(r.status));
  const finished = runs.filter((r) => isRunFinished(r.status));

  return (
    <div className="runs-page">
      <h1>Runs</h1>
      <div className={isOperator ? 'runs-layout' : undefined}>
        <div className="runs-main">
          <h2>Active ({active.length})</h2>
          {active.length === 0 ? <p className="muted">No active runs.</p> : null}
          <div className="run-list">
            {active.map((r) => (
              <RunCard key={r.id} run={r} controls />
            ))}
          </div>
          <h2>Finished ({finished.length}{older.more ? '+' : ''})</h2>
          {finished.length === 0 && !older.more ? <p className="muted">No finished runs yet.</p> : null}
          <div className="run-list">
            {finished.map((r) => (
              <RunCard key={r.id} run={r} controls />
            ))}
          </div>
          <ErrorBox error={older.error ? `Could not load older runs: ${older.error}` : null} />
          {older.more ? (
            <button type="button" className="btn" onClick={older.loadMore} disabled={older.loading}>
              {older.loading ? 'Loading…' : 'Show older runs'}
            </button>
          ) : null}
        </div>
        {isOperator ? (
          <aside className="runs-side">
            <CreateRunForm images={images.data ?? []} imagesError={images.error} onTemplateSaved={() => setTemplates((n) => n + 1)} />
            <TemplatesPanel version={templates} />
          </aside>
        ) : <TemplatesPanel version={templates} />}
      </div>
    </div>
  );
}
