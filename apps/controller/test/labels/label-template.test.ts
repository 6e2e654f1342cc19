/**
 * Label templates: which merge fields a template uses, what is refused when
 * it is saved (unknown or unclosed fields, a DOCTYPE, references outside the
 * document, SVG that librsvg cannot read), values XML-escaped, and a
 * template rendered by the real `rsvg-convert` to a PDF whose text
 * (`pdftotext`) is the disc's.
 */
import { describe, expect, it } from 'vitest';
import { checkLabelTemplate, fillLabelTemplate, LabelTemplateError, rejectLabelSvg, xmlEscape } from '../../src/labels/label-template.js';
import { validateLabelTemplate } from '../../src/labels/label-template-store.js';
import { renderSvgToPdf } from '../../src/labels/label-render.js';
import { pdfText } from './pdf-text.js';

const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm" viewBox="0 0 120 120">${body}</svg>`;

describe('label template fields', () => {
  it('lists the fields used, in order, once each', () => {
    const t = svg('<text>{{runLabel}} {{ copy }} of {{copies}} {{date}} {{copy}} {{row.customer_name}} {{serial}} {{setPosition}}</text>');
    expect(checkLabelTemplate(t)).toEqual(['runLabel', 'copy', 'copies', 'date', 'row.customer_name', 'serial', 'setPosition']);
  });

  it.each([
    ['an unknown field', svg('<text>{{runlabel}}</text>'), /unknown merge field \{\{runlabel\}\} at line 1 column \d+/],
    ['a row field without a name', svg('<text>{{row.}}</text>'), /unknown merge field \{\{row\.\}\}/],
    ['a field not closed', svg('<text>{{copy</text>'), /not closed with \}\}/],
    ['a DOCTYPE with entities', `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>${svg('<text>&x;</text>')}`, /DOCTYPE or entities/],
    ['a file reference', svg('<image href="/etc/passwd" width="1" height="1"/>'), /only refer to its own parts/],
    ['an xlink to a URL', svg('<use xlink:href="http://example.com/a.svg#x"/>'), /only refer to its own parts/],
    ['a CSS url()', svg('<rect style="fill: url(http://example.com/p)"/>'), /only refer to its own parts/],
  ])('refuses %s', (_what, template, message) => {
    expect(() => checkLabelTemplate(template)).toThrow(LabelTemplateError);
    expect(() => checkLabelTemplate(template)).toThrow(message);
  });

  it('allows references inside the document and inline data', () => {
    expect(() => checkLabelTemplate(svg('<defs><path id="p" d="M0 0"/></defs><use href="#p"/><rect fill="url(#p)"/><image href="data:image/png;base64,AAAA"/>'))).not.toThrow();
  });

  it('escapes values, and leaves a field without a value empty', () => {
    expect(xmlEscape(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const filled = fillLabelTemplate(svg('<text a="{{runLabel}}">{{runLabel}}|{{serial}}|{{row.x}}</text>'), { runLabel: '<Tom & "Jerry">' });
    expect(filled).toContain('<text a="&lt;Tom &amp; &quot;Jerry&quot;&gt;">&lt;Tom &amp; &quot;Jerry&quot;&gt;||</text>');
  });
});

describe('label template validation and rendering (rsvg-convert, pdftotext)', () => {
  it('takes a good template and names its fields', async () => {
    await expect(validateLabelTemplate(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- a label -->\n${svg('<text x="10" y="20">{{runLabel}} {{copy}}/{{copies}}</text>')}`))
      .resolves.toEqual(['runLabel', 'copy', 'copies']);
  });

  it.each([
    ['mismatched tags', svg('<text>{{copy}}</txt>'), /does not render: .*Opening and ending tag mismatch/],
    ['an undefined entity', svg('<text>&nbsp;</text>'), /does not render: .*Entity 'nbsp' not defined/],
    ['a document that is not SVG', '<html><body>{{copy}}</body></html>', /must begin with <svg/],
    ['plain text', 'Copy {{copy}}', /must begin with <svg/],
  ])('refuses %s', async (_what, template, message) => {
    await expect(validateLabelTemplate(template)).rejects.toThrow(message);
  });

  it('renders a disc\'s values into a PDF whose text is theirs', async () => {
    const t = svg('<text x="10" y="20" font-size="6">{{runLabel}}</text><text x="10" y="40" font-size="6">Copy {{copy}} of {{copies}}</text><text x="10" y="60" font-size="6">{{date}}</text>');
    const pdf = await renderSvgToPdf(fillLabelTemplate(t, { runLabel: 'Acme & Sons <v2>', copy: '7', copies: '12', date: '2026-12-03' }));
    const text = pdfText(pdf);
    expect(text).toContain('Acme & Sons <v2>');
    expect(text).toContain('Copy 7 of 12');
    expect(text).toContain('2026-12-03');
  });

  it('renders the REJECT label with its run and reason', async () => {
    const pdf = await renderSvgToPdf(fillLabelTemplate(rejectLabelSvg(), { runLabel: 'Batch 9', date: '2026-12-03', row: { drive: 'sim:1', reason: 'WRITE_ERROR' } }));
    const text = pdfText(pdf);
    expect(text).toContain('REJECT');
    expect(text).toContain('Batch 9');
    expect(text).toContain('sim:1 WRITE_ERROR');
  });
});
