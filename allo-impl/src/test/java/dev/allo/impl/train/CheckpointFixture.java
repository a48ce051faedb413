package dev.allo.impl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.mask.NeuronMask;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.optim.LearningRateSchedule;
import dev.allo.train.LoopConfig;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The 6-step stage of the checkpoint tests (10 pairs, batches of 4, 3 per epoch, 2 epochs, a sparse mask, token DPO)
 * and file helpers: copy a checkpoint, edit its {@code state.json} and re-seal it (an independent re-implementation
 * of the documented checksums), flip a bit.
 */
final class CheckpointFixture {
    static final List<TokenizedPair> PAIRS = TinyStage.pairs(10);
    static final LoopConfig CONFIG = LoopConfig.of(4, 2, 2);
    static final AdamWConfig ADAMW = AdamWConfig.builder().learningRate(1e-2).weightDecay(0.01)
            .schedule(LearningRateSchedule.cosine(1, 6)).build();
    static final ObjectiveConfig OBJECTIVE = ObjectiveConfig.TokenDpo.defaults();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Stops a stage after a given step, as a killed process would. */
    static final class Kill extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private CheckpointFixture() {}

    static NeuronMask mask(DecoderModel model) {
        NeuronMask.Builder b = NeuronMask.builder();
        model.parameters().forEach((name, p) -> b.add(name, p.getShape(),
                IntStream.range(0, (int) p.size()).filter(i -> i % 3 != 1).toArray()));
        return b.build();
    }

    static StageTrainer.Builder stage(DecoderModel model, SparseAdamW opt) {
        return StageTrainer.builder().name("learn").policy(model).objective(PreferenceObjective.of(OBJECTIVE))
                .optimizer(opt).pairs(PAIRS).config(CONFIG).padId(TinyStage.PAD);
    }

    static TrainingListener killAfter(long step) {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                if (metrics.step() == step) {
                    throw new Kill();
                }
            }
        };
    }

    /** Runs the stage with a checkpoint every step until it is killed after {@code step}; returns the checkpoint. */
    static Path checkpointAt(Path checkpoint, long step) {
        try (DecoderModel model = TinyStage.model(13); SparseAdamW opt = new SparseAdamW(ADAMW, mask(model),
                model.parameters())) {
            StageTrainer.Builder b = stage(model, opt).checkpoints(checkpoint, 1);
            if (step < 6) {
                b.listener(killAfter(step));
                try {
                    b.build().run();
                    throw new AssertionError("the stage was not killed");
                } catch (Kill expected) {
                    // the checkpoint of `step` is written
                }
            } else {
                b.build().run();
            }
        }
        return checkpoint;
    }

    static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Edits state.json, then recomputes every file's size and CRC32 and the state's own CRC32. */
    static void reseal(Path checkpoint, Consumer<ObjectNode> edit) {
        try {
            Path file = checkpoint.resolve("state.json");
            ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
            edit.accept(root);
            JsonNode files = root.get("files");
            for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                byte[] bytes = Files.readAllBytes(checkpoint.resolve(e.getKey()));
                CRC32 crc = new CRC32();
                crc.update(bytes);
                ((ObjectNode) e.getValue()).put("bytes", bytes.length).put("crc32", crc.getValue());
            }
            root.remove("crc32");
            CRC32 crc = new CRC32();
            crc.update(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
            root.put("crc32", crc.getValue());
            JSON.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void flipBit(Path file, long byteOffset, int bit) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            int at = (int) (byteOffset < 0 ? bytes.length + byteOffset : byteOffset);
            bytes[at] ^= (byte) (1 << bit);
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The byte offset of the first tensor's data in a safetensors file. */
    static long dataStart(Path safetensors) {
        try {
            byte[] bytes = Files.readAllBytes(safetensors);
            long n = 0;
            for (int i = 7; i >= 0; i--) {
                n = (n << 8) | (bytes[i] & 0xFF);
            }
            return 8 + n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> siblings(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
