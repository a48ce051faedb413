package dev.allo.examples.fuzz;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.io.JsonFiles;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.StageCheckpoint;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.train.LoopConfig;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

/**
 * A stage checkpoint's {@code state.json}, resumed. The seed is the checkpoint a tiny stage (the {@link TinySeeds}
 * model, 6 pairs, batches of 2, one epoch of 3 steps, a sparse mask, AdamW, token-level DPO) writes after its second
 * step; the case directory is that checkpoint. A load rebuilds the same stage, puts the checkpoint in place with
 * {@link StageCheckpoint#recover} and resumes it with {@link StageTrainer#resume}; a resume that succeeds must end
 * with the weights of an uninterrupted run, bit for bit, else the load fails with a {@link ResumeDiverged}.
 *
 * <p>The file carries a CRC32 of its own content ({@code crc32}), so almost every mutation would only be refused by
 * that check. The layout-aware mutation therefore changes one value the JSON-aware way (numbers at type boundaries,
 * wrong types, {@code null}, a missing, extra, renamed or duplicated field, deep nesting, long strings) and then
 * re-seals the file; {@link #repair} re-seals any mutation that is still a JSON object.
 */
final class CheckpointStateTarget implements FuzzTarget {
    /** The stage's name, recorded in the checkpoint. */
    static final String STAGE = "fuzz";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CRC = "crc32";
    private static final long MODEL_SEED = 11;
    private static final LoopConfig LOOP = LoopConfig.of(2, 2, 1);
    private static final AdamWConfig ADAMW = AdamWConfig.builder().learningRate(1e-2).weightDecay(0.01)
            .schedule(LearningRateSchedule.cosine(1, 3)).build();
    private static final List<TokenizedPair> PAIRS = pairs(6);
    private static final String[] EXTRA_VALUES = {"1", "null", "\"x\"", "{}", "[1,2]", "-1e400", "true"};
    private static volatile String uninterrupted;

    @Override
    public String name() {
        return "checkpoint state.json";
    }

    @Override
    public String fileName() {
        return "state.json";
    }

    @Override
    public FileFormat format() {
        return FileFormat.JSON;
    }

