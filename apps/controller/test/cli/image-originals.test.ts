/**
 * `tower images import … --keep-original` / `--no-keep-original` send
 * keepOriginal (and neither leaves it to the library's keepOriginals);
 * `tower images show` and the import's line say which file a burn writes,
 * what the image was converted from and which original was kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { setUnitDefaults } from '../../src/shared/units.js';
import { fakeFetch, json, runCli } from './cli-harness.js';
import { makeImage } from './fixtures.js';

beforeAll(() => setUnitDefaults({ locale: 'en-GB', timeZone: 'UTC' }));
afterAll(() => setUnitDefaults({}));

const converted = makeImage({
  id: 'img-9', name: 'Mixed', format: 'cue', burnFile: 'img-9.cue', keptOriginals: ['img-9.nrg'],
  conversion: { from: 'nrg', proof: 'NRG v2 ETN2 chunk: 2 track(s) (1 MODE1/2048, 2 AUDIO)' },
});

describe('tower images and converted originals', () => {
  it('import sends keepOriginal as asked, or not at all, and says what is burned and kept', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, converted));
    const kept = await runCli(['images', 'import', '/srv/in/mixed.nrg', '--keep-original'], { fetch });
    expect(kept.code).toBe(EXIT.ok);
    expect(kept.stdout).toMatch(/^added image img-9 'Mixed' \(cue, .*\); converted from nrg, burns img-9\.cue, original kept as img-9\.nrg\n$/);
    expect((await runCli(['images', 'import', '/srv/in/mixed.nrg', '--no-keep-original'], { fetch })).code).toBe(EXIT.ok);
    expect((await runCli(['images', 'import', '/srv/in/mixed.nrg'], { fetch })).code).toBe(EXIT.ok);
    expect(sent.map((r) => r.body)).toEqual([
      '{"path":"/srv/in/mixed.nrg","keepOriginal":true}',
      '{"path":"/srv/in/mixed.nrg","keepOriginal":false}',
      '{"path":"/srv/in/mixed.nrg"}',
    ]);
  });

  it('show names the file burned, the conversion and the original', async () => {
    const { fetch } = fakeFetch(() => json(200, converted));
    const out = (await runCli(['images', 'show', 'img-9'], { fetch })).stdout;
    expect(out).toMatch(/^Burns:\s+img-9\.cue$/m);
    expect(out).toMatch(/^Converted:\s+from nrg: NRG v2 ETN2 chunk: 2 track\(s\)/m);
    expect(out).toMatch(/^Original:\s+img-9\.nrg \(kept, never burned\)$/m);
    const { fetch: plainFetch } = fakeFetch(() => json(200, makeImage({ burnFile: 'img-1.iso', keptOriginals: [], conversion: null })));
    const plain = (await runCli(['images', 'show', 'img-1'], { fetch: plainFetch })).stdout;
    expect(plain).toMatch(/^Burns:\s+img-1\.iso$/m);
    expect(plain).not.toMatch(/^Converted:/m);
  });
});
