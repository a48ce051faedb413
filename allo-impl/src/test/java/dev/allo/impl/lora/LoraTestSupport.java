package dev.allo.impl.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.tokenizer.ByteTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Conversions between the fixtures' double arrays and NDArrays, shared by the LoRA and ILA tests. */
public final class LoraTestSupport {
    /** Float32 against the double reference: |a - b| <= TOLERANCE * (1 + |b|). */
    public static final double TOLERANCE = 2e-4;

    private LoraTestSupport() {}

    /**
     * The model config of a reference config.
     *
     * @param r reference config
     * @return the config
     */
    public static DecoderConfig config(ReferenceDecoderConfig r) {
        return DecoderConfig.builder().hiddenSize(r.hiddenSize()).intermediateSize(r.intermediateSize())
                .numHiddenLayers(r.numLayers()).numAttentionHeads(r.numHeads()).numKeyValueHeads(r.numKvHeads())
                .headDim(r.headDim()).vocabSize(r.vocabSize()).rmsNormEps(r.rmsNormEps()).ropeTheta(r.ropeTheta())
                .tieWordEmbeddings(r.tieWordEmbeddings()).build();
    }

    /**
     * A model holding the given parameters rounded to float.
     *
     * @param r reference config
     * @param params flattened parameters
     * @return the model
     */
    public static DecoderModel model(ReferenceDecoderConfig r, Map<String, double[]> params) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, int[]> e : r.parameterShapes().entrySet()) {
                tensors.put(e.getKey(), array(m, params.get(e.getKey()), e.getValue()));
            }
            return DecoderModel.fromTensors(config(r), tensors, Device.cpu());
        }
    }

    /**
     * A float32 array of doubles.
     *
     * @param m manager
     * @param values flattened values
     * @param shape dims
     * @return the array
     */
    public static NDArray array(NDManager m, double[] values, int[] shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        long[] dims = new long[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape[i];
        }
        return m.create(f, new Shape(dims));
    }

    /**
     * Widens an array's values to double.
     *
     * @param a array
     * @return values
     */
    public static double[] doubles(NDArray a) {
        float[] f = a.toType(DataType.FLOAT32, false).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * Ids or mask as an int64 array.
     *
     * @param m manager
     * @param rows values
     * @return {@code (B, T)}
     */
    public static NDArray ints(NDManager m, int[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int b = 0; b < rows.length; b++) {
            for (int t = 0; t < rows[b].length; t++) {
                flat[b * rows[0].length + t] = rows[b][t];
            }
        }
        return m.create(flat, new Shape(rows.length, rows[0].length));
    }

    /**
     * Checks logits of real tokens against a reference.
     *
     * @param actual {@code (B, T, V)}
     * @param expected {@code [B][T][V]}
     * @param mask {@code [B][T]}
     * @param what description
     */
    public static void assertLogitsClose(NDArray actual, double[][][] expected, int[][] mask, String what) {
        float[] flat = actual.toFloatArray();
        int t = expected[0].length;
        int v = expected[0][0].length;
        for (int b = 0; b < expected.length; b++) {
            for (int j = 0; j < t; j++) {
                if (mask[b][j] == 0) {
                    continue;
                }
                for (int k = 0; k < v; k++) {
                    double e = expected[b][j][k];
                    assertThat((double) flat[(b * t + j) * v + k]).as("%s logits[%d][%d][%d]", what, b, j, k)
                            .isCloseTo(e, org.assertj.core.data.Offset.offset(TOLERANCE * (1 + Math.abs(e))));
                }
            }
        }
    }

    /**
     * Small preference pairs over the byte tokenizer.
     *
     * @param count how many
     * @return the pairs
     */
    public static List<TokenizedPair> pairs(int count) {
        ByteTokenizer tok = ByteTokenizer.create();
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String prompt = "q" + i + ":";
            String chosen = "yes" + "!".repeat(i % 3);
            String rejected = "no" + i;
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of(prompt, chosen, rejected), tok.encode(prompt),
                    tok.encode(chosen), tok.encode(rejected), Optional.empty()));
        }
        return out;
    }
}