    /**
     * Runs the stage with a checkpoint every step into {@code directory}, stops it after step 2, and replaces the
     * two timing metrics of the recorded last step (elapsed seconds, tokens per second) by 0 so that every prepare
     * writes the same bytes.
     */
    @Override
    public void prepare(Path directory) throws IOException {
        try (Stage stage = new Stage()) {
            StageTrainer.Builder b = stage.builder().checkpoints(directory, 1).listener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    if (metrics.step() == 2) {
                        throw new Stop();
                    }
                }
            });
            try {
                b.build().run();
                throw new IllegalStateException("the stage ran past step 2");
            } catch (Stop expected) {
                // the checkpoint of step 2 is in place
            }
        }
        Path state = directory.resolve(fileName());
        ObjectNode root = (ObjectNode) JSON.readTree(state.toFile());
        ObjectNode metrics = (ObjectNode) root.get("lastStep").get("metrics");
        metrics.put(StepMetrics.ELAPSED_SECONDS, 0.0);
        metrics.put(StepMetrics.TOKENS_PER_SECOND, 0.0);
        Files.write(state, seal(root));
    }

    @Override
    public void load(Path file) {
        Path checkpoint = file.getParent();
        StageCheckpoint.recover(checkpoint);
        String resumed;
        try (Stage stage = new Stage()) {
            stage.builder().build().resume(checkpoint);
            resumed = stage.weights();
        }
        String expected = uninterrupted();
        if (!resumed.equals(expected)) {
            throw new ResumeDiverged("resuming " + file + " succeeded but ended with weights " + resumed
                    + ", an uninterrupted run ends with " + expected);
        }
    }

    @Override
    public byte[] mutateLayout(byte[] seed, Random rng, StringBuilder log) {
        String text = new String(seed, StandardCharsets.UTF_8);
        String mutated;
        if (rng.nextInt(4) == 0) {
            mutated = addField(text, rng, log);
        } else {
            mutated = JsonMutations.mutate(text, rng, log);
        }
        if (mutated == null) {
            return null;
        }
        log.append("re-seal; ");
        return repair(mutated.getBytes(StandardCharsets.UTF_8));
    }

    /** Recomputes {@code crc32} when the bytes are a JSON object the library's parser accepts; else unchanged. */
    @Override
    public byte[] repair(byte[] bytes) {
        try {
            JsonNode root = JsonFiles.lenient().readTree(bytes);
            if (root instanceof ObjectNode o) {
                return seal(o);
            }
        } catch (IOException e) {
            // not JSON: nothing to seal, the parser's error is what is fuzzed
        }
        return bytes;
    }

    /**
     * The object, its {@code crc32} set to the CRC32 of its UTF-8 compact serialisation without that field, written
     * pretty-printed (as the library writes it).
     */
    static byte[] seal(ObjectNode root) throws JsonProcessingException {
        ObjectNode o = root.deepCopy();
        o.remove(CRC);
        CRC32 crc = new CRC32();
        crc.update(JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8));
        o.put(CRC, crc.getValue());
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
    }

    /** Adds a field with an unexpected name and value to the top-level object or one nested object. */
    private static String addField(String text, Random rng, StringBuilder log) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (!(root instanceof ObjectNode top)) {
            return null;
        }
        List<ObjectNode> objects = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        objects.add(top);
        paths.add("$");
        top.fields().forEachRemaining(e -> {
            if (e.getValue() instanceof ObjectNode o) {
                objects.add(o);
                paths.add("$." + e.getKey());
                o.fields().forEachRemaining(f -> {
                    if (f.getValue() instanceof ObjectNode inner) {
                        objects.add(inner);
                        paths.add("$." + e.getKey() + "." + f.getKey());
                    }
                });
            }
        });
        int at = rng.nextInt(objects.size());
        String name = rng.nextInt(4) == 0 ? "x".repeat(60_000) : "extra" + rng.nextInt(100);
        String value = EXTRA_VALUES[rng.nextInt(EXTRA_VALUES.length)];
        String placeholder = "@@fuzz-extra@@";
        objects.get(at).put(name, placeholder);
        log.append("add field ").append(JsonMutations.abbreviate(name)).append(" = ").append(value).append(" to ")
                .append(paths.get(at)).append("; ");
        try {
            return JSON.writeValueAsString(top).replace(JsonMutations.quote(placeholder), value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tree that was just parsed", e);
        }
    }

    /** The fingerprint of the weights an uninterrupted run of the stage ends with, computed once. */
    private static String uninterrupted() {
        String w = uninterrupted;
        if (w == null) {
            try (Stage stage = new Stage()) {
                stage.builder().build().run();
                w = stage.weights();
            }
            uninterrupted = w;
        }
        return w;
    }

    /** {@code n} pairs of tokens of the tiny vocabulary (3 to 31), of varying lengths, prompts starting with BOS. */
    private static List<TokenizedPair> pairs(int n) {
        List<TokenizedPair> out = new ArrayList<>();
        for (int index = 0; index < n; index++) {
            int i = index;
            int[] prompt = IntStream.concat(IntStream.of(1), IntStream.range(0, 2 + i % 3).map(k -> 3 + (i + k) % 29))
                    .toArray();
            int[] chosen = {3 + (i * 5) % 29, 3 + (i * 7 + 1) % 29, 2};
            int[] rejected = IntStream.concat(IntStream.range(0, 1 + i % 2).map(k -> 3 + (i * 11 + k) % 29),
                    IntStream.of(2)).toArray();
            out.add(TokenizedPair.unweighted(i, PreferenceExample.of("p" + i, "c" + i, "r" + i), prompt, chosen,
                    rejected, Optional.empty()));
        }
        return out;
    }

    /** The stage's model and optimiser, built the same way for every run. */
    private static final class Stage implements AutoCloseable {
        private final DecoderModel model = DecoderModel.random(TinySeeds.CONFIG, Device.cpu(), MODEL_SEED);
        private final SparseAdamW optimizer = new SparseAdamW(ADAMW, mask(model), model.parameters());

        StageTrainer.Builder builder() {
            return StageTrainer.builder().name(STAGE).policy(model)
                    .objective(PreferenceObjective.of(ObjectiveConfig.TokenDpo.defaults())).optimizer(optimizer)
                    .pairs(PAIRS).config(LOOP).padId(TinySeeds.CONFIG.padTokenId()).requireSameStart();
        }

        /** CRC32 of every weight's float32 bytes, in parameter order. */
        String weights() {
            CRC32 crc = new CRC32();
            for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
                crc.update(p.getKey().getBytes(StandardCharsets.UTF_8));
                crc.update(p.getValue().toByteBuffer());
            }
            return String.format("%08x", crc.getValue());
        }

        private static NeuronMask mask(DecoderModel model) {
            NeuronMask.Builder b = NeuronMask.builder();
            model.parameters().forEach((name, p) -> b.add(name, p.getShape(),
                    IntStream.range(0, (int) p.size()).filter(i -> i % 3 != 1).toArray()));
            return b.build();
        }

        @Override
        public void close() {
            try (model) {
                optimizer.close();
            }
        }
    }

    /** Stops the seed's stage after its second step, as a kill would. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** A resume that was accepted but did not continue the stage that wrote the checkpoint: a failure. */
    static final class ResumeDiverged extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ResumeDiverged(String message) {
            super(message);
        }
    }
}
