package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import java.util.List;
import java.util.Map;

/**
 * AdamW that keeps moments only for the selected scalars: the default masked optimiser (ALLO Eq. 1 with AdamW).
 *
 * <p>It holds the int32 flat indices of every partly selected tensor and the two moments {@code m, v} of every
 * selected scalar: 12 bytes per selected scalar, 1.2 bytes per model parameter at a 10% mask (dense AdamW: 8). The
 * partly selected tensors form one group (see {@link SelectedGroup}): each step gathers their selected gradients and
 * weights by index into two {@code (K)} vectors, runs the {@link AdamWConfig} update on them with a fixed handful of
 * ops, and writes the weights back with an index-put; no other scalar is read or written, so every unselected scalar
 * stays bit-identical. Adam's update is element-wise, so this equals AdamW on the full tensors restricted to the
 * selected indices. A fully selected tensor skips gather and scatter and is updated in place; with
 * {@link NeuronMask#all} this is plain full-parameter AdamW.
 *
 * <p>State snapshots name each tensor's moments {@code "<name>/exp_avg"} and {@code "<name>/exp_avg_sq"}, 1-D over
 * its selected scalars in index order.
 */
public final class SparseAdamW extends MaskedOptimizerBase {
    private final AdamWConfig config;
    private final List<NDArray> firstMoments;
    private final List<NDArray> secondMoments;

    /**
     * Creates the optimiser and its zero moments.
     *
     * @param config the AdamW hyper-parameters, schedule and clipping
     * @param mask the scalars to train; must match {@code parameters}
     * @param parameters the model's parameters (float32, one device), used for validation and the device
     * @throws IllegalArgumentException if the mask does not match the parameters (naming the tensor)
     */
    public SparseAdamW(AdamWConfig config, NeuronMask mask, Map<String, NDArray> parameters) {
        this(config, mask, parameters, SelectedGroup.MIN_SHARED);
    }

    /**
     * As the public constructor, with the fewest small-member scalars for which gathers and index-puts are shared
     * with a helper thread (see {@link SelectedGroup}); tests use 0 to cover that path on tiny tensors.
     */
    SparseAdamW(AdamWConfig config, NeuronMask mask, Map<String, NDArray> parameters, long minShared) {
        super("SparseAdamW", mask, parameters, config.learningRate(), config.schedule(), config.clipping(), minShared);
        this.config = config;
        this.firstMoments = newSelectedState("exp_avg");
        this.secondMoments = newSelectedState("exp_avg_sq");
    }

    @Override
    void update(Map<String, NDArray> parameters, StepGradients gradients, double lr, long t) {
        if (gradients.group != null) {
            NDArray p = group().gather(parameters, a -> a, gradients.groupIndices); // (K) copy of the selected weights
            adamW(p, gradients.group, firstMoments.get(0), secondMoments.get(0), lr, t);
            group().scatter(parameters, p, gradients.groupIndices); // Eq. (1): only the selected scalars are written
        }
        for (int i = 0; i < full().size(); i++) {
            NDArray p = SelectedTensor.flat(parameters.get(full().get(i).name())); // (n) view: updated in place
            adamW(p, gradients.full.get(i), firstMoments.get(i + 1), secondMoments.get(i + 1), lr, t);
        }
    }

    /**
     * The AdamW update of {@link AdamWConfig}, in place on {@code p, m, v}; {@code g} is read only. With
     * {@code c2 = sqrt(1 - beta2^t)}, {@code (lr_t / bc1) m / (sqrt(v) / c2 + eps)} is computed as
     * {@code (lr_t c2 / bc1) m / (sqrt(v) + eps c2)}: the same value, one element-wise pass fewer.
     */
    private void adamW(NDArray p, NDArray g, NDArray m, NDArray v, double lr, long t) {
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, t);
        double c2 = Math.sqrt(1 - Math.pow(b2, t)); // sqrt of the second bias correction
        p.muli(1 - lr * config.weightDecay()); // decoupled weight decay
        m.muli(b1).addi(g.mul(1 - b1)); // m_t = b1 m + (1 - b1) g
        v.muli(b2).addi(g.square().muli(1 - b2)); // v_t = b2 v + (1 - b2) g^2
        NDArray denom = v.sqrt().addi(config.epsilon() * c2); // c2 (sqrt(v_hat) + eps)
        p.subi(m.div(denom).muli(lr * c2 / biasCorrection1)); // theta -= lr m_hat / (sqrt(v_hat) + eps)
    }
}
