/** Checkpoints: torch `.pth` (restricted reader + writer), safetensors, our format, loading into modules. */
export * from './tensor-data';
export * from './errors';
export { readPth, readPthBuffer, type PthReadOptions } from './pth/read';
export { DEFAULT_PICKLE_LIMITS, type PickleLimits } from './pth/pickle';
export { resolveCheckpointPath } from './latest';
export { removeStaleTempFiles } from './stale-temp';
export { DiskFileIO } from './file-io';
export { writeFileAtomic, type AtomicData } from './atomic';
export { writePth, encodePth, PthTensorView, type PthStorage } from './pth/write';
export { PyOrderedDict, PyFloat, pyTuple, getPyAttributes, setPyAttributes } from './pth/pickle';
export {
  readSafetensors,
  readSafetensorsBuffer,
  writeSafetensors,
  DEFAULT_SAFETENSORS_LIMITS,
  type SafetensorsLimits,
  encodeSafetensors,
  type SafetensorsContents,
} from './safetensors';
export { FORMAT_NAME, OPTIMIZER_PREFIX, type CheckpointMeta } from './format';
export { toJsonValue, type JsonValue } from './json-value';
export {
  readCheckpoint,
  loadCheckpointIntoModule,
  loadStateDictInto,
  saveCheckpoint,
  reviseKeys,
  selectPrefix,
  describeLoadReport,
  isEmptyReport,
  DEFAULT_REVISE_KEYS,
  type ReviseKeys,
  type ReadCheckpointOptions,
  type CheckpointContents,
  type StateDictLoadReport,
  type StateDictLoadable,
  type LoadIntoModuleOptions,
  type LoadResult,
  type SaveCheckpointArgs,
} from './load';
export { convertCheckpoint, type ConvertOptions, type ConvertSummary } from './convert';
