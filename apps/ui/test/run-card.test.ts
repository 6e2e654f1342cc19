import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { RunCounts, remainingLabel, speedWords } from '../src/components/RunCard';
import { run } from './fixtures';

describe('a run’s counts', () => {
  it('no longer says TO DO once the run is over: a cancelled run did not make its remaining copies', () => {
    const cancelled = run({ id: 'r1', status: 'cancelled', copies: 30, passed: 10, remaining: 20 });
    const html = renderToStaticMarkup(createElement(RunCounts, { run: cancelled }));
    expect(html).toContain('<dt>Not made</dt><dd data-testid="run-remaining">20</dd>');
    expect(html).not.toContain('To do');
    expect(remainingLabel({ status: 'failed', remaining: 3 })).toBe('Not made');
  });
  it('says TO DO while the run goes on, and for a finished run with nothing left', () => {
    expect(renderToStaticMarkup(createElement(RunCounts, { run: run({ id: 'r2', status: 'running', remaining: 20 }) }))).toContain('<dt>To do</dt>');
    expect(remainingLabel({ status: 'paused', remaining: 5 })).toBe('To do');
    expect(remainingLabel({ status: 'completed', remaining: 0 })).toBe('To do');
  });
  it('says the speed the run asked for', () => {
    expect(speedWords({ speed: 8 })).toBe('8×');
    expect(speedWords({})).toBe('drive maximum');
  });
});
