package dev.allo.examples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.Allo;
import dev.allo.impl.model.GenerationConfig;
import dev.allo.impl.model.LlamaConfig;
import dev.allo.impl.model.LlamaModel;
import dev.allo.impl.model.TokenGenerator;
import dev.allo.impl.model.TokenLogProbs;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The README's main job, on built-in defaults: a tiny LLaMA-architecture model with the byte-level tokenizer is
 * created, saved as a Hugging Face checkpoint, loaded back, and used for a forward pass, per-token log-probabilities
 * and generation with a key/value cache (greedy and sampled).
 *
 * <p>Arguments (all optional): the output directory (default {@code allo-output/quickstart}).
 */
public final class QuickStart {
    private QuickStart() {}

    /**
     * Runs the quick start.
     *
     * @param args optional output directory
     */
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "allo-output/quickstart").toAbsolutePath();
        Device device = Engine.getInstance().defaultDevice();
        Tokenizer tokenizer = ByteTokenizer.create();
        LlamaConfig config = LlamaConfig.builder().hiddenSize(64).intermediateSize(172).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(tokenizer.vocabSize())
                .maxPositionEmbeddings(512).bosTokenId(tokenizer.bosId().orElseThrow())
                .eosTokenIds(List.of(tokenizer.eosId().orElseThrow())).padTokenId(tokenizer.padId().orElseThrow())
                .build();
        System.out.printf("Engine %s %s on %s%n", Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(), device);
        try (LlamaModel model = LlamaModel.random(config, device, 42)) {
            System.out.printf("Model: %d layers, hidden %d, %d heads (%d key/value), vocabulary %d, %,d parameters%n",
                    config.numHiddenLayers(), config.hiddenSize(), config.numAttentionHeads(),
                    config.numKeyValueHeads(), config.vocabSize(), config.parameterCount());
            Allo.saveModel(model, out.resolve("model"));
            System.out.println("Saved Hugging Face checkpoint: " + out.resolve("model"));
        }
        String text = "The answer is: 42";
        try (LlamaModel model = (LlamaModel) Allo.loadModel(out.resolve("model"), device);
                NDManager manager = NDManager.newBaseManager(device)) {
            int[] ids = withBos(tokenizer, tokenizer.encode(text));
            NDArray input = manager.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length));
            NDArray attention = manager.ones(new Shape(1, ids.length));
            NDArray logits = model.forward(input, attention); // (1, T, V)
            NDArray logProbs = TokenLogProbs.chunked(8).compute(model, input, attention, attention); // (1, T)
            System.out.printf("Forward: logits %s; log P(\"%s\") = %.3f nats (untrained: about T ln V = %.1f)%n",
                    logits.getShape(), text, logProbs.sum().getFloat(),
                    (ids.length - 1) * Math.log(config.vocabSize()));
            TokenGenerator generator = new TokenGenerator(model);
            int[] prompt = withBos(tokenizer, tokenizer.encode("Q: 2 + 3?\nA:"));
            List<Integer> eos = List.of(tokenizer.eosId().orElseThrow());
            int[] greedy = generator.generate(prompt, GenerationConfig.greedy(24).withEosTokenIds(eos));
            int[] sampled = generator.generate(prompt,
                    GenerationConfig.sampling(24, 0.8, 0.95, 7).withEosTokenIds(eos));
            System.out.println("Greedy continuation (untrained model): " + quoted(tokenizer, greedy));
            System.out.println("Sampled continuation (T=0.8, top-p=0.95): " + quoted(tokenizer, sampled));
        }
        System.out.println("Output directory: " + out);
    }

    private static int[] withBos(Tokenizer tokenizer, int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = tokenizer.bosId().orElseThrow();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private static String quoted(Tokenizer tokenizer, int[] ids) {
        return '"' + tokenizer.decode(ids).replace("\n", "\\n") + '"';
    }
}
