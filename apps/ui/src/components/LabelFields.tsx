'use client';
/**
 * The new-run form's labels (issue 15): print a label for each good disc
 * with a label template (listed from `GET /api/labels/templates`), and the
 * values of the template's numbered merge fields, one per line
 * (`{{merge.1}}`, `{{merge.2}}`…, the request's `labelMerge`). The merge
 * values are checked here against the controller's limits; the controller
 * checks them again, and refuses printing when no label printer is set up.
 */
import type { ReactNode } from 'react';
import type { CreateRunRequest, LabelTemplateViewType } from '../lib/contract';
import { MAX_LABEL_MERGE_CHARS, MAX_LABEL_MERGE_FIELDS, labelMergeOf } from '../lib/run-text-form';
import { useApi } from '../lib/use-api';

/** What the operator chose. */
export interface LabelChoice {
  readonly print: boolean;
  readonly template: string;
  /** The merge values as typed, one per line. */
  readonly merge: string;
}

export const NO_LABELS: LabelChoice = { print: false, template: '', merge: '' };

/** The request's `printLabels`, `labelTemplate` and `labelMerge` of a choice, or a problem in words. */
export function labelRequestOf(choice: LabelChoice): { readonly request: Pick<CreateRunRequest, 'printLabels' | 'labelTemplate' | 'labelMerge'>; readonly problem?: string } {
  const { labelMerge, problem } = labelMergeOf(choice.merge);
  const request = {
    ...(choice.print ? { printLabels: true, ...(choice.template === '' ? {} : { labelTemplate: choice.template }) } : {}),
    ...(labelMerge === undefined ? {} : { labelMerge }),
  };
  if (choice.print && choice.template === '') return { request, problem: 'Pick a label template to print labels with, or untick printing.' };
  return { request, ...(problem === undefined ? {} : { problem }) };
}

export function LabelFields({ choice, onChange }: { readonly choice: LabelChoice; readonly onChange: (choice: LabelChoice) => void }): ReactNode {
  const templates = useApi<LabelTemplateViewType[]>('/labels/templates');
  const list = templates.data ?? [];
  return (
    <>
      <span className="form-label">Labels</span>
      <div>
        <div className="row">
          <label className="check">
            <input type="checkbox" checked={choice.print} onChange={(e) => onChange({ ...choice, print: e.target.checked, template: choice.template === '' ? (list[0]?.name ?? '') : choice.template })} /> Print a label for each good disc
          </label>
          {choice.print ? (
            <select aria-label="Label template" value={choice.template} required onChange={(e) => onChange({ ...choice, template: e.target.value })}>
              {list.length === 0 ? <option value="">No label templates</option> : null}
              {list.map((t) => <option key={t.name} value={t.name}>{t.name}{t.description ? ` — ${t.description}` : ''}</option>)}
            </select>
          ) : null}
        </div>
        {templates.error ? <p className="muted" role="alert">Could not load the label templates: {templates.error}</p> : null}
      </div>

      <label htmlFor="run-label-merge">Label merge fields</label>
      <div>
        <textarea id="run-label-merge" rows={3} value={choice.merge} onChange={(e) => onChange({ ...choice, merge: e.target.value })}
          placeholder="one value per line: {{merge.1}}, {{merge.2}}…" aria-describedby="label-merge-help" />
        <p id="label-merge-help" className="muted">Line 1 fills {'{{merge.1}}'} on the label, line 2 {'{{merge.2}}'}; at most {MAX_LABEL_MERGE_FIELDS} lines of {MAX_LABEL_MERGE_CHARS} characters.</p>
      </div>
    </>
  );
}
