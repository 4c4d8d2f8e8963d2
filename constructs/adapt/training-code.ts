import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { KitError } from '../../lib/errors';

/**
 * The training entry scripts as a gzip-compressed tar asset: the form the
 * SageMaker framework containers unpack (`sagemaker_submit_directory`).
 * CDK zips directory assets, so the kit writes the archive itself: files in
 * name order, mtime 0, owner 0, so the same scripts give the same bytes and
 * the same asset hash on every machine.
 */
export interface TrainingCodeProps {
  /** Folder of the entry scripts. */
  readonly directory: string;
  /**
   * Files left out of the archive (tests, caches).
   * @default - `tests/`, `__pycache__/` and `*.pyc`
   */
  readonly exclude?: RegExp;
}

const DEFAULT_EXCLUDE = /(^|\/)(tests\/|__pycache__\/)|\.pyc$/;
const BLOCK = 512;

/** Relative paths of the regular files under `directory`, sorted. */
export function listFiles(directory: string, exclude: RegExp = DEFAULT_EXCLUDE): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(directory, relative), { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (exclude.test(entry.isDirectory() ? `${name}/` : name)) continue;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) files.push(name);
    }
  };
  walk('');
  return files.sort();
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header block. */
function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new KitError(`training code: path ${name} is longer than 100 bytes, which a ustar archive cannot hold; allowed: shorter paths`);
  const block = Buffer.alloc(BLOCK, 0);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(0, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'ascii');
  return block;
}

/** A gzip-compressed tar archive of the files, the same bytes for the same contents. */
export function tarGz(directory: string, files: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const name of files) {
    const content = fs.readFileSync(path.join(directory, name));
    parts.push(header(name, content.length), content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** The entry scripts packed and uploaded as a file asset; `asset.s3ObjectUrl` is what the code channel reads. */
export class TrainingCode extends Construct {
  public readonly asset: s3assets.Asset;
  /** The scripts in the archive, for checks such as "the entry point exists". */
  public readonly files: readonly string[];
  /**
   * Where the archive lands in the container when read through a channel
   * named `code`: the value of `sagemaker_submit_directory` (an S3Prefix
   * channel keeps the object's name, here the asset's `<hash>.gz`).
   */
  public readonly containerPath: string;

  constructor(scope: Construct, id: string, props: TrainingCodeProps) {
    super(scope, id);
    if (!fs.existsSync(props.directory) || !fs.statSync(props.directory).isDirectory()) {
      throw KitError.invalidProp(this, 'directory', props.directory, 'an existing folder of training entry scripts');
    }
    this.files = listFiles(props.directory, props.exclude);
    if (this.files.length === 0) throw KitError.invalidProp(this, 'directory', props.directory, 'a folder with at least one file');
    const archive = tarGz(props.directory, this.files);
    const hash = createHash('sha256').update(archive).digest('hex').slice(0, 16);
    const outDir = path.join(os.tmpdir(), 'genai-kit-training-code');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `sourcedir-${hash}.tar.gz`);
    if (!fs.existsSync(file)) {
      // Parallel synths (jest workers) may write the same archive: write aside, then rename.
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, archive);
      fs.renameSync(partial, file);
    }
    this.asset = new s3assets.Asset(this, 'Asset', { path: file });
    this.containerPath = `/opt/ml/input/data/code/${path.posix.basename(this.asset.s3ObjectKey)}`;
  }
}
