/**
 * BackendService: `initBackend` with the choice logged through the container's
 * Logger. The backend module (and so tfjs) is loaded only on `init()`, so
 * tools that never compute (print-config, list-components) do not pay for it.
 */
import type { BackendService } from '../contracts/services';
import type { Logger } from '../contracts/logger';

export class DefaultBackendService implements BackendService {
  private activeName?: string;

  constructor(
    private readonly logger: Logger,
    /** The `--backend` flag as given (`undefined`/`auto`: best available). */
    readonly requested?: string,
  ) {}

  get active(): string | undefined {
    return this.activeName;
  }

  async init(): Promise<string> {
    const { initBackend, parseBackendFlag } = await import('../backend/backend');
    this.activeName = await initBackend(parseBackendFlag(this.requested), { logger: this.logger });
    return this.activeName;
  }
}
