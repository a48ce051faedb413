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
 * partly selected tensors form one group (see {@link SelectedGroup}): each step gathers their selected gradients by
 * index into one {@code (K)} vector, computes the {@link AdamWConfig} moments and step on it with a fixed handful of
 * ops, then per tensor gathers the selected weights, decays them, subtracts the step and writes them back with an
 * index-put while they are still in cache; no other scalar is read or written, so every unselected scalar stays
 * bit-identical. Adam's update is element-wise, so this equals AdamW on the full tensors restricted to the
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
        super("SparseAdamW", mask, parameters, config.learningRate(), config.schedule(), config.clipping());
        this.config = config;
        this.firstMoments = newSelectedState("exp_avg");
        this.secondMoments = newSelectedState("exp_avg_sq");
    }

    @Override
    void update(Map<String, NDArray> parameters, StepGradients gradients, double lr, long t) {
        double decay = 1 - lr * config.weightDecay(); // decoupled weight decay
        if (gradients.group != null) {
            NDArray step = adamStep(gradients.group, firstMoments.get(0), secondMoments.get(0), lr, t); // (K)
            // Eq. (1): only the selected scalars are read and written, one member at a time.
            group().decayAndSubtract(parameters, step, decay, gradients.groupIndices);
        }
        perTensor(full().size(), i -> {
            NDArray p = SelectedTensor.flat(parameters.get(full().get(i).name())); // (n) view: updated in place
            NDArray step = adamStep(gradients.clippedFull(i), firstMoments.get(i + 1), secondMoments.get(i + 1), lr,
                    t);
            p.muli(decay).subi(step);
        });
    }

    /**
     * Updates {@code m, v} in place as in {@link AdamWConfig} and returns the step
     * {@code (lr_t / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)} to subtract from the decayed weights;
     * {@code g} is read only. With {@code c2 = sqrt(1 - beta2^t)} it is computed as
     * {@code (lr_t c2 / (1 - beta1^t)) m / (sqrt(v) + eps c2)}: the same value, one element-wise pass fewer.
     */
    private NDArray adamStep(NDArray g, NDArray m, NDArray v, double lr, long t) {
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, t);
        double c2 = Math.sqrt(1 - Math.pow(b2, t)); // sqrt of the second bias correction
        m.muli(b1).addi(g.mul(1 - b1)); // m_t = b1 m + (1 - b1) g
        v.muli(b2).addi(g.square().muli(1 - b2)); // v_t = b2 v + (1 - b2) g^2
        NDArray denom = v.sqrt().addi(config.epsilon() * c2); // c2 (sqrt(v_hat) + eps)
        return m.div(denom).muli(lr * c2 / biasCorrection1); // lr m_hat / (sqrt(v_hat) + eps)
    }
}
