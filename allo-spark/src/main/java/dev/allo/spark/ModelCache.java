package dev.allo.spark;

import ai.djl.Device;
import dev.allo.AlloException;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of this JVM, loaded once per path and kept until the JVM ends: every task of an executor (and the
 * driver in local mode) shares them, so a model is read once per executor, not per row, batch or task. The models
 * are only read (forward passes without gradient), which the engine allows from several task threads at once.
 */
public final class ModelCache {
    private static final Map<String, DecoderModel> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ModelCache() {}

    /**
     * The model of a Hugging Face checkpoint directory, loaded on the CPU the first time this JVM asks for it.
     *
     * @param path a directory every executor can read (a shared file system), with {@code config.json} and
     *     safetensors weights
     * @return the shared model; never close it
     * @throws AlloException naming the path and the host when the directory cannot be read here
     */
    public static DecoderModel get(String path) {
        return MODELS.computeIfAbsent(path, ModelCache::load);
    }

    /**
     * How many models this JVM has loaded.
     *
     * @return the number of loads since the JVM started
     */
    public static int loads() {
        return LOADS.get();
    }

    private static DecoderModel load(String path) {
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir) || !Files.isReadable(dir) || !Files.isRegularFile(dir.resolve("config.json"))) {
            throw new AlloException("model path " + path + " is not a readable checkpoint directory (with"
                    + " config.json) on host " + host() + ": every executor must be able to read it (a shared file"
                    + " system, or the same path on every worker)");
        }
        try {
            DecoderModel model = DecoderCheckpoints.load(dir, Device.cpu());
            LOADS.incrementAndGet();
            return model;
        } catch (RuntimeException e) {
            throw new AlloException("cannot load the model at " + path + " on host " + host() + ": " + e.getMessage(),
                    e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
