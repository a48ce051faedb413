package dev.allo.impl.model;

import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward passes that a segmented backward pass ({@link CheckpointedDecoder}, {@link RecomputedHead}) keeps until
 * the caller's loss has been back-propagated. Each pass owns a manager holding everything it kept; finishing it adds
 * its segment's gradients. Passes finish last first, in the order one backward pass through the whole graph would
 * reach them, and each pass's manager is closed as soon as it has finished.
 *
 * <p>Not thread-safe.
 */
final class PendingPasses {
    /** One kept forward pass. */
    interface Pass {
        /**
         * Back-propagates this pass's segment inside the open collector.
         *
         * @param collector the caller's open gradient collector
         */
        void backward(GradientCollector collector);

        /**
         * The manager that owns every array the pass kept.
         *
         * @return the manager
         */
        NDManager manager();
    }

    private final List<Pass> passes = new ArrayList<>();

    /**
     * Keeps a pass until {@link #backwardAll} or {@link #discard}.
     *
     * @param pass the pass
     */
    void add(Pass pass) {
        passes.add(pass);
    }

    /**
     * Finishes every kept pass, the last first, closing each one's manager when it is done; on failure the rest are
     * freed unfinished.
     *
     * @param collector the caller's open gradient collector
     */
    void backwardAll(GradientCollector collector) {
        try {
            for (int p = passes.size() - 1; p >= 0; p--) {
                passes.get(p).backward(collector);
                passes.remove(p).manager().close();
            }
        } finally {
            discard();
        }
    }

    /** Frees every kept pass without finishing it. */
    void discard() {
        for (Pass pass : passes) {
            pass.manager().close();
        }
        passes.clear();
    }

    /**
     * The passes kept.
     *
     * @return the count
     */
    int size() {
        return passes.size();
    }
}
