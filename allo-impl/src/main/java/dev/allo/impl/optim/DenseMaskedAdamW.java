package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW with full-size moments whose update is applied only where the mask is 1: the straightforward masked
 * optimiser, kept as the baseline that {@link SparseAdamW} is measured and tested against.
 *
 * <p>Per selected tensor it holds {@code m, v} of the parameter's shape (8 bytes per parameter) and, for a partly
 * selected tensor, a boolean mask (1 byte per parameter) besides the int32 indices that every masked optimiser keeps
 * for the clipping norm. Each step updates the moments of every scalar with the full (clipped) gradient (the moments
 * of unselected scalars are never used), computes the AdamW result for the whole tensor, and writes back
 * {@code where(mask, updated, theta)}, so unselected scalars keep their exact bits; multiplying the update by the mask
 * would not (a -0.0 weight plus a +0.0 update is +0.0, and {@code inf * 0} is NaN). Snapshots name the moments
 * {@code "<name>/exp_avg"} and {@code "<name>/exp_avg_sq"}, with the parameter's shape.
 */
public final class DenseMaskedAdamW extends MaskedOptimizerBase {
    private final AdamWConfig config;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final List<NDArray> masks = new ArrayList<>();

    /**
     * Creates the optimiser, its zero moments and its boolean masks.
     *
     * @param config the AdamW hyper-parameters, schedule and clipping
     * @param mask the scalars to train; must match {@code parameters}
     * @param parameters the model's parameters (float32, one device), used for validation and the device
     * @throws IllegalArgumentException if the mask does not match the parameters (naming the tensor)
     */
    public DenseMaskedAdamW(AdamWConfig config, NeuronMask mask, Map<String, NDArray> parameters) {
        super("DenseMaskedAdamW", mask, parameters, config.learningRate(), config.schedule(), config.clipping());
        this.config = config;
        int member = 0; // position of the next partly selected tensor in the group
        for (SelectedTensor s : selected()) {
            NDArray m = newState(s.shape(), DataType.FLOAT32);
            NDArray v = newState(s.shape(), DataType.FLOAT32);
            exposeState(s.name(), "exp_avg", m);
            exposeState(s.name(), "exp_avg_sq", v);
            firstMoments.add(m);
            secondMoments.add(v);
            NDArray selectedFlags = null;
            if (!s.isFull()) {
                selectedFlags = newState(new Shape(s.shape().size()), DataType.BOOLEAN); // (n)
                selectedFlags.set(new NDIndex("{}", group().index(member++)),
                        manager.ones(new Shape(s.count()), DataType.BOOLEAN));
            }
            masks.add(selectedFlags);
        }
    }

    @Override
    void update(Map<String, NDArray> parameters, StepGradients gradients, double lr, long t) {
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, t);
        double biasCorrection2 = 1 - Math.pow(b2, t);
        perTensor(selected().size(), i -> {
            SelectedTensor s = selected().get(i);
            NDArray m = firstMoments.get(i).reshape(-1); // (n) view
            NDArray v = secondMoments.get(i).reshape(-1); // (n) view
            NDArray g = gradients.raw.get(s.name()).reshape(-1); // (n)
            if (gradients.coefficient != 1.0) {
                g = g.mul(gradients.coefficient); // the same global-norm scale as the selected gradients
            }
            NDArray p = parameters.get(s.name()).reshape(-1); // (n) view
            NDArray updated = p.mul(1 - lr * config.weightDecay()); // decoupled weight decay
            m.muli(b1).addi(g.mul(1 - b1)); // m_t = b1 m + (1 - b1) g
            v.muli(b2).addi(g.mul(g).muli(1 - b2)); // v_t = b2 v + (1 - b2) g^2
            NDArray denom = v.sqrt().divi(Math.sqrt(biasCorrection2)).addi(config.epsilon()); // sqrt(v_hat) + eps
            updated.subi(m.div(denom).muli(lr / biasCorrection1)); // theta -= lr m_hat / denom
            NDArray selectedFlags = masks.get(i);
            // Eq. (1): where() keeps the unselected scalars' exact bits.
            SelectedTensor.copyInto(p, selectedFlags == null ? updated : NDArrays.where(selectedFlags, updated, p));
        });
    }
}
