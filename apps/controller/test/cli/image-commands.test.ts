import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { makeImage } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tower-cli-images-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Dates and numbers follow the locale and zone; pin them so the expected lines hold on any host.
beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

describe('tower images', () => {
  it('lists images as a table (the default subcommand)', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, [makeImage(), makeImage({ id: 'img-2', name: 'Damaged', damaged: true, inUse: true, sizeBytes: 4_700_000_000, mediaClass: 'dvd' })]));
    const result = await runCli(['images'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(sent[0]?.url.pathname).toBe('/api/images');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+FORMAT\s+SIZE\s+MEDIA\s+SHA256\s+FLAGS\s+CREATED$/);
    expect(lines[1]).toMatch(/^img-1\s+Install disc\s+iso\s+734 MB\s+cd\s+aaaaaaaaaaaa\s+-\s+01\/05\/2024, 08:00:00$/);
    expect(lines[2]).toMatch(/^img-2\s+Damaged\s+iso\s+4\.70 GB\s+dvd\s+aaaaaaaaaaaa\s+damaged, in use\s+01\/05\/2024, 08:00:00$/);
    const asJson = await runCli(['images', '--json'], { fetch });
    expect(JSON.parse(asJson.stdout)).toHaveLength(2);
  });

  it('says when the library already held an imported image, and how to drop the copy', async () => {
    const { fetch } = fakeFetch(() => json(201, makeImage({ id: 'img-new', name: 'A', sameContentAs: [{ id: 'img-1', name: 'Install disc' }] })));
    const result = await runCli(['images', 'import', '/srv/in/a.iso', '--name', 'A'], { fetch });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe("note: the library already held this image as img-1 'Install disc': use that one, and drop this copy with: tower images delete img-new\n");
  });

  it('says how to add an image when there is none', async () => {
    const { fetch } = fakeFetch(() => json(200, []));
    expect((await runCli(['images', 'list'], { fetch })).stdout).toContain('No images. Add one with: tower images upload <file>');
  });

  it('shows, renames, imports and deletes', async () => {
    const { fetch, sent } = fakeFetch((req) => (req.method === 'DELETE' ? json(204, null) : json(req.method === 'POST' ? 201 : 200, makeImage({ name: 'New name' }))));
    expect((await runCli(['images', 'show', 'img-1'], { fetch })).stdout).toMatch(/^Image:\s+img-1\nName:\s+New name\n/);
    expect((await runCli(['images', 'rename', 'img-1', 'New name'], { fetch })).stdout).toBe("renamed img-1 to 'New name'\n");
    expect((await runCli(['images', 'import', '/srv/in/a.iso', '--name', 'A'], { fetch })).code).toBe(EXIT.ok);
    expect((await runCli(['images', 'delete', 'img-1'], { fetch })).stdout).toBe('deleted image img-1\n');
    expect(sent.map((r) => `${r.method} ${r.url.pathname} ${r.body ?? ''}`)).toEqual([
      'GET /api/images/img-1 ',
      'PATCH /api/images/img-1 {"name":"New name"}',
      'POST /api/images/import {"path":"/srv/in/a.iso","name":"A"}',
      'DELETE /api/images/img-1 ',
    ]);
  });

  it('refuses a relative import path and a missing upload file locally', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, makeImage()));
    const rel = await runCli(['images', 'import', 'a.iso'], { fetch });
    expect(rel.code).toBe(EXIT.usage);
    expect(rel.stderr).toBe("tower: the import path is read on the controller's host and must be absolute, got 'a.iso'\n");
    const missing = await runCli(['images', 'upload', path.join(dir, 'nope.iso')], { fetch });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toBe(`tower: cannot read ${path.join(dir, 'nope.iso')}: no such file\n`);
    expect(sent).toHaveLength(0);
  });

  it('409 on delete of an image in use is one line, exit 1', async () => {
    const { fetch } = fakeFetch(() => json(409, { error: { code: 'CONFLICT', message: 'image img-1 is used by run r-1' } }));
    const result = await runCli(['images', 'delete', 'img-1'], { fetch });
    expect(result).toEqual({ code: EXIT.failed, stdout: '', stderr: 'tower: image img-1 is used by run r-1 [CONFLICT]\n' });
  });

  it('streams an upload to a real HTTP server (octet-stream, length, name)', async () => {
    const file = path.join(dir, 'disc one.iso');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(file, bytes);
    const seen: { url?: string; type?: string; length?: string; auth?: string; sha?: string; size?: number } = {};
    const server = http.createServer((req, res) => {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      req.on('end', () => {
        Object.assign(seen, { url: req.url, type: req.headers['content-type'], length: req.headers['content-length'], auth: req.headers.authorization, sha: hash.digest('hex'), size });
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(makeImage({ id: 'up-1', name: 'disc one', sizeBytes: size })));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await runCli(['images', 'upload', file, '--url', url]);
      expect(result.stderr).toContain('uploaded 3.15 MB');
      expect(result.code).toBe(EXIT.ok);
      expect(result.stdout).toMatch(/^added image up-1 'disc one' \(iso, 3\.15 MB, sha256 a{64}\)\n$/);
      expect(seen).toEqual({
        url: '/api/images/upload?name=disc+one', type: 'application/octet-stream', length: String(bytes.length), auth: 'Bearer test-token',
        sha: createHash('sha256').update(bytes).digest('hex'), size: bytes.length,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
