/**
 * The local-disk `FileIO`: reads with `fs`, writes through the one atomic
 * writer (`./atomic.ts`), whose temp names the stale-temp cleaner knows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileData, FileIO } from '../contracts/services';
import { writeFileAtomic } from './atomic';

export class DiskFileIO implements FileIO {
  readFile(file: string): Uint8Array {
    return new Uint8Array(fs.readFileSync(file));
  }

  exists(file: string): boolean {
    return fs.existsSync(file);
  }

  writeFileAtomic(file: string, data: FileData): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomic(file, data);
  }
}
