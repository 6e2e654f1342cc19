'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import type { FormEvent, ReactNode } from 'react';
import { Suspense, useState } from 'react';
import { BuildImageForm } from '../../components/BuildImageForm';
import { ErrorBox } from '../../components/ErrorBox';
import { apiRequest, describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { ImageView } from '../../lib/contract';
import { shortHash } from '../../lib/format';
import { formatByteCount, formatBytes, formatCount, formatDateTime } from '../../lib/units';
import { useApi } from '../../lib/use-api';

/** The image's last malware scan in words (the library scans with clamscan; `tower images scan` scans again). */
function malwareScanText(scan: ImageView['malwareScan']): string {
  if (scan === null) return 'never scanned';
  const db = scan.databaseVersion === null ? `hand-made database, ${scan.databaseSignatures ?? '?'} signature(s)` : `signatures ${scan.databaseVersion}`;
  const when = `${formatDateTime(scan.at)}, ${scan.engine ?? 'clamscan'}, ${db}`;
  if (scan.result === 'infected') return `INFECTED: ${scan.signatures.join(', ')} (${when})`;
  if (scan.result === 'incomplete') return `not fully read, counts as unscanned: ${scan.signatures.join(', ')} (${when})`;
  if (scan.result === 'error') return `scan failed: ${scan.error ?? 'unknown error'} (${formatDateTime(scan.at)})`;
  return `clean (${when})`;
}

/** How the library keeps the image: plain, or compressed with the space it saves. */
function storageText(image: ImageView): string {
  const s = image.storage;
  if (s.compression === 'plain') return image.format === 'cue' ? 'plain (tower images compress --as chd stores it as a CHD)' : 'plain (tower images compress stores it compressed)';
  const pct = image.sizeBytes > 0 ? Math.round((s.savedBytes / image.sizeBytes) * 100) : 0;
  return `${s.compression}: ${formatBytes(s.storedBytes)} in the library, ${formatBytes(s.savedBytes)} saved (${pct}%)`;
}

function ImageDetail({ image, onChanged }: { readonly image: ImageView; readonly onChanged: () => void }): ReactNode {
  const { token, isOperator } = useAuth();
  const router = useRouter();
  const [name, setName] = useState(image.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const rename = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiRequest<ImageView>(token, `/images/${encodeURIComponent(image.id)}`, { method: 'PATCH', body: { name: name.trim() } });
      onChanged();
    } catch (err) {
      setError(`Could not rename: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (): Promise<void> => {
    if (!window.confirm(`Delete the image “${image.name}” from the library?`)) return;
    setBusy(true);
    setError(null);
    try {
      await apiRequest<undefined>(token, `/images/${encodeURIComponent(image.id)}`, { method: 'DELETE' });
      router.push('/images/');
      onChanged();
    } catch (err) {
      setError(`Could not delete: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="img-detail">
      <h2 id="img-detail">{image.name}</h2>
      {image.damaged ? <p className="warn-note">Damaged master: {image.damage.length} unreadable range(s).</p> : null}
      <dl className="kv">
        <dt>Format</dt><dd>{image.format.toUpperCase()}</dd>
        <dt>Size</dt><dd>{formatBytes(image.sizeBytes)} ({formatByteCount(image.sizeBytes)}, {formatCount(image.sectors)} sectors)</dd>
        <dt>Stored</dt><dd>{storageText(image)}</dd>
        <dt>Media class</dt><dd>{image.mediaClass?.toUpperCase() ?? 'fits no media'}</dd>
        <dt>Fits</dt><dd>{image.mediaSizes.join(', ') || '—'}</dd>
        <dt>SHA-256</dt><dd><code className="hash">{image.sha256}</code></dd>
        <dt>Volume label</dt><dd>{image.volumeLabel ?? '—'}</dd>
        {image.cdText ? <><dt>CD-TEXT</dt><dd data-testid="image-cdtext">{[image.cdText.title, image.cdText.performer].filter(Boolean).join(' — ')}</dd></> : null}
        {image.catalog ? <><dt>MCN</dt><dd data-testid="image-mcn"><code>{image.catalog}</code></dd></> : null}
        {image.tocFile ? <><dt>TOC file</dt><dd data-testid="image-toc"><code>{image.tocFile}</code> (CD-TEXT, ISRC, MCN, pregaps: real drives burn from it with cdrdao)</dd></> : null}
        <dt>Filesystems</dt><dd>{image.filesystems.join(', ') || '—'}</dd>
        <dt>Provenance</dt><dd>{image.provenance.kind}: {image.provenance.detail} ({formatDateTime(image.provenance.at)})</dd>
        {image.burnFile === undefined ? null : <><dt>Burns</dt><dd data-testid="image-burn-file"><code>{image.burnFile}</code></dd></>}
        {image.conversion ? <><dt>Converted</dt><dd data-testid="image-conversion">from {image.conversion.from}: {image.conversion.proof}</dd></> : null}
        {image.conversion && image.keptOriginals ? <><dt>Original</dt><dd data-testid="image-original">{image.keptOriginals.length > 0 ? `${image.keptOriginals.join(', ')} (kept, never burned)` : 'not kept'}</dd></> : null}
        <dt>Added</dt><dd data-testid="image-added">{formatDateTime(image.createdAt)}</dd>
        <dt>In use</dt><dd>{image.inUse ? 'yes, by a run' : 'no'}</dd>
        <dt>Malware scan</dt><dd data-testid="image-malware" className={image.malwareScan?.result === 'infected' ? 'warn-note' : undefined}>{malwareScanText(image.malwareScan)}</dd>
      </dl>
      <h3>Tracks</h3>
      <div className="table-scroll">
        <table className="table">
          <thead><tr><th scope="col">#</th><th scope="col">Mode</th><th scope="col" title="INDEX 01">Start sector</th><th scope="col" title="from INDEX 01">Sectors</th><th scope="col" title="before INDEX 01">Pregap</th><th scope="col">ISRC</th><th scope="col">CD-TEXT</th></tr></thead>
          <tbody>
            {image.tracks.map((t) => (
              <tr key={t.number}>
                <td>{t.number}</td><td>{t.mode}</td><td>{t.startSector}</td><td>{t.sectors}</td><td>{t.pregapSectors}</td>
                <td>{t.isrc ?? '—'}</td><td>{[t.title, t.performer].filter(Boolean).join(' — ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {image.damage.length > 0 ? (
        <>
          <h3>Damaged sectors</h3>
          <ul>{image.damage.map((r) => <li key={r.startSector}>sectors {r.startSector}–{r.startSector + r.sectors - 1} ({r.sectors})</li>)}</ul>
        </>
      ) : null}
      {isOperator ? (
        <div className="row">
          <form onSubmit={(e) => void rename(e)} className="row">
            <label htmlFor="img-name">Name</label>
            <input id="img-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <button type="submit" className="btn" disabled={busy || name.trim() === '' || name === image.name}>Rename</button>
          </form>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void remove()}>Delete</button>
        </div>
      ) : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function AddImage({ onAdded }: { readonly onAdded: () => void }): ReactNode {
  const { token } = useAuth();
  const [file, setFile] = useState<File | null>(null);
  const [upName, setUpName] = useState('');
  const [path, setPath] = useState('');
  const [impName, setImpName] = useState('');
  const [busy, setBusy] = useState<null | 'upload' | 'import'>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const upload = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setBusy('upload');
    setError(null);
    setNote(null);
    try {
      const img = await apiRequest<ImageView>(token, '/images/upload', { method: 'POST', raw: file, query: { name: upName.trim() || file.name } });
      setNote(`Uploaded “${img.name}” (${formatBytes(img.sizeBytes)}).`);
      onAdded();
    } catch (err) {
      setError(`Upload failed: ${describeError(err)}`);
    } finally {
      setBusy(null);
    }
  };
  const doImport = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy('import');
    setError(null);
    setNote(null);
    try {
      const img = await apiRequest<ImageView>(token, '/images/import', { method: 'POST', body: { path: path.trim(), ...(impName.trim() ? { name: impName.trim() } : {}) } });
      setNote(`Imported “${img.name}” (${formatBytes(img.sizeBytes)}).`);
      onAdded();
    } catch (err) {
      setError(`Import failed: ${describeError(err)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="add-image">
      <h2 id="add-image">Add an image</h2>
      <div className="two-col">
        <form onSubmit={(e) => void upload(e)} className="form">
          <h3>Upload (ISO)</h3>
          <label htmlFor="up-file">File</label>
          <input id="up-file" type="file" accept=".iso,.img,application/octet-stream" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <label htmlFor="up-name">Name</label>
          <input id="up-name" value={upName} onChange={(e) => setUpName(e.target.value)} placeholder="file name" />
          <button type="submit" className="btn btn-primary" disabled={busy !== null || !file}>{busy === 'upload' ? 'Uploading…' : 'Upload'}</button>
        </form>
        <form onSubmit={(e) => void doImport(e)} className="form">
          <h3>Import from the controller’s disk</h3>
          <label htmlFor="imp-path">Path (inside an import root; .iso or .cue)</label>
          <input id="imp-path" value={path} onChange={(e) => setPath(e.target.value)} required placeholder="/srv/images/product.iso" />
          <label htmlFor="imp-name">Name</label>
          <input id="imp-name" value={impName} onChange={(e) => setImpName(e.target.value)} placeholder="file name" />
          <button type="submit" className="btn btn-primary" disabled={busy !== null || path.trim() === ''}>{busy === 'import' ? 'Importing…' : 'Import'}</button>
        </form>
      </div>
      {note ? <p role="status" className="ok-note">{note}</p> : null}
      <ErrorBox error={error} onDismiss={() => setError(null)} />
    </section>
  );
}

function ImagesInner(): ReactNode {
  const { isOperator } = useAuth();
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const selected = params.get('id');
  const list = useApi<ImageView[]>('/images');
  const images = list.data ?? [];
  const current = images.find((i) => i.id === selected) ?? null;

  return (
    <div>
      <h1>Image library</h1>
      <ErrorBox error={list.error ? `Could not load the library: ${list.error}` : null} />
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Format</th><th scope="col">Size</th><th scope="col">Media</th>
              <th scope="col">SHA-256</th><th scope="col">Provenance</th><th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {images.map((i) => (
              <tr key={i.id} aria-selected={i.id === selected}>
                <td>
                  <a href={`${pathname}?id=${encodeURIComponent(i.id)}`} onClick={(e) => { e.preventDefault(); router.push(`/images/?id=${encodeURIComponent(i.id)}`); }}>
                    {i.name}
                  </a>
                </td>
                <td>{i.format.toUpperCase()}</td>
                <td>{formatBytes(i.sizeBytes)}{i.storage.compression === 'plain' ? null : <span className="muted" title={storageText(i)}> · {formatBytes(i.storage.storedBytes)} stored</span>}</td>
                <td>{i.mediaClass?.toUpperCase() ?? <span className="warn-note">fits none</span>}</td>
                <td><code title={i.sha256}>{shortHash(i.sha256)}</code></td>
                <td>{i.provenance.kind}</td>
                <td>{i.damaged ? <span className="warn-note">damaged</span> : 'ok'}{i.malwareScan?.result === 'infected' ? <span className="warn-note"> · infected</span> : ''}{i.inUse ? ' · in use' : ''}</td>
              </tr>
            ))}
            {images.length === 0 && !list.loading ? <tr><td colSpan={7} className="muted">The library is empty.</td></tr> : null}
          </tbody>
        </table>
      </div>
      {current ? <ImageDetail key={current.id} image={current} onChanged={list.reload} /> : null}
      {isOperator ? <AddImage onAdded={list.reload} /> : null}
      {isOperator ? <BuildImageForm onBuilt={list.reload} /> : null}
    </div>
  );
}

export default function ImagesPage(): ReactNode {
  return (
    <Suspense fallback={<p className="empty-note">Loading…</p>}>
      <ImagesInner />
    </Suspense>
  );
}
