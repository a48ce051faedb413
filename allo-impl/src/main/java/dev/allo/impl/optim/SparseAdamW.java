package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.AdamWConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW that keeps moments only for the selected scalars: the default masked optimiser (ALLO Eq. 1 with AdamW).
 *
 * <p>Per tensor with {@code K} selected scalars it holds the int32 flat indices and the two moments {@code m, v},
 * each {@code (K)}: 12 bytes per selected scalar, 1.2 bytes per model parameter at a 10% mask (dense AdamW: 8).
 * Each step gathers the selected gradients and weights by index, runs the {@link AdamWConfig} update on those
 * {@code (K)} vectors, and writes the weights back with an index-put; no other scalar is read or written, so every
 * unselected scalar stays bit-identical. Adam's update is element-wise, so this equals AdamW on the full tensor
 * restricted to the selected indices. A fully selected tensor skips gather and scatter and is updated in place; with
 * {@link NeuronMask#all} this is plain full-parameter AdamW.
 */
public final class SparseAdamW extends MaskedOptimizerBase {
    private final AdamWConfig config;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();

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
        for (SelectedTensor s : selected()) {
            Shape k = new Shape(s.count());
            firstMoments.add(addState(s.name(), "exp_avg", manager.zeros(k, DataType.FLOAT32)));
            secondMoments.add(addState(s.name(), "exp_avg_sq", manager.zeros(k, DataType.FLOAT32)));
        }
    }

    @Override
    void update(int i, SelectedTensor tensor, NDArray parameter, NDArray gradient, NDArray g, double clip,
            double lr, long t) {
        NDArray m = firstMoments.get(i); // (K)
        NDArray v = secondMoments.get(i); // (K)
        double b1 = config.beta1();
        double b2 = config.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, t);
        double biasCorrection2 = 1 - Math.pow(b2, t);
        NDArray p = tensor.gather(parameter); // (K): a copy, or the parameter's own view when fully selected
        p.muli(1 - lr * config.weightDecay()); // decoupled weight decay
        m.muli(b1).addi(g.mul(1 - b1)); // m_t = b1 m + (1 - b1) g
        v.muli(b2).addi(g.mul(g).muli(1 - b2)); // v_t = b2 v + (1 - b2) g^2
        NDArray denom = v.sqrt().divi(Math.sqrt(biasCorrection2)).addi(config.epsilon()); // sqrt(v_hat) + eps
        p.subi(m.div(denom).muli(lr / biasCorrection1)); // theta -= lr m_hat / denom
        tensor.scatter(parameter, p); // Eq. (1): only the selected scalars are written
    }
}
