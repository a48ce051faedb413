package dev.allo.impl.ila;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.fixtures.ila.ReferenceGates;
import dev.allo.importance.ImportanceScores;
import dev.allo.mask.MaskSelector;
import dev.allo.mask.NeuronMask;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Masks and scores from a significance ranking; the Markdown table, heat map and top-H overlap. */
class IlaMasksAndReportTest {
    private static final List<String> MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    @TempDir
    Path tmp;

    private static String name(int layer, String module) {
        String block = module.endsWith("_proj") && List.of("gate_proj", "up_proj", "down_proj").contains(module)
                ? "mlp" : "self_attn";
        return "model.layers." + layer + "." + block + "." + module + ".weight";
    }

    private static LayerSignificance significance(double[] logits) {
        List<LayerSignificance.Entry> entries = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            entries.add(new LayerSignificance.Entry(name(i / 7, MODULES.get(i % 7)), i / 7, MODULES.get(i % 7),
                    logits[i]));
        }
        return new LayerSignificance(entries);
    }

    private static Map<String, Shape> shapes(int layers) {
        Map<String, Shape> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", new Shape(5, 2));
        for (int l = 0; l < layers; l++) {
            for (String m : MODULES) {
                out.put(name(l, m), new Shape(2, 3));
            }
        }
        out.put("model.norm.weight", new Shape(2));
        return out;
    }

    @Test
    void topLayersAndFreezeBottomSelectWholeMatrices() {
        LayerSignificance s = significance(new double[] {3, -1, 2, 0.5, -2, 1, 4, -3, 0, 0, 1.5, -0.5, 2.5, -4});
        Map<String, Shape> shapes = shapes(2);
        NeuronMask top = IlaMasks.topLayers(s, 3, shapes);
        assertThat(s.top(3)).containsExactly(name(0, "down_proj"), name(0, "q_proj"), name(1, "up_proj"));
        for (String n : shapes.keySet()) {
            assertThat(top.selectedCount(n)).as(n).isEqualTo(s.top(3).contains(n) ? shapes.get(n).size() : 0);
        }
        NeuronMask frozen = IlaMasks.freezeBottom(s, 0.25, shapes); // ceil(0.25 * 14) = 4 frozen
        assertThat(s.bottom(0.25)).containsExactly(name(1, "down_proj"), name(1, "q_proj"), name(0, "gate_proj"),
                name(0, "k_proj"));
        for (String n : shapes.keySet()) {
            assertThat(frozen.isFull(n)).as(n).isEqualTo(!s.bottom(0.25).contains(n));
        }
        assertThat(s.top(2)).containsExactly(name(0, "down_proj"), name(0, "q_proj"));
        // ties (two logits 0) rank in model order
        assertThat(s.ranked().get(7).name()).isEqualTo(name(1, "k_proj"));
        assertThat(s.ranked().get(8).name()).isEqualTo(name(1, "v_proj"));
    }

    @Test
    void neuronScoresInsideSignificantLayers() {
        LayerSignificance s = significance(new double[] {3, -1, 2, 0.5, -2, 1, 4});
        Map<String, Shape> shapes = shapes(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> raw = new LinkedHashMap<>();
            Random r = new Random(3);
            shapes.forEach((n, sh) -> {
                float[] v = new float[(int) sh.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = r.nextFloat();
                }
                raw.put(n, m.create(v, sh));
            });
            Map<String, float[]> values = new LinkedHashMap<>();
            raw.forEach((k, v) -> values.put(k, v.toFloatArray()));
            try (ImportanceScores neurons = ImportanceScores.of(raw);
                    ImportanceScores within = IlaMasks.withinLayers(neurons, s.top(2));
                    ImportanceScores weighted = IlaMasks.gateWeighted(neurons, s)) {
                for (String n : shapes.keySet()) {
                    float[] w = within.get(n).toFloatArray();
                    float[] g = weighted.get(n).toFloatArray();
                    double gamma = s.entries().stream().filter(e -> e.name().equals(n)).mapToDouble(e ->
                            ReferenceGates.sigmoid(e.logit())).findFirst().orElse(0);
                    for (int i = 0; i < w.length; i++) {
                        assertThat(w[i]).isEqualTo(s.top(2).contains(n) ? values.get(n)[i] : Float.NEGATIVE_INFINITY);
                        assertThat((double) g[i]).isCloseTo(values.get(n)[i] * gamma,
                                org.assertj.core.data.Offset.offset(1e-6));
                    }
                    assertThat(neurons.get(n).toFloatArray()).isEqualTo(values.get(n));
                }
                NeuronMask mask = MaskSelector.globalTopK(0.1).select(within); // 0.1 * 52 -> 6 = one matrix
                for (String n : shapes.keySet()) {
                    if (mask.selectedCount(n) > 0) {
                        assertThat(s.top(2)).contains(n);
                    }
                }
            }
        }
    }

    @Test
    void scoresGiveEveryScalarItsMatrixLogitAndOthersMinusInfinity() {
        LayerSignificance s = significance(new double[] {3, -1, 2, 0.5, -2, 1, 4});
        try (ImportanceScores scores = s.toScores(shapes(1), Device.cpu())) {
            assertThat(scores.names()).containsExactlyElementsOf(shapes(1).keySet());
            assertThat(scores.get(name(0, "v_proj")).toFloatArray()).containsOnly(2f);
            assertThat(scores.get("model.norm.weight").toFloatArray()).containsOnly(Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void topHOverlapEqualsTheReference() {
        qt().withFixedSeed(8301).withExamples(50).forAll(integers().between(1, 4), integers().between(1, 28),
                longs().all()).checkAssert((layers, hRaw, seed) -> {
                    int m = 7 * layers;
                    int h = Math.min(hRaw, m);
                    Random r = new Random(seed);
                    double[] a = new double[m];
                    double[] b = new double[m];
                    for (int i = 0; i < m; i++) {
                        a[i] = Math.round(4 * r.nextGaussian()) / 2.0; // ties occur
                        b[i] = r.nextBoolean() ? a[i] : r.nextGaussian();
                    }
                    assertThat(SignificanceReport.overlap(significance(a), significance(b), h))
                            .isEqualTo(ReferenceGates.overlap(a, b, h));
                });
    }

    @Test
    void markdownTableAndHeatMap() throws Exception {
        LayerSignificance s = significance(new double[] {3, -1, 2, 0.5, -2, 1, 4, -3, 0, 0, 1.5, -0.5, 2.5, -4});
        String table = SignificanceReport.markdownTable(s);
        String[] lines = table.split("\n");
        assertThat(lines).hasSize(16);
        assertThat(lines[0]).isEqualTo("| rank | matrix | layer | module | s | gamma |");
        assertThat(lines[2]).isEqualTo("| 1 | `model.layers.0.mlp.down_proj.weight` | 0 | down_proj | 4.0000 | "
                + String.format(java.util.Locale.ROOT, "%.4f", ReferenceGates.sigmoid(4)) + " |");
        assertThat(lines[15]).startsWith("| 14 | `model.layers.1.mlp.down_proj.weight` | 1 | down_proj | -4.0000 |");
        Path png = tmp.resolve("charts/ila.png");
        SignificanceReport.writeHeatMap(s, "ILA layer significance", png, 640, 400);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(400);
        try (var listing = Files.list(png.getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("ila.png");
        }
    }
}
