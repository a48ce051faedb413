package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.allo.fixtures.model.ReferenceDecoderConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Conversions between the fixtures' plain arrays and the model's NDArrays. */
final class ModelTestSupport {
    /** Float32 model against the double reference: |a - b| <= TOLERANCE * (1 + |b|). */
    static final double TOLERANCE = 2e-4;

    private ModelTestSupport() {}

    static DecoderConfig config(ReferenceDecoderConfig r) {
        return DecoderConfig.builder().hiddenSize(r.hiddenSize()).intermediateSize(r.intermediateSize())
                .numHiddenLayers(r.numLayers()).numAttentionHeads(r.numHeads()).numKeyValueHeads(r.numKvHeads())
                .headDim(r.headDim()).vocabSize(r.vocabSize()).rmsNormEps(r.rmsNormEps()).ropeTheta(r.ropeTheta())
                .tieWordEmbeddings(r.tieWordEmbeddings()).build();
    }

    /** A model holding exactly the given reference parameters (rounded to float). */
    static DecoderModel model(ReferenceDecoderConfig r, Map<String, double[]> params, NDManager manager) {
        return DecoderModel.fromTensors(config(r), floatTensors(r.parameterShapes(), params, manager), Device.cpu());
    }

    static NDArray ids(NDManager manager, int[][] ids) {
        long[] flat = new long[ids.length * ids[0].length];
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < ids[b].length; t++) {
                flat[b * ids[0].length + t] = ids[b][t];
            }
        }
        return manager.create(flat, new Shape(ids.length, ids[0].length));
    }

    static NDArray mask(NDManager manager, int[][] mask) {
        return ids(manager, mask).toType(DataType.INT32, false);
    }

    static NDArray floats(NDManager manager, double[][] values) {
        float[] flat = new float[values.length * values[0].length];
        for (int b = 0; b < values.length; b++) {
            for (int t = 0; t < values[b].length; t++) {
                flat[b * values[0].length + t] = (float) values[b][t];
            }
        }
        return manager.create(flat, new Shape(values.length, values[0].length));
    }

    /** A (B, T, V) array as [B][T][V]. */
    static float[][][] array3(NDArray a) {
        Shape s = a.getShape();
        float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
        int b = (int) s.get(0);
        int t = (int) s.get(1);
        int v = (int) s.get(2);
        float[][][] out = new float[b][t][v];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                System.arraycopy(flat, (i * t + j) * v, out[i][j], 0, v);
            }
        }
        return out;
    }

    /** A (B, T) array as [B][T]. */
    static float[][] array2(NDArray a) {
        Shape s = a.getShape();
        float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
        int b = (int) s.get(0);
        int t = (int) s.get(1);
        float[][] out = new float[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }

    static boolean close(double actual, double expected) {
        return Math.abs(actual - expected) <= TOLERANCE * (1 + Math.abs(expected));
    }

    /** The reference parameters rounded to float, in the order and shapes given. */
    static Map<String, NDArray> floatTensors(Map<String, int[]> shapes, Map<String, double[]> params,
            NDManager manager) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            double[] v = params.get(e.getKey());
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            long[] dims = new long[e.getValue().length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = e.getValue()[i];
            }
            tensors.put(e.getKey(), manager.create(f, new Shape(dims)));
        }
        return tensors;
    }
}
