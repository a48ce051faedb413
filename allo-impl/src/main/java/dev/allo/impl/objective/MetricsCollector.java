package dev.allo.impl.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects named scalar arrays and reads them back to the host in one transfer, keeping their order. */
final class MetricsCollector {

    private final List<String> names = new ArrayList<>();
    private final List<NDArray> values = new ArrayList<>();

    /**
     * Adds a metric.
     *
     * @param name the metric name
     * @param scalar a scalar array; its gradient is not tracked
     */
    void put(String name, NDArray scalar) {
        names.add(name);
        values.add(scalar.stopGradient().toType(DataType.FLOAT32, false).reshape(1));
    }

    /**
     * Appends every metric of another collector, in its order.
     *
     * @param other the metrics to append
     */
    void putAll(MetricsCollector other) {
        names.addAll(other.names);
        values.addAll(other.values);
    }

    /**
     * Reads every metric back to the host.
     *
     * @return name to value, in insertion order
     */
    Map<String, Float> read() {
        Map<String, Float> out = new LinkedHashMap<>();
        if (values.isEmpty()) {
            return out;
        }
        float[] host = NDArrays.concat(new NDList(values)).toFloatArray();
        for (int i = 0; i < host.length; i++) {
            out.put(names.get(i), host[i]);
        }
        return out;
    }
}
