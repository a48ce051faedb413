package dev.allo;

import ai.djl.Device;
import dev.allo.model.CausalLm;
import dev.allo.model.SaveOptions;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.spi.AlloProvider;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The library's entry point. The API module holds no engine code: it finds its implementation, {@code allo-impl},
 * on the class path with {@link ServiceLoader} and fails fast with a message naming the missing artifact.
 */
public final class Allo {
    private static volatile AlloProvider provider;

    private Allo() {}

    /**
     * Starts describing an alignment run: model, tokenizer, data and stages.
     *
     * @return a new builder
     */
    public static AlignmentBuilder builder() {
        return new AlignmentBuilder();
    }

    /**
     * Loads a causal language model from a Hugging Face checkpoint directory.
     *
     * @param directory a directory with {@code config.json} and safetensors weights
     * @param device where the parameters go
     * @return the model; the caller closes it
     */
    public static CausalLm loadModel(Path directory, Device device) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(device, "device");
        return provider().loadModel(directory, device);
    }

    /**
     * Saves a model as a Hugging Face checkpoint directory.
     *
     * @param model the model
     * @param directory the target directory; written atomically
     */
    public static void saveModel(CausalLm model, Path directory) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(directory, "directory");
        provider().saveModel(model, directory);
    }

    /**
     * Saves a model with its tokenizer as a directory that {@code transformers} loads with
     * {@code AutoModelForCausalLM.from_pretrained} and {@code AutoTokenizer.from_pretrained}: the files
     * {@code save_pretrained} writes for both. The tokenizer's files go into the same atomic write as the weights, so
     * the directory never holds a model without its tokenizer. A tokenizer without Hugging Face files (such as the
     * built-in {@link dev.allo.tokenizer.ByteTokenizer}) adds no files.
     *
     * @param model the model
     * @param tokenizer the model's tokenizer
     * @param directory the target directory; written atomically, an existing one replaced
     * @param options the stored weight type and shard size
     */
    public static void saveModel(CausalLm model, Tokenizer tokenizer, Path directory, SaveOptions options) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(options, "options");
        provider().saveModel(model, tokenizer, directory, options);
    }

    /**
     * The implementation found on the class path.
     *
     * @return the provider
     * @throws IllegalStateException when no implementation, or more than one, is on the class path
     */
    public static AlloProvider provider() {
        AlloProvider p = provider;
        if (p == null) {
            synchronized (Allo.class) {
                p = provider;
                if (p == null) {
                    p = loadProvider();
                    provider = p;
                }
            }
        }
        return p;
    }

    private static AlloProvider loadProvider() {
        List<AlloProvider> found = new ArrayList<>();
        ServiceLoader.load(AlloProvider.class).forEach(found::add);
        if (found.isEmpty()) {
            throw new IllegalStateException(
                    "No ALLO implementation on the class path: add the dependency dev.allo:allo-impl "
                            + "(it registers " + AlloProvider.class.getName() + " through ServiceLoader)");
        }
        if (found.size() > 1) {
            List<String> names = new ArrayList<>();
            found.forEach(f -> names.add(f.name()));
            throw new IllegalStateException("More than one ALLO implementation on the class path: " + names
                    + "; keep exactly one");
        }
        return found.get(0);
    }
}
