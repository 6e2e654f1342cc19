'use client';
/**
 * The Images page's "Build from a folder" form: a folder on the controller's
 * disk (inside an import root) made into an ISO image with Joliet, Rock
 * Ridge, a UDF bridge or a boot image, checked against the chosen media
 * before it is built; then the build's progress, read every half second from
 * `GET /api/image-builds/:id`, until the image is in the library or refused.
 */
import type { FormEvent, ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { ErrorBox } from './ErrorBox';
import { apiRequest, describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import type { ImageBuildViewBody } from '../lib/contract';
import { formatBytes } from '../lib/units';

const MEDIA = ['cd', 'dvd', 'dvd-dl', 'bd', 'bd-dl'] as const;
const POLL_MS = 500;

export function BuildImageForm({ onBuilt }: { readonly onBuilt: () => void }): ReactNode {
  const { token } = useAuth();
  const [folder, setFolder] = useState('');
  const [name, setName] = useState('');
  const [joliet, setJoliet] = useState(true);
  const [rockRidge, setRockRidge] = useState(true);
  const [udf, setUdf] = useState(false);
  const [boot, setBoot] = useState('');
  const [media, setMedia] = useState<(typeof MEDIA)[number]>('dvd');
  const [build, setBuild] = useState<ImageBuildViewBody | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const building = build?.status === 'building';

  useEffect(() => {
    if (!token || build?.status !== 'building') return;
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      apiRequest<ImageBuildViewBody>(token, `/image-builds/${encodeURIComponent(build.id)}`, { signal: ctrl.signal })
        .then((next) => {
          setBuild(next);
          if (next.status === 'done') onBuilt();
          if (next.status === 'failed') setError(`Build failed: ${next.error?.message ?? 'no reason given'} (${next.error?.code ?? '?'})`);
        })
        .catch((err: unknown) => {
          if (!ctrl.signal.aborted) setError(`Could not follow the build: ${describeError(err)}`);
        });
    }, POLL_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [token, build, onBuilt]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSending(true);
    setError(null);
    setBuild(null);
    try {
      const body = { folder: folder.trim(), name: name.trim(), joliet, rockRidge, udf, media, ...(boot.trim() ? { boot: boot.trim() } : {}) };
      setBuild(await apiRequest<ImageBuildViewBody>(token, '/images/build', { method: 'POST', body }));
    } catch (err) {
      setError(`Build refused: ${describeError(err)}`);
    } finally {
      setSending(false);
    }
  };

  const pct = build ? Math.max(0, Math.min(100, build.percent)) : 0;
  return (
    <section className="card" aria-labelledby="build-image">
      <h2 id="build-image">Build from a folder</h2>
      <form onSubmit={(e) => void submit(e)} className="form">
        <label htmlFor="bld-folder">Folder (on the controller, inside an import root)</label>
        <input id="bld-folder" value={folder} onChange={(e) => setFolder(e.target.value)} required placeholder="/srv/images/product-files" />
        <label htmlFor="bld-name">Name</label>
        <input id="bld-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <fieldset>
          <legend>File systems (ISO 9660 always)</legend>
          <label><input type="checkbox" checked={joliet} onChange={(e) => setJoliet(e.target.checked)} /> Joliet (Windows names)</label>
          <label><input type="checkbox" checked={rockRidge} onChange={(e) => setRockRidge(e.target.checked)} /> Rock Ridge (long names, times, modes)</label>
          <label><input type="checkbox" checked={udf} onChange={(e) => setUdf(e.target.checked)} /> UDF bridge (no file of 4 GiB or more)</label>
        </fieldset>
        <label htmlFor="bld-boot">Boot image (optional, a file in the folder)</label>
        <input id="bld-boot" value={boot} onChange={(e) => setBoot(e.target.value)} placeholder="isolinux/isolinux.bin" />
        <label htmlFor="bld-media">Must fit</label>
        <select id="bld-media" value={media} onChange={(e) => setMedia(e.target.value as (typeof MEDIA)[number])}>
          {MEDIA.map((m) => <option key={m} value={m}>{m.toUpperCase()}</option>)}
        </select>
        <button type="submit" className="btn btn-primary" disabled={sending || building || folder.trim() === '' || name.trim() === ''}>
          {sending ? 'Checking…' : building ? 'Building…' : 'Build image'}
        </button>
      </form>
      {build ? (
        <div aria-live="polite">
          <div className="bar" role="progressbar" aria-label={`${build.name} build progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(pct)}>
            <span className="bar-fill" style={{ transform: `scaleX(${pct / 100})` }} />
          </div>
          <p role="status">
            {build.status === 'building' ? (pct === 0 ? 'Reading the folder…' : `Writing: ${Math.floor(pct)}% of about ${formatBytes(build.estimatedBytes)}`) : null}
            {build.status === 'done' ? `Built “${build.name}” (${formatBytes(build.estimatedBytes)}): it is in the library.` : null}
            {build.status === 'failed' ? 'Nothing was kept.' : null}
          </p>
        </div>
      ) : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </section>
  );
}
