package dev.allo.impl.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import dev.allo.mask.TensorFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MaskSelectorTest {

    /** Scores with ties: layer 0 holds {3, 1, 2, 2}, layer 1 holds {2, 5}, the norm {2}. */
    static <T> T withScores(Function<ImportanceScores, T> body) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> s = new LinkedHashMap<>();
            s.put("model.layers.0.mlp.up_proj.weight", manager.create(new float[] {3, 1, 2, 2}, new Shape(2, 2)));
            s.put("model.layers.1.mlp.up_proj.weight", manager.create(new float[] {2, 5}));
            s.put("model.norm.weight", manager.create(new float[] {2}));
            try (ImportanceScores scores = ImportanceScores.of(s)) {
                return body.apply(scores);
            }
        }
    }

    @Test
    void tiesGoToTheLowerTensorThenTheLowerIndex() {
        // 7 scalars, ratio 0.5 -> ceil(3.5) = 4: the 5, the 3, then two of the four 2s in (tensor, index) order.
        NeuronMask mask = withScores(MaskSelector.globalTopK(0.5)::select);
        assertThat(mask.indices("model.layers.0.mlp.up_proj.weight")).containsExactly(0, 2, 3);
        assertThat(mask.indices("model.layers.1.mlp.up_proj.weight")).containsExactly(1);
        assertThat(mask.selectedCount("model.norm.weight")).isZero();
    }

    @Test
    void lastKTakesTheSmallestWithTheSameTieRule() {
        // ceil(0.3 * 7) = ceil(2.1) = 3: the 1, then the first two 2s.
        NeuronMask mask = withScores(MaskSelector.lastK(0.3)::select);
        assertThat(mask.indices("model.layers.0.mlp.up_proj.weight")).containsExactly(1, 2, 3);
        assertThat(mask.selectedCount()).isEqualTo(3);
    }

    @Test
    void perTensorTopKTakesCeilKnOfEachTensor() {
        NeuronMask mask = withScores(MaskSelector.perTensorTopK(0.5)::select);
        assertThat(mask.indices("model.layers.0.mlp.up_proj.weight")).containsExactly(0, 2);
        assertThat(mask.indices("model.layers.1.mlp.up_proj.weight")).containsExactly(1);
        assertThat(mask.isFull("model.norm.weight")).isTrue();
    }

    @Test
    void filtersIncludeAndExcludeByGlob() {
        NeuronMask mask = withScores(MaskSelector.globalTopK(1.0,
                TensorFilter.all().including("model.layers.*").excluding("*.1.*"))::select);
        assertThat(mask.isFull("model.layers.0.mlp.up_proj.weight")).isTrue();
        assertThat(mask.selectedCount("model.layers.1.mlp.up_proj.weight")).isZero();
        assertThat(mask.selectedCount("model.norm.weight")).isZero();
        assertThat(mask.tensorNames()).hasSize(3);
        assertThat(TensorFilter.matches("model.layers.?.mlp.*", "model.layers.3.mlp.down_proj.weight")).isTrue();
        assertThat(TensorFilter.matches("model.layers.?.mlp.*", "model.layers.13.mlp.down_proj.weight")).isFalse();
        assertThat(TensorFilter.matches("model.norm", "model.norm.weight")).isFalse();
    }

    @Test
    void selectionCountIsExactCeiling() {
        assertThat(MaskSelector.selectionCount(0.3, 10)).isEqualTo(3);
        assertThat(MaskSelector.selectionCount(0.1, 50_000_000)).isEqualTo(5_000_000);
        assertThat(MaskSelector.selectionCount(0.1, 11)).isEqualTo(2);
        assertThat(MaskSelector.selectionCount(1.0, 0)).isZero();
        assertThat(MaskSelector.selectionCount(1e-9, 3)).isEqualTo(1);
    }

    @Test
    void badInputGivesClearErrors() {
        for (double bad : new double[] {0.0, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> MaskSelector.globalTopK(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("ratio must be in (0, 1], got " + bad);
        }
        assertThatThrownBy(() -> MaskSelector.random(2.0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ratio must be in (0, 1], got 2.0");
        assertThatThrownBy(() -> withScores(MaskSelector.globalTopK(0.1,
                TensorFilter.all().excluding("*.mlp.gate_proj.*"))::select))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exclude pattern '*.mlp.gate_proj.*' matches no tensor (tensors: "
                        + "[model.layers.0.mlp.up_proj.weight");
        assertThatThrownBy(() -> withScores(MaskSelector.perTensorTopK(0.1,
                TensorFilter.all().including("lm_head.weight"))::select))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("include pattern 'lm_head.weight' matches no tensor");
        assertThatThrownBy(() -> withScores(MaskSelector.globalTopK(0.1,
                TensorFilter.all().excluding("*"))::select))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaves no tensor to select from");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> s = new LinkedHashMap<>();
            s.put("w", manager.create(new float[] {1, Float.NaN}));
            try (ImportanceScores scores = ImportanceScores.of(s)) {
                assertThatThrownBy(() -> MaskSelector.globalTopK(0.5).select(scores))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("importance scores of tensor 'w' contain NaN; every score must be a number");
            }
        }
    }
}
