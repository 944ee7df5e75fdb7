'use strict';
/**
 * The CollectiveEngine over either addon's native class: argument checks, CollectiveError
 * for every failure, and idempotent close. Sync and async calls share the native queue.
 */
const { CollectiveError, toCollectiveError } = require('./errors');

const REDUCE_OPS = ['sum', 'mean'];

class NativeEngine {
  constructor(native, info, rank, size) {
    this._native = native;
    this._closed = false;
    this.info = Object.freeze(info);
    this.rank = rank;
    this.size = size;
  }

  allReduce(buf, op = 'sum') {
    this._checkFloat32(buf, 'allReduce', op);
    return this._sync('allReduce', () => this._native.allReduce(buf, op === 'mean', false));
  }

  allReduceAsync(buf, op = 'sum') {
    this._checkFloat32(buf, 'allReduce', op);
    return this._async('allReduce', () => this._native.allReduce(buf, op === 'mean', true));
  }

  broadcast(buf, root) {
    this._checkBroadcast(buf, root);
    return this._sync('broadcast', () => this._native.broadcast(buf, root, false));
  }

  broadcastAsync(buf, root) {
    this._checkBroadcast(buf, root);
    return this._async('broadcast', () => this._native.broadcast(buf, root, true));
  }

  allGather(buf) {
    this._checkBytes(buf);
    return this._sync('allGather', () => this._native.allGather(buf, false));
  }

  allGatherAsync(buf) {
    this._checkBytes(buf);
    return this._async('allGather', () => this._native.allGather(buf, true));
  }

  barrier() {
    return this._sync('barrier', () => this._native.barrier(false));
  }

  barrierAsync() {
    return this._async('barrier', () => this._native.barrier(true));
  }

  setTimeout(ms) {
    if (typeof ms !== 'number' || !(ms > 0)) throw new RangeError(`${this.info.name} setTimeout: ms must be a positive number, got ${ms}`);
    this._ensureOpen('setTimeout');
    this._native.setTimeout(ms);
  }

  close() {
    if (this._closed) return;
    this._closed = true;
    this._native.close();
  }

  _ensureOpen(op) {
    if (this._closed) throw new CollectiveError(`${this.info.name} ${op} failed: the engine is closed`, { engine: this.info.name, op });
  }

  _sync(op, call) {
    this._ensureOpen(op);
    try {
      return call();
    } catch (error) {
      throw toCollectiveError(error, this.info.name, op);
    }
  }

  _async(op, call) {
    this._ensureOpen(op);
    let promise;
    try {
      promise = call();
    } catch (error) {
      throw toCollectiveError(error, this.info.name, op);
    }
    return promise.catch((error) => {
      throw toCollectiveError(error, this.info.name, op);
    });
  }

  _checkFloat32(buf, op, reduce) {
    if (!(buf instanceof Float32Array)) throw new TypeError(`${this.info.name} ${op}: buf must be a Float32Array`);
    if (!REDUCE_OPS.includes(reduce)) throw new TypeError(`${this.info.name} ${op}: op must be one of ${REDUCE_OPS.join(', ')}, got '${reduce}'`);
  }

  _checkBroadcast(buf, root) {
    if (!(buf instanceof Uint8Array || buf instanceof Float32Array)) throw new TypeError(`${this.info.name} broadcast: buf must be a Uint8Array or Float32Array`);
    if (!Number.isInteger(root) || root < 0 || root >= this.size) throw new RangeError(`${this.info.name} broadcast: root must be a rank in [0, ${this.size}), got ${root}`);
  }

  _checkBytes(buf) {
    if (!(buf instanceof Uint8Array)) throw new TypeError(`${this.info.name} allGather: buf must be a Uint8Array`);
  }
}

module.exports = { NativeEngine };
