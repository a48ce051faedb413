package dev.allo.impl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.mask.NeuronMask;
import dev.allo.optim.SgdConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum on the selected scalars only, with the semantics of {@code torch.optim.SGD} restricted to them
 * (see {@link SgdConfig}): the momentum buffer ({@code (K)}, only when momentum is non-zero) and the coupled weight
 * decay exist for selected scalars alone, and unselected scalars are never read or written, so they stay
 * bit-identical. Gather and scatter work as in {@link SparseAdamW}.
 */
public final class MaskedSgd extends MaskedOptimizerBase {
    private final SgdConfig config;
    private final List<NDArray> buffers = new ArrayList<>();

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
        if (config.momentum() != 0) {
            for (SelectedTensor s : selected()) {
                buffers.add(addState(s.name(), "momentum_buffer",
                        manager.zeros(new Shape(s.count()), DataType.FLOAT32)));
            }
        }
    }

    @Override
    void update(int i, SelectedTensor tensor, NDArray parameter, NDArray gradient, NDArray g, double clip,
            double lr, long t) {
        NDArray p = tensor.gather(parameter); // (K): a copy, or the parameter's own view when fully selected
        double mu = config.momentum();
        if (config.weightDecay() != 0) {
            g = g.add(p.mul(config.weightDecay())); // g + wd * theta (coupled L2)
        }
        if (mu != 0) {
            NDArray buffer = buffers.get(i); // (K)
            if (t == 1) {
                SelectedTensor.copyInto(buffer, g); // b_1 = g, as torch (no dampening on the first step)
            } else {
                buffer.muli(mu).addi(g.mul(1 - config.dampening())); // b_t = mu b + (1 - dampening) g
            }
            g = config.nesterov() ? g.add(buffer.mul(mu)) : buffer;
        }
        p.subi(g.mul(lr)); // theta -= lr g
        tensor.scatter(parameter, p); // Eq. (1): only the selected scalars are written
    }
}
