/**
 * The numbered label merge fields `{{merge.1}}`..`{{merge.99}}` (a JRQ
 * job's MergeField lines, a run's labelMerge): accepted by the template
 * check, filled in order and escaped, a number without a value empty; 0,
 * 100 and names refused.
 */
import { describe, expect, it } from 'vitest';
import { checkLabelTemplate, fillLabelTemplate, LabelTemplateError } from '../../src/labels/label-template.js';

const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm">${body}</svg>`;

describe('label merge fields {{merge.n}}', () => {
  it('are fields of a template, filled in order, escaped, empty without a value', () => {
    const t = svg('<text>{{merge.1}} / {{ merge.2 }} / {{merge.3}} / {{merge.99}}</text>');
    expect(checkLabelTemplate(t)).toEqual(['merge.1', 'merge.2', 'merge.3', 'merge.99']);
    expect(fillLabelTemplate(t, { merge: ['Ada & Co', '<17>'] })).toContain('<text>Ada &amp; Co / &lt;17&gt; /  / </text>');
  });

  it.each(['merge.0', 'merge.100', 'merge.01', 'merge.name', 'merge.'])('{{%s}} is refused', (field) => {
    expect(() => checkLabelTemplate(svg(`<text>{{${field}}}</text>`))).toThrow(LabelTemplateError);
    expect(() => checkLabelTemplate(svg(`<text>{{${field}}}</text>`))).toThrow(/\{\{merge\.<n>\}\} \(n 1\.\.99\)/);
  });
});
