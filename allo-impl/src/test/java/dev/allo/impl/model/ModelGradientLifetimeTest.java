package dev.allo.impl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The model's gradients do not depend on what the allocator does between forward and backward. DJL's
 * {@code add/mul/pow(Number)} free their temporary scalar right after the op, so a backward pass that reads it
 * (as {@code pow(-0.5)} in RMSNorm once did) computes from reused memory: a property test against a reference can
 * pass by luck, this one churns the allocator on purpose.
 */
class ModelGradientLifetimeTest {

    @Test
    void gradientsAreTheSameWithAndWithoutAllocatorChurnBeforeBackward() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(31).build();
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 3)) {
            Map<String, float[]> quiet = gradients(model, false);
            Map<String, float[]> churned = gradients(model, true);
            for (Map.Entry<String, float[]> e : quiet.entrySet()) {
                assertThat(churned.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
            }
        }
    }

    private static Map<String, float[]> gradients(DecoderModel model, boolean churn) {
        model.setTrainable(true);
        for (NDArray p : model.parameters().values()) {
            p.getGradient().subi(p.getGradient()); // zero
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray ids = m.create(new long[] {1, 5, 9, 3, 2, 30, 7, 8, 4, 4, 0, 11}, new Shape(2, 6));
            NDArray mask = m.ones(new Shape(2, 6));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = TokenLogProbs.unchunked().compute(model, ids, mask, mask).sum().neg();
                if (churn) {
                    for (int round = 0; round < 3; round++) {
                        System.gc();
                        for (int i = 0; i < 2000; i++) {
                            m.create(new float[] {7f, 7f, 7f, 7f}).close();
                        }
                    }
                }
                collector.backward(loss);
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((k, v) -> out.put(k, v.getGradient().toFloatArray()));
        model.setTrainable(false);
        return out;
    }
}
