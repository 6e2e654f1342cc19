/**
 * Printing a rendered label through a real, private cupsd on the cups-pdf
 * virtual printer (cups-server.ts): `lp` answers with CUPS's request id,
 * and the PDF cups-pdf writes carries the label's text (pdftotext). A queue
 * that does not exist and a server that is not there are `ToolError`s, in
 * lp's own words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillLabelTemplate } from '../../src/labels/label-template.js';
import { printPdf, renderSvgToPdf, ToolError } from '../../src/labels/label-render.js';
import { startCups } from './cups-server.js';
import type { CupsServer } from './cups-server.js';

let cups: CupsServer;
beforeAll(async () => {
  cups = await startCups();
});
afterAll(async () => {
  await cups?.stop();
});

describe('printing labels on CUPS (cups-pdf)', () => {
  it('prints a rendered label: the PDF that comes out carries its text', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm" viewBox="0 0 120 120"><text x="10" y="30" font-size="6">{{runLabel}}</text><text x="10" y="50" font-size="6">Copy {{copy}} of {{copies}}</text></svg>';
    const pdf = await renderSvgToPdf(fillLabelTemplate(svg, { runLabel: 'Order 4711 & co', copy: '2', copies: '3' }));
    const jobId = await printPdf({ server: cups.server, queue: cups.queue }, pdf, 'unit copy 2 of 3');
    expect(jobId).toMatch(new RegExp(`^${cups.queue}-\\d+$`));
    const [text] = [...(await cups.waitForPdfs(1)).values()];
    expect(text).toContain('Order 4711 & co');
    expect(text).toContain('Copy 2 of 3');
  });

  it('reports a missing queue and an unreachable server as tool errors', async () => {
    const pdf = await renderSvgToPdf('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"><text>x</text></svg>');
    await expect(printPdf({ server: cups.server, queue: 'no-such-queue' }, pdf, 't')).rejects.toThrow(ToolError);
    await expect(printPdf({ server: cups.server, queue: 'no-such-queue' }, pdf, 't')).rejects.toThrow(/lp failed \(exit 1\): lp: .*(does not exist|not found)/i);
    await expect(printPdf({ server: '/tmp/tower-no-cups-here.sock', queue: cups.queue }, pdf, 't')).rejects.toThrow(/lp failed/);
  });
});
