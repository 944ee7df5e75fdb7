/** The three files real torch.save wrote (copied from shared/fixtures/torch; values from its README). */
import * as path from 'path';
import { readPth } from '../../src/checkpoint/pth/read';
import { readCheckpoint } from '../../src/checkpoint/load';
import { PyOrderedDict } from '../../src/checkpoint/pth/pickle';
import { TensorData, isTensorData } from '../../src/checkpoint/tensor-data';

const fx = (f: string) => path.join(__dirname, 'fixtures', f);
const values = (t: TensorData) => Array.from(t.data as BigInt64Array, Number);

describe('real torch.save fixtures', () => {
  test('test.pt: OrderedDict with an int64 [2,4] tensor', () => {
    const o = readPth(fx('test.pt'));
    expect(o).toBeInstanceOf(PyOrderedDict);
    const m = o as Map<string, unknown>;
    expect([...m.keys()]).toEqual(['test']);
    const t = m.get('test') as TensorData;
    expect(t.dtype).toBe('int64');
    expect(t.shape).toEqual([2, 4]);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('test_with_key.pt: dict → model_state_dict OrderedDict', () => {
    const o = readPth(fx('test_with_key.pt')) as Map<string, unknown>;
    expect(o).toBeInstanceOf(Map);
    expect(o).not.toBeInstanceOf(PyOrderedDict);
    expect([...o.keys()]).toEqual(['model_state_dict']);
    const inner = o.get('model_state_dict') as Map<string, unknown>;
    expect(inner).toBeInstanceOf(PyOrderedDict);
    const t = inner.get('test') as TensorData;
    expect(t.shape).toEqual([2, 4]);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const ck = readCheckpoint(fx('test_with_key.pt'), { unwrap: ['model_state_dict'] });
    expect([...ck.stateDict.keys()]).toEqual(['test']);
  });

  test('fortran_tensor_3d.pth: column-major storage materialized in logical order', () => {
    const o = readPth(fx('fortran_tensor_3d.pth')) as Map<string, unknown>;
    const t = o.get('tensor_fortran');
    expect(isTensorData(t)).toBe(true);
    const td = t as TensorData;
    expect(td.dtype).toBe('int64');
    expect(td.shape).toEqual([2, 3, 4]);
    expect(values(td)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  test('readCheckpoint on a plain state_dict fixture', () => {
    const ck = readCheckpoint(fx('test.pt'));
    expect(ck.format).toBe('pth');
    expect(ck.meta).toEqual({});
    expect(values(ck.stateDict.get('test')!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
