/**
 * `RunContext` over a run's inversify container: what components, datasets
 * and hooks receive as `ctx.services` when a run builds them.
 */
import type { Container } from 'inversify';
import type { RunContext, ServiceToken } from '../contracts/services';

export class ContainerRunContext implements RunContext {
  constructor(readonly container: Container) {}

  get<T>(token: ServiceToken<T>): T {
    if (!this.container.isBound(token)) throw new Error(`run services: nothing is bound to ${token.description ?? String(token)}`);
    return this.container.get<T>(token);
  }

  has(token: ServiceToken<unknown>): boolean {
    return this.container.isBound(token);
  }
}
