import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listFiles, tarGz } from '../../constructs/adapt/training-code';
import { ROOT } from '../helpers/app';

const directory = path.join(ROOT, 'training');

test('packs the entry scripts without tests or caches, in name order', () => {
  const files = listFiles(directory);
  expect(files).toEqual(expect.arrayContaining(['sft_lora.py', 'dpo.py', 'pretrain.py', 'requirements.txt', 'data_formats.py']));
  expect(files.some((file) => file.startsWith('tests/') || file.includes('__pycache__'))).toBe(false);
  expect([...files].sort()).toEqual(files);
});

test('gives the same bytes for the same scripts, whatever their modification times', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'training-code-'));
  fs.writeFileSync(path.join(copy, 'b.py'), 'print("b")\n');
  fs.writeFileSync(path.join(copy, 'a.py'), 'print("a")\n');
  const first = tarGz(copy, listFiles(copy));
  fs.utimesSync(path.join(copy, 'a.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  expect(tarGz(copy, listFiles(copy)).equals(first)).toBe(true);
  const tar = gunzipSync(first);
  expect(tar.subarray(0, 4).toString()).toBe('a.py');
  expect(tar.subarray(257, 262).toString()).toBe('ustar');
  expect(tar.length % 512).toBe(0);
});
