/**
 * The featurizer service's life: when it stops, a banner says so and offers
 * to restart it (the run that was going is shown as interrupted by the run
 * flow). The banner follows the store.
 */
import type { RcfApi } from '../../../shared/ipc/contract.js';
import type { AppStore } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';

export class ServiceController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;
  private readonly restarted: () => void;

  /** `restarted` runs once the service is back (to read the history it kept). */
  constructor(rcf: RcfApi, store: AppStore, messages: MessageBar, restarted: () => void) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    this.restarted = restarted;
    rcf.on('serviceStopped', ({ message }) => store.patch({ serviceStopped: { message } }));
    let hideBanner: (() => void) | null = null;
    store.select(
      (s) => s.serviceStopped,
      (stopped) => {
        hideBanner?.();
        hideBanner = null;
        if (!stopped) return;
        // Main's message is the whole sentence ("The featurizer service stopped.").
        hideBanner = messages.show('error', stopped.message, { label: 'Restart', run: () => void this.restart() });
      },
    );
  }

  async restart(): Promise<void> {
    try {
      await this.rcf.restartService({});
      this.store.patch({ serviceStopped: null });
      this.restarted();
    } catch (error) {
      this.messages.error(error);
    }
  }
}
