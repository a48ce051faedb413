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
 * <p>Per tensor it holds {@code m, v} of the parameter's shape (8 bytes per parameter) and a boolean mask (1 byte
 * per parameter, only for partly selected tensors). Each step updates the moments of every scalar with the full
 * gradient (the moments of unselected scalars are never used), computes the AdamW result for the whole tensor, and
 * writes back {@code where(mask, updated, theta)}, so unselected scalars keep their exact bits; multiplying the
 * update by the mask would not (a -0.0 weight plus a +0.0 update is +0.0, and {@code inf * 0} is NaN).
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
        for (SelectedTensor s : selected()) {
            Shape shape = s.shape();
            firstMoments.add(addState(s.name(), "exp_avg", manager.zeros(shape, DataType.FLOAT32)));
            secondMoments.add(addState(s.name(), "exp_avg_sq", manager.zeros(shape, DataType.FLOAT32)));
            NDArray selectedFlags = null;
            if (!s.isFull()) {
                selectedFlags = manager.zeros(new Shape(shape.size()), DataType.BOOLEAN); // (n)
                selectedFlags.set(new NDIndex("{}", s.index()), manager.ones(new Shape(s.count()), DataType.BOOLEAN));
            }
            masks.add(selectedFlags);
        }
    }

    @Override
    void update(int i, SelectedTensor tensor, NDArray parameter, NDArray gradient, NDArray selectedGradient,
            double clip, double lr, long t) {
        NDArray m = firstMoments.get(i).reshape(-1); // (n) view
        NDArray v = secondMoments.get(i).reshape(-1); // (n) view
        NDArray g = gradient.reshape(-1); // (n)
        if (clip != 1.0) {
            g = g.mul(clip); // the same global-norm scale as the selected gradients
        }
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, t);
        double biasCorrection2 = 1 - Math.pow(b2, t);
        NDArray p = parameter.reshape(-1); // (n) view
        NDArray updated = p.mul(1 - lr * config.weightDecay()); // decoupled weight decay
        m.muli(b1).addi(g.mul(1 - b1)); // m_t = b1 m + (1 - b1) g
        v.muli(b2).addi(g.mul(g).muli(1 - b2)); // v_t = b2 v + (1 - b2) g^2
        NDArray denom = v.sqrt().divi(Math.sqrt(biasCorrection2)).addi(config.epsilon()); // sqrt(v_hat) + eps
        updated.subi(m.div(denom).muli(lr / biasCorrection1)); // theta -= lr m_hat / denom
        NDArray selectedFlags = masks.get(i);
        // Eq. (1): where() keeps the unselected scalars' exact bits.
        SelectedTensor.copyInto(p, selectedFlags == null ? updated : NDArrays.where(selectedFlags, updated, p));
    }

    @Override
    long extraStateBytes() {
        return masks.stream().filter(a -> a != null).mapToLong(NDArray::size).sum();
    }
}
