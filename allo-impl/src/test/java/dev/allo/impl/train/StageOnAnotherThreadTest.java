package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A stage trains on a thread other than the one that started the engine (where PyTorch's grad mode is on by default)
 * and ends with the same weights as on this thread.
 */
class StageOnAnotherThreadTest {
    private static Map<String, float[]> trained() {
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(CheckpointFixture.ADAMW,
                CheckpointFixture.mask(model), model.parameters())) {
            CheckpointFixture.stage(model, opt).build().run();
            return TinyStage.weights(model);
        }
    }

    @Test
    void aStageOnAFreshThreadEndsWithTheWeightsOfOneOnThisThread() throws Exception {
        Map<String, float[]> here = trained(); // starts the engine on this thread
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Map<String, float[]> there = other.submit(StageOnAnotherThreadTest::trained).get();
            assertThat(there.keySet()).containsExactlyElementsOf(here.keySet());
            here.forEach((k, v) -> assertThat(there.get(k)).as(k).isEqualTo(v));
        } finally {
            other.shutdownNow();
        }
    }
}
