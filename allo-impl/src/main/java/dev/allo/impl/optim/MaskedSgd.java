package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.SgdConfig;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum on the selected scalars only, with the semantics of {@code torch.optim.SGD} restricted to them
 * (see {@link SgdConfig}): the momentum buffer (only when momentum is non-zero) and the coupled weight decay exist
 * for selected scalars alone, and unselected scalars are never read or written, so they stay bit-identical. Gather,
 * scatter and the state layout work as in {@link SparseAdamW}; snapshots name the buffers
 * {@code "<name>/momentum_buffer"}.
 */
public final class MaskedSgd extends MaskedOptimizerBase {
    private final SgdConfig config;
    private final List<NDArray> buffers;

    /**
     * Creates the optimiser and, when momentum is on, its zero momentum buffers.
     *
     * @param config the SGD hyper-parameters, schedule and clipping
     * @param mask the scalars to train; must match {@code parameters}
     * @param parameters the model's parameters (float32, one device), used for validation and the device
     * @throws IllegalArgumentException if the mask does not match the parameters (naming the tensor)
     */
    public MaskedSgd(SgdConfig config, NeuronMask mask, Map<String, NDArray> parameters) {
        super("MaskedSgd", mask, parameters, config.learningRate(), config.schedule(), config.clipping());
        this.config = config;
        this.buffers = config.momentum() != 0 ? newSelectedState("momentum_buffer") : null;
    }

    @Override
    void update(Map<String, NDArray> parameters, StepGradients gradients, double lr, long t) {
        if (gradients.group != null) {
            NDArray p = group().gather(parameters, a -> a, gradients.groupIndices); // (K) copy of the selected weights
            sgd(p, gradients.group, buffers == null ? null : buffers.get(0), lr, t);
            group().scatter(parameters, p, gradients.groupIndices); // Eq. (1): only the selected scalars are written
        }
        perTensor(full().size(), i -> {
            NDArray p = SelectedTensor.flat(parameters.get(full().get(i).name())); // (n) view: updated in place
            sgd(p, gradients.clippedFull(i), buffers == null ? null : buffers.get(i + 1), lr, t);
        });
    }

    /** The SGD update of {@link SgdConfig}, in place on {@code p} and the buffer; {@code g} is read only. */
    private void sgd(NDArray p, NDArray g, NDArray buffer, double lr, long t) {
        double mu = config.momentum();
        if (config.weightDecay() != 0) {
            g = g.add(p.mul(config.weightDecay())); // g + wd * theta (coupled L2)
        }
        if (buffer != null) {
            if (t == 1) {
                SelectedTensor.copyInto(buffer, g); // b_1 = g, as torch (no dampening on the first step)
            } else {
                buffer.muli(mu).addi(g.mul(1 - config.dampening())); // b_t = mu b + (1 - dampening) g
            }
            g = config.nesterov() ? g.add(buffer.mul(mu)) : buffer;
        }
        p.subi(g.mul(lr)); // theta -= lr g
    }
}
