/**
 * Local-disk FileIO. `writeFileAtomic` writes `<dir>/.<name>.<pid>.<n>.tmp`
 * (the name `removeStaleTempFiles` knows), fsyncs it, renames it over the
 * target and fsyncs the folder, so a crash leaves either the old file or the
 * new one, never a torn checkpoint.
 */
import fs from 'fs';
import fsp from 'fs/promises';
import path from 'path';
import type { FileIO } from '../contracts/services';
import { tempPathFor, writeFileAtomic } from '../checkpoint/atomic';

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export class LocalFileIO implements FileIO {
  async readFile(file: string): Promise<Uint8Array> {
    return new Uint8Array(await fsp.readFile(file));
  }

  async readText(file: string): Promise<string> {
    return fsp.readFile(file, 'utf8');
  }

  async exists(file: string): Promise<boolean> {
    try {
      await fsp.access(file);
      return true;
    } catch {
      return false;
    }
  }

  async mkdirp(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
  }

  async remove(file: string): Promise<void> {
    await fsp.rm(file, { force: true, recursive: true });
  }

  async listDir(dir: string): Promise<string[]> {
    return (await fsp.readdir(dir)).sort();
  }

  async writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = tempPathFor(file);
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(toBytes(data));
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    await handle.close();
    try {
      await fsp.rename(tmp, file);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(path.dirname(file));
  }

  writeFileAtomicSync(file: string, data: Uint8Array | string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, toBytes(data));
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // some filesystems cannot fsync a folder; the rename is still atomic
  }
}
