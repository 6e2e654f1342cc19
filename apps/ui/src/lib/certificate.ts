/**
 * A run's certificate (`GET /api/runs/:id/certificate.pdf`), fetched with
 * the bearer token and handed to the browser as a download.
 */
import { ApiCallError, buildUrl, describeError } from './api';

/** The file name the controller offers a certificate as. */
export function certificateFileName(runId: string): string {
  return `run-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}-certificate.pdf`;
}

/** Fetch a run's certificate and save it; a failure is said in an alert. */
export async function downloadCertificate(token: string | null, runId: string): Promise<void> {
  try {
    const res = await fetch(buildUrl(`/runs/${encodeURIComponent(runId)}/certificate.pdf`), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      throw new ApiCallError(res.status, body?.error?.code ?? 'HTTP_ERROR', body?.error?.message ?? res.statusText);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = certificateFileName(runId);
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    window.alert(`Could not fetch the certificate: ${describeError(err)}`);
  }
}
