package dev.allo.objective;

import java.util.Map;
import java.util.ServiceLoader;

/**
 * A training objective over per-token log-probabilities: the loss of one micro-batch plus TRL-named metrics.
 *
 * <p>Implementations are device-agnostic (every array of a batch must be on one device, and the loss lives there)
 * and, except where the method itself keeps state (BCO-pair's running reward mean), stateless: the same batch gives
 * the same output. State is saved with checkpoints through {@link #saveState()} and {@link #restoreState(Map)}.
 * {@link #compute} frees its intermediates before it returns; the loss and the term sums it returns are registered
 * with the caller's {@link ai.djl.ndarray.NDScope}, if one is open, and otherwise belong to the managers of the
 * input arrays.
 *
 * <p>Bad values raise {@link IllegalArgumentException} naming the side, tensor, row and column: non-finite policy
 * or reference log-probs (or mean logits) at a response position, a mask value other than 0 or 1, a weight outside
 * {@code [0, 1]} at a response position, a row without any response token, arrays on different devices, or a side
 * or reference the objective requires but the batch lacks. Values at prompt and padding positions are never read
 * into a loss, a gradient or a metric.
 *
 * <p>Not thread-safe.
 */
public interface PreferenceObjective {

    /**
     * Builds a stock objective. The implementation is found with {@link ServiceLoader} (module {@code allo-impl}).
     *
     * @param config the objective and its hyper-parameters
     * @return a new objective, with fresh state
     * @throws IllegalStateException if not exactly one {@link ObjectiveProvider} is on the class path
     */
    static PreferenceObjective of(ObjectiveConfig config) {
        java.util.Objects.requireNonNull(config, "config");
        java.util.List<ObjectiveProvider> found = new java.util.ArrayList<>();
        ServiceLoader.load(ObjectiveProvider.class).forEach(found::add);
        if (found.size() != 1) {
            throw new IllegalStateException((found.isEmpty() ? "No" : "More than one") + " "
                    + ObjectiveProvider.class.getName() + " on the class path (found " + found.size() + "): keep"
                    + " exactly one dependency dev.allo:allo-impl to build the objective " + config.name());
        }
        return found.get(0).create(config);
    }

    /**
     * Computes the loss and metrics of one micro-batch. Stateful objectives update their state here.
     *
     * @param batch the micro-batch
     * @return the loss, metrics and loss terms
     * @throws IllegalArgumentException for bad input (see the type's documentation)
     */
    ObjectiveOutput compute(PreferenceBatchLogProbs batch);

    /**
     * The config this objective was built from.
     *
     * @return the config
     */
    ObjectiveConfig config();

    /**
     * The short name, for example {@code "token_dpo"}.
     *
     * @return the name
     */
    default String name() {
        return config().name();
    }

    /**
     * Whether {@link #compute} needs reference log-probs on every side it reads.
     *
     * @return true for every objective except SimPO and SFT
     */
    boolean requiresReference();

    /**
     * Whether {@link #compute} needs the chosen side.
     *
     * @return false for token-level and sequence NPO
     */
    boolean requiresChosen();

    /**
     * Whether {@link #compute} needs the rejected side.
     *
     * @return false for SFT
     */
    boolean requiresRejected();

    /**
     * The objective's state, for checkpoints: name to values. Empty for stateless objectives.
     *
     * @return a copy of the state
     */
    default Map<String, double[]> saveState() {
        return Map.of();
    }

    /**
     * Restores state saved by {@link #saveState()} of an objective with the same config.
     *
     * @param state the saved state
     * @throws IllegalArgumentException if the state does not have this objective's keys and lengths
     */
    default void restoreState(Map<String, double[]> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(name() + " is stateless, but the state to restore has keys "
                    + state.keySet());
        }
    }
}
