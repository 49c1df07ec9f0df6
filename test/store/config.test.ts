import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../spec/index.js';
import type { FileStoreOptions } from '../../runtime/store/index.js';
import { openFileStore } from '../../runtime/store/index.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

const cases: Array<[string, unknown, string]> = [
  ['retained', { retained: 0 }, 'retained'],
  ['retained', { retained: 1.5 }, 'retained'],
  ['idBlockSize', { idBlockSize: -1 }, 'idBlockSize'],
  ['compression', { compression: 'yes' }, 'compression'],
  ['compression.level', { compression: { level: 12 } }, 'compression.level'],
  ['compression.thresholdBytes', { compression: { thresholdBytes: -1 } }, 'compression.thresholdBytes'],
  ['compression.enabled', { compression: { enabled: 'no' } }, 'compression.enabled'],
  ['an unknown option', { retain: 2 }, 'retain'],
  ['an unknown compression option', { compression: { algo: 'lz4' } }, 'compression.algo'],
  ['leadership', { leadership: 'maybe' }, 'leadership'],
  ['inlineCheckpointBytes', { inlineCheckpointBytes: -1 }, 'inlineCheckpointBytes'],
  ['inlineCheckpointBytes', { inlineCheckpointBytes: '64k' }, 'inlineCheckpointBytes'],
];

describe('file store configuration', () => {
  it.each(cases)('fails fast on bad %s, naming the option, and creates nothing', async (_what, options, option) => {
    const dir = join(await tempDir(), 'store');
    const open = openFileStore(dir, options as FileStoreOptions);
    await expect(open).rejects.toBeInstanceOf(ConfigError);
    await expect(open).rejects.toMatchObject({ option });
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails fast on an empty directory name', async () => {
    await expect(openFileStore('')).rejects.toMatchObject({ name: 'ConfigError', option: 'dir' });
  });
});
