/**
 * The tfjs bundles load with Node's source maps off (their maps would cost
 * about 50 MB of heap under tsx), and the setting is restored afterwards,
 * also when a load throws.
 */
import { withoutSourceMaps } from '../../src/utils/pause-source-maps';

describe('withoutSourceMaps', () => {
  const initial = process.sourceMapsEnabled;
  afterEach(() => process.setSourceMapsEnabled(initial));

  test('turns source maps off while loading and back on after, even when the load throws', () => {
    process.setSourceMapsEnabled(true);
    expect(withoutSourceMaps(() => process.sourceMapsEnabled)).toBe(false);
    expect(process.sourceMapsEnabled).toBe(true);
    expect(() => withoutSourceMaps(() => {
      throw new Error('no such bundle');
    })).toThrow('no such bundle');
    expect(process.sourceMapsEnabled).toBe(true);
  });

  test('leaves them off when they were off', () => {
    process.setSourceMapsEnabled(false);
    withoutSourceMaps(() => 1);
    expect(process.sourceMapsEnabled).toBe(false);
  });
});
