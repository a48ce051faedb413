package dev.allo.impl.ila;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderModel;
import dev.allo.importance.ImportanceContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where ILA's incremental updates {@code dW_l} come from. The gated matrices are the weight matrices of the decoder
 * blocks (q/k/v/o/gate/up/down) that have an update.
 */
@FunctionalInterface
public interface UpdateSource {

    /**
     * Computes the updates for a base model; the base model is left unchanged.
     *
     * @param base the base model {@code W0}
     * @param context the warm-up training, for sources that need it
     * @param into the manager that owns the returned arrays
     * @return {@code dW_l} by parameter name, in model order
     */
    Map<String, NDArray> updates(DecoderModel base, ImportanceContext context, NDManager into);

    /**
     * A full-parameter warm-up: a copy of the base model is trained by {@link ImportanceContext#warmUp} and
     * {@code dW_l = theta'_l - theta_l} for every decoder-block matrix.
     *
     * @return the source
     */
    static UpdateSource fullWarmUp() {
        return fullWarmUp(null);
    }

    /**
     * A full-parameter warm-up watched by a stability monitor (registered as a listener of the context's warm-up),
     * which may end it early.
     *
     * @param monitor the monitor, or null
     * @return the source
     */
    static UpdateSource fullWarmUp(UpdateStabilityMonitor monitor) {
        return (base, context, into) -> {
            try (DecoderModel copy = base.copy()) {
                if (monitor != null) {
                    monitor.watch(base.device(), m -> difference(copy, base, m));
                }
                try {
                    context.warmUp(copy);
                } catch (UpdateStabilityMonitor.UpdateStabilized stable) {
                    // stable early: the copy holds the weights of the stable step
                }
                return difference(copy, base, into);
            }
        };
    }

    /**
     * A LoRA warm-up: adapters are added to the base model ({@link LoraModel#create}), trained by
     * {@link ImportanceContext#warmUp} (which trains the adapters only), and {@code dW_l = (alpha / r) B_l A_l} for
     * every adapted matrix.
     *
     * @param config the adapters
     * @param seed the adapters' initialisation and dropout seed
     * @param monitor a stability monitor registered with the context, or null
     * @return the source
     */
    static UpdateSource loraWarmUp(LoraConfig config, long seed, UpdateStabilityMonitor monitor) {
        return (base, context, into) -> {
            try (LoraModel lora = LoraModel.create(base, config, seed)) {
                if (monitor != null) {
                    monitor.watch(base.device(), lora::deltas);
                }
                try {
                    context.warmUp(lora);
                } catch (UpdateStabilityMonitor.UpdateStabilized stable) {
                    // stable early: the adapters hold the weights of the stable step
                }
                return lora.deltas(into);
            }
        };
    }

    /**
     * Updates computed elsewhere (copied into the estimator's manager).
     *
     * @param updates {@code dW_l} by parameter name
     * @return the source
     */
    static UpdateSource given(Map<String, NDArray> updates) {
        return (base, context, into) -> {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String name : base.parameters().keySet()) {
                NDArray u = updates.get(name);
                if (u != null) {
                    NDArray view = u.stopGradient(); // shares storage; the gated model copies it
                    view.attach(into);
                    out.put(name, view);
                }
            }
            return out;
        };
    }

    /** {@code theta' - theta} of every decoder-block matrix. */
    private static Map<String, NDArray> difference(DecoderModel trained, DecoderModel base, NDManager into) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : base.parameters().entrySet()) {
            String name = e.getKey();
            if (name.startsWith("model.layers.") && e.getValue().getShape().dimension() == 2) {
                NDArray after = trained.parameters().get(name).stopGradient();
                after.attach(into);
                NDArray before = e.getValue().stopGradient();
                before.attach(into);
                out.put(name, after.sub(before)); // dW_l = theta'_l - theta_l
            }
        }
        return out;
    }
}
