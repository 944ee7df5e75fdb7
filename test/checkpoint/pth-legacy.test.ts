/** Legacy (torch < 1.6, non-zip) files, like face.evoLVe's 2019 IR-50 weights. */
import { readPthBuffer } from '../../src/checkpoint/pth/read';
import { TensorData } from '../../src/checkpoint/tensor-data';
import { bytes, legacyFile, legacyTensorOps, op, str } from './pickle-bytes';

describe('legacy torch format', () => {
  test('tensors over shared storages, offsets and strides, any location', () => {
    const obj = bytes(
      op.PROTO2,
      op.EMPTY_DICT,
      op.MARK,
      str('body.0.res_layer.1.weight'),
      legacyTensorOps('FloatStorage', '140', 6, 0, [2, 3], [3, 1]),
      str('body.0.res_layer.1.t'),
      legacyTensorOps('FloatStorage', '140', 6, 1, [2, 2], [1, 3]),
      str('bn.num_batches_tracked'),
      legacyTensorOps('LongStorage', '99', 1, 0, [], []),
      op.SETITEMS,
      op.STOP,
    );
    const f32 = Buffer.from(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer);
    const i64 = Buffer.from(BigInt64Array.from([77n]).buffer);
    const m = readPthBuffer(legacyFile(obj, [['140', 6, f32], ['99', 1, i64]]), 'ir50.pth') as Map<string, TensorData>;
    expect([...m.keys()]).toEqual(['body.0.res_layer.1.weight', 'body.0.res_layer.1.t', 'bn.num_batches_tracked']);
    expect(Array.from(m.get('body.0.res_layer.1.weight')!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(m.get('body.0.res_layer.1.t')!.data as Float32Array)).toEqual([2, 5, 3, 6]);
    expect(m.get('bn.num_batches_tracked')!.shape).toEqual([]);
    expect((m.get('bn.num_batches_tracked')!.data as BigInt64Array)[0]).toBe(77n);
  });
});
