package dev.allo.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.examples.bench.BenchmarkFigure.Verdict;
import dev.allo.impl.model.DecoderConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Qwen2.5-0.5B-shaped benchmark at toy size: every figure is measured and the checkpoint is cleaned up. */
class Qwen25ScaleBenchmarkTest {
    @TempDir
    Path scratch;

    @Test
    void theFullShapeIsQwen25HalfBillionParameters() {
        DecoderConfig qwen = Qwen25ScaleBenchmark.qwen25(24);
        assertThat(qwen.modelType()).isEqualTo("qwen2");
        assertThat(qwen.qkvBias()).isTrue();
        assertThat(qwen.tieWordEmbeddings()).isTrue();
        assertThat(qwen.headDim()).isEqualTo(64);
        assertThat(qwen.parameterCount()).isEqualTo(494_032_768L); // the model card's 0.49B
    }

    @Test
    void aToyRunMeasuresLoadThroughputAndMemoryAndDeletesTheCheckpoint() throws IOException {
        DecoderConfig toy = DecoderConfig.builder().modelType("qwen2").hiddenSize(32).intermediateSize(48)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(64).tieWordEmbeddings(true)
                .build();

        List<BenchmarkFigure> figures = Qwen25ScaleBenchmark.run(toy, 16, new int[] {1, 2}, 1, 2, 2, scratch);

        assertThat(figures).extracting(BenchmarkFigure::unit)
                .containsExactly("s", "s/GB", "tokens/s", "%", "GiB", "tokens/s", "%", "GiB");
        assertThat(figures).allSatisfy(f -> assertThat(f.measured()).isFinite().isPositive());
        assertThat(figures.get(1).verdict()).isNotEqualTo(Verdict.NO_TARGET);
        assertThat(figures.get(2).figure()).contains("batch 1 x 16");
        assertThat(figures.get(5).figure()).contains("batch 2 x 16");
        // The peak over the steps is at least the resident size of this JVM with its engine loaded.
        assertThat(figures.get(4).measured() * 1024).isGreaterThan(50);
        assertThat(scratch.resolve("checkpoint")).doesNotExist();
    }

    @Test
    void countsOutOfRangeAreRefusedBeforeAnythingIsWritten() {
        DecoderConfig toy = DecoderConfig.builder().modelType("qwen2").hiddenSize(32).intermediateSize(48)
                .numHiddenLayers(1).numAttentionHeads(4).vocabSize(64).build();
        assertThatThrownBy(() -> Qwen25ScaleBenchmark.run(toy, 16, new int[] {1}, 1, 0, 2, scratch))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps=0");
        assertThat(scratch.resolve("checkpoint")).doesNotExist();
    }
}
