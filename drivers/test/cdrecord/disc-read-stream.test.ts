import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscReadStream, sgReadArgs } from '../../src/cdrecord/disc-read-stream.js';
import { ReadError, ToolMissingError } from '../../src/errors.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('reading a real drive\'s disc', () => {
  let dir = '';
  let disc = '';
  const data = randomBytes(2048 * 40);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'disc-read-'));
    disc = path.join(dir, 'disc.img');
    await writeFile(disc, data);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('asks sg_dd for the whole sectors covering the bytes', () => {
    expect(sgReadArgs('/dev/sg3', 0, 4104192)).toEqual(['if=/dev/sg3', 'bs=2048', 'skip=0', 'count=2004', 'of=-']);
    expect(sgReadArgs('/dev/sg3', 4096, 5000)).toEqual(['if=/dev/sg3', 'bs=2048', 'skip=2', 'count=3', 'of=-']);
  });

  it('reads through the block device while the kernel\'s size covers the bytes', async () => {
    const stream = createDiscReadStream({
      path: disc, device: '/dev/sr9', offset: 2048, length: 2048 * 10,
      locate: async () => ({ generic: path.join(dir, 'no-such-sg'), kernelBytes: data.length }),
    });
    expect((await collect(stream)).equals(data.subarray(2048, 2048 * 11))).toBe(true);
  });

  it('reads a fresh burn the kernel still sizes as blank through SCSI generic (real sg_dd), exactly the length asked', async () => {
    const stream = createDiscReadStream({
      // The block device "ends" at once: a read through it would fail.
      path: path.join(dir, 'no-such-block-device'), device: '/dev/sr9', offset: 4096, length: 2048 * 30 + 777,
      locate: async () => ({ generic: disc, kernelBytes: 2048 }),
    });
    expect((await collect(stream)).equals(data.subarray(4096, 4096 + 2048 * 30 + 777))).toBe(true);
  });

  it('fails with a ReadError when the disc ends before the bytes asked for', async () => {
    const stream = createDiscReadStream({
      path: disc, device: '/dev/sr9', offset: 0, length: data.length + 2048 * 5,
      locate: async () => ({ generic: disc, kernelBytes: 0 }),
    });
    const err = await collect(stream).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect(String((err as Error).message)).toMatch(/SCSI read failed at sector/);
  });

  it('says which package to install when sg_dd is missing', async () => {
    const stream = createDiscReadStream({
      path: disc, device: '/dev/sr9', offset: 0, length: 2048,
      locate: async () => ({ generic: disc, kernelBytes: 0 }),
      spawnSgRead: (_p, args) => spawn('no-such-sg-dd-program', [...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    });
    const err = await collect(stream).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect(String((err as Error).message)).toMatch(/sg3-utils/);
  });
});
