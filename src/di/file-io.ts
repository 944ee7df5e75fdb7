/**
 * Local-disk FileIO. `writeFileAtomic` writes `<dir>/.<name>.tmp-<pid>-<rand>`,
 * fsyncs it, renames it over the target and fsyncs the folder, so a crash
 * leaves either the old file or the new one, never a torn checkpoint.
 */
import fs from 'fs';
import fsp from 'fs/promises';
import path from 'path';
import { randomBytes } from 'crypto';
import type { FileIO } from '../contracts/services';

function tmpName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

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
    const tmp = tmpName(file);
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
    const tmp = tmpName(file);
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, toBytes(data));
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    try {
      const dfd = fs.openSync(path.dirname(file), 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      // some filesystems cannot fsync a folder; the rename is still atomic
    }
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
