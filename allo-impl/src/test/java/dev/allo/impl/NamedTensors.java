package dev.allo.impl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.model.DecoderModel;
import dev.allo.mask.NeuronMask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between the plain arrays of the double-precision references and named float32 NDArrays. */
public final class NamedTensors {
    private NamedTensors() {}

    /** Hugging Face-like names for tensor {@code t}: alternating MLP and attention weights of successive layers. */
    public static String name(int t) {
        return "model.layers." + (t / 2) + (t % 2 == 0 ? ".mlp.up_proj.weight" : ".self_attn.q_proj.weight");
    }

    /** Float32 arrays with the given shapes and values (rounded to float32), named by {@link #name(int)}. */
    public static Map<String, NDArray> create(NDManager manager, long[][] shapes, double[][] values) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int t = 0; t < shapes.length; t++) {
            float[] f = new float[values[t].length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[t][i];
            }
            out.put(name(t), manager.create(f, new Shape(shapes[t])));
        }
        return out;
    }

    /** Names and shapes, in order. */
    public static Map<String, Shape> shapes(long[][] shapes) {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (int t = 0; t < shapes.length; t++) {
            out.put(name(t), new Shape(shapes[t]));
        }
        return out;
    }

    /** The names, in order. */
    public static List<String> names(int count) {
        List<String> names = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            names.add(name(t));
        }
        return names;
    }

    /** Flat row-major values of every array, widened to double. */
    public static double[][] values(Map<String, NDArray> arrays) {
        double[][] out = new double[arrays.size()][];
        int t = 0;
        for (NDArray a : arrays.values()) {
            float[] f = a.toFloatArray();
            out[t] = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[t][i] = f[i];
            }
            t++;
        }
        return out;
    }

    /** The raw float32 bits of every array, for bit-identity checks. */
    public static int[][] bits(Map<String, NDArray> arrays) {
        int[][] out = new int[arrays.size()][];
        int t = 0;
        for (NDArray a : arrays.values()) {
            float[] f = a.toFloatArray();
            out[t] = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                out[t][i] = Float.floatToRawIntBits(f[i]);
            }
            t++;
        }
        return out;
    }

    /** The raw float32 bits of every weight of a model by name (16-bit weights widened exactly). */
    public static Map<String, int[]> weightBits(DecoderModel model) {
        Map<String, int[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = model.weights(m);
            int[][] bits = bits(weights);
            int t = 0;
            for (String name : weights.keySet()) {
                out.put(name, bits[t++]);
            }
        }
        return out;
    }

    /** The mask as booleans per tensor and flat index, in the mask's tensor order. */
    public static boolean[][] selected(NeuronMask mask) {
        List<String> names = mask.tensorNames();
        boolean[][] out = new boolean[names.size()][];
        for (int t = 0; t < names.size(); t++) {
            out[t] = new boolean[(int) mask.size(names.get(t))];
            for (int i : mask.indices(names.get(t))) {
                out[t][i] = true;
            }
        }
        return out;
    }

    /** A mask from booleans per tensor and flat index. */
    public static NeuronMask mask(long[][] shapes, boolean[][] selected) {
        NeuronMask.Builder b = NeuronMask.builder();
        for (int t = 0; t < shapes.length; t++) {
            int count = 0;
            for (boolean s : selected[t]) {
                count += s ? 1 : 0;
            }
            int[] idx = new int[count];
            int at = 0;
            for (int i = 0; i < selected[t].length; i++) {
                if (selected[t][i]) {
                    idx[at++] = i;
                }
            }
            b.add(name(t), new Shape(shapes[t]), idx);
        }
        return b.build();
    }
}
