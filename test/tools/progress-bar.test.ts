/** ProgressBar on a fake TTY stream and a fake pipe: synchronous redraws, lines above the bar, plain lines off a TTY. */
import { ProgressBar } from '../../src/runner/progress';
import { Logger } from '../../src/runner/logger';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 100, write: (s: string) => chunks.push(s) };
}

describe('ProgressBar', () => {
  it('on a TTY redraws inside update() and prints log lines above the bar through the logger sink', () => {
    const stream = fakeStream(true);
    const logger = new Logger();
    const seen: string[] = [];
    logger.sink = (line) => {
      stream.write(line + '\n');
      seen.push(line);
    };
    const bar = new ProgressBar(3, 'work', { logger, stream });
    bar.update(1);
    logger.info('hello');
    bar.update(2);
    bar.stop();
    const text = stream.chunks.join('');
    expect(seen).toHaveLength(1);
    const i1 = text.indexOf('] 1/3');
    const iHello = text.indexOf('hello');
    const i2 = text.indexOf('] 2/3');
    expect(i1).toBeGreaterThan(0);
    expect(iHello).toBeGreaterThan(i1);
    expect(i2).toBeGreaterThan(iHello);
    expect(text.endsWith('\n')).toBe(true);
    logger.info('after');
    expect(seen).toHaveLength(2); // sink restored: no redraw after stop
    expect(stream.chunks.join('').lastIndexOf('] 2/3')).toBeLessThan(stream.chunks.join('').indexOf('after'));
  });

  it('off a TTY prints nothing unless asked, and plain lines every 10% when asked', () => {
    const quiet = fakeStream(false);
    const b0 = new ProgressBar(5, 'x', { stream: quiet });
    b0.update(5);
    b0.stop();
    expect(quiet.chunks).toEqual([]);
    const pipe = fakeStream(false);
    const b = new ProgressBar(20, 'infer', { stream: pipe, lines: true });
    for (let i = 1; i <= 20; i++) b.update(i);
    b.stop();
    const lines = pipe.chunks.join('').trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^infer: 2\/20 \(10%\)/);
    expect(lines[9]).toMatch(/^infer: 20\/20 \(100%\)/);
    expect(pipe.chunks.join('')).not.toContain('\x1b');
  });
});
