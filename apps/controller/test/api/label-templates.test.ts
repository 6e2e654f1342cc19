/**
 * Label templates through the API: saved only when valid (400
 * LABEL_TEMPLATE_INVALID naming the fault, the field `svg`), listed, shown
 * and deleted; viewers read, operators write; a run asking for labels on a
 * tower with no printer configured is refused 422 and nothing of it is
 * written; the print log answers (empty). Every answer is checked against
 * the OpenAPI document (support.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startEnv, VIEWER } from './support.js';
import type { Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => env?.stop());

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm"><text x="10" y="20">{{runLabel}} {{copy}}/{{copies}} {{row.po}}</text></svg>';

describe('label templates', () => {
  it('saves, lists, shows and deletes a template; a viewer reads but may not write', async () => {
    const saved = await call(env, 'PUT', '/api/labels/templates/cd-round', { body: { svg: SVG, description: 'round' } });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body).toMatchObject({ name: 'cd-round', svg: SVG, description: 'round', fields: ['runLabel', 'copy', 'copies', 'row.po'], updatedBy: 'olga' });
    const replaced = await call(env, 'PUT', '/api/labels/templates/cd-round', { body: { svg: SVG.replace('{{row.po}}', '') } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body.fields).toEqual(['runLabel', 'copy', 'copies']);
    expect(replaced.body.createdAt).toBe(saved.body.createdAt);
    expect((await call(env, 'GET', '/api/labels/templates', { token: VIEWER })).body.map((t: { name: string }) => t.name)).toEqual(['cd-round']);
    expect((await call(env, 'GET', '/api/labels/templates/cd-round', { token: VIEWER })).body.fields).toEqual(['runLabel', 'copy', 'copies']);
    expect((await call(env, 'PUT', '/api/labels/templates/x', { token: VIEWER, body: { svg: SVG } })).status).toBe(403);
    expect((await call(env, 'DELETE', '/api/labels/templates/cd-round', { token: VIEWER })).status).toBe(403);
    expect((await call(env, 'DELETE', '/api/labels/templates/cd-round')).status).toBe(204);
    expect((await call(env, 'GET', '/api/labels/templates/cd-round')).status).toBe(404);
    expect((await call(env, 'DELETE', '/api/labels/templates/cd-round')).status).toBe(404);
  });

  it.each([
    ['malformed SVG', { svg: SVG.replace('</text>', '</tex>') }, 'LABEL_TEMPLATE_INVALID', /the SVG does not render: .*Opening and ending tag mismatch/],
    ['an unknown field', { svg: SVG.replace('{{copy}}', '{{kopie}}') }, 'LABEL_TEMPLATE_INVALID', /unknown merge field \{\{kopie\}\} at line 1 column/],
    ['a file reference', { svg: SVG.replace('<text', '<image href="file:///etc/shadow"/><text') }, 'LABEL_TEMPLATE_INVALID', /only refer to its own parts/],
    ['not SVG', { svg: '<html>{{copy}}</html>' }, 'LABEL_TEMPLATE_INVALID', /must begin with <svg/],
    ['an empty SVG', { svg: '' }, 'INVALID_INPUT', /svg/],
    ['an unknown property', { svg: SVG, merge: true }, 'INVALID_INPUT', /merge/],
  ])('refuses %s with a clear 400, and saves nothing', async (_what, body, code, message) => {
    const res = await call(env, 'PUT', '/api/labels/templates/bad', { body });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect((await call(env, 'GET', '/api/labels/templates/bad')).status).toBe(404);
  });

  it('refuses a bad template name', async () => {
    expect((await call(env, 'PUT', '/api/labels/templates/-x', { body: { svg: SVG } })).status).toBe(400);
  });

  it('refuses a run with labels when no printer is configured (422), writing nothing', async () => {
    expect((await call(env, 'PUT', '/api/labels/templates/disc', { body: { svg: SVG } })).status).toBe(201);
    const before = (await call(env, 'GET', '/api/runs')).body.length;
    const res = await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 2, printLabels: true, labelTemplate: 'disc' } });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'PRINTING_NOT_CONFIGURED', field: 'printLabels' });
    expect((await call(env, 'GET', '/api/runs')).body.length).toBe(before);
    // Without printLabels the template name is kept as a setting only; the run is made.
    expect((await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, labelTemplate: 'disc' } })).status).toBe(201);
    expect((await call(env, 'POST', '/api/runs', { body: { imageId: env.image.id, copies: 1, printLabels: 'yes' } })).status).toBe(400);
  });

  it('answers the print log', async () => {
    const res = await call(env, 'GET', '/api/labels/prints?limit=5', { token: VIEWER });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect((await call(env, 'GET', '/api/labels/prints?limit=0')).status).toBe(400);
  });
});
