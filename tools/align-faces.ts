/**
 * Turns a folder of raw photos into an aligned dataset of the same layout.
 *
 *   npx tsx tools/align-faces.ts SRC DST [--size 100] [--min-score 0.5] [--backend NAME]
 *
 * Every image under SRC (ImageFolder: SRC/<class>/*.jpg; RAF-DB:
 * SRC/Image/original/*.jpg with SRC/EmoLabel/*.txt) is written to the same
 * relative path under DST as its largest face, aligned to RAF-DB's aligned
 * framing (`--size` square, default 100); other files (label lists) are
 * copied. RAF-DB's `Image/original` becomes `Image/aligned`, where the RAF
 * dataset and the configs look. Images without a face are not written; they
 * are listed at the end and in DST/align-faces-report.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import '../src';
import { largestFace } from '../src/data/face/detector';
import { loadFaceDetector } from '../src/data/face/node-models';
import { imread, imwrite } from '../src/data/image/io';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { selectBackend } from '../src/runner/api/cli';
import { Logger } from '../src/runner/logger';
import { ProgressBar } from '../src/runner/progress';
import { parseArgv, runMain } from './lib/cli';

const IMAGE = /\.(jpe?g|png|bmp|webp)$/i;

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** RAF-DB's raw photos live in Image/original; the aligned copies go to Image/aligned. */
function targetOf(rel: string): string {
  const parts = rel.split(path.sep);
  if (parts[0] === 'Image' && parts[1] === 'original') parts[1] = 'aligned';
  return parts.join(path.sep);
}

function num(name: string, min: number, max = Infinity, int = false) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}], got '${v}'`);
    return n;
  };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('align-faces')
    .description('detect and align the face of every photo of a dataset folder (ImageFolder or RAF-DB layout)')
    .argument('<src>', 'folder of raw photos')
    .argument('<dst>', 'output folder (same layout)')
    .option('--size <px>', 'side of the aligned images', num('--size', 8, 4096, true), 100)
    .option('--min-score <p>', 'face detection threshold', num('--min-score', 0, 1), 0.5)
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<{ size: number; minScore: number; backend?: string }>();
  const [src, dst] = program.args.map((p) => path.resolve(p));
  const logger = new Logger();
  try {
    if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) throw new Error(`${src}: not a folder`);
    if (dst === src || dst.startsWith(src + path.sep)) throw new Error(`the output folder ${dst} must not be inside the source folder ${src}`);
    await selectBackend(opts.backend, logger);
    const detector = await loadFaceDetector();
    const files = walk(src);
    const images = files.filter((f) => IMAGE.test(f));
    for (const f of files.filter((x) => !IMAGE.test(x))) {
      fs.mkdirSync(path.dirname(path.join(dst, f)), { recursive: true });
      fs.copyFileSync(path.join(src, f), path.join(dst, f));
    }
    const faceless: string[] = [];
    const bar = new ProgressBar(images.length, 'align', { logger, lines: true });
    try {
      for (let i = 0; i < images.length; i++) {
        const rel = images[i];
        const img = await imread(path.join(src, rel), { channelOrder: 'rgb' });
        const faces = await detector.detect(img, { alignSize: opts.size, minScore: opts.minScore });
        const face = largestFace(faces);
        if (face) {
          const out = path.join(dst, targetOf(rel));
          fs.mkdirSync(path.dirname(out), { recursive: true });
          await imwrite(out, face.aligned, { channelOrder: 'rgb' });
        } else faceless.push(rel);
        bar.update(i + 1);
      }
    } finally {
      bar.stop();
    }
    fs.mkdirSync(dst, { recursive: true });
    const report = { source: src, images: images.length, aligned: images.length - faceless.length, size: opts.size, no_face: faceless };
    fs.writeFileSync(path.join(dst, 'align-faces-report.json'), JSON.stringify(report, null, 1) + '\n');
    logger.info(`aligned ${report.aligned} of ${images.length} images into ${dst}`);
    if (faceless.length) logger.warn(`no face found in ${faceless.length} images (not written; listed in align-faces-report.json):\n  ${faceless.join('\n  ')}`);
    detector.dispose();
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

runMain(main);
