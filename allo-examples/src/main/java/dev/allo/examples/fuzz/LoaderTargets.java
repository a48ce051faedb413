package dev.allo.examples.fuzz;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.allo.data.ReadOptions;
import dev.allo.importance.ImportanceScores;
import dev.allo.impl.data.JsonlPreferenceReader;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import dev.allo.mask.NeuronMask;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The file kinds the library loads, as fuzz targets: a safetensors file, {@code config.json},
 * {@code model.safetensors.index.json}, a neuron mask, an importance scores file, JSON Lines preference data,
 * {@code tokenizer.json} and a stage checkpoint's {@code state.json} ({@link CheckpointStateTarget}).
 */
public final class LoaderTargets {
    private LoaderTargets() {}

    /**
     * Every built-in target, in report order.
     *
     * @return the targets
     */
    public static List<FuzzTarget> all() {
        return List.of(new Safetensors(), new ConfigJson(), new IndexJson(), new Mask(), new Scores(),
                new Preferences(), new TokenizerJson(), new CheckpointStateTarget());
    }

    /**
     * The built-in target of a name.
     *
     * @param name a name of {@link #all()}
     * @return the target
     * @throws IllegalArgumentException naming the known targets if there is none of that name
     */
    public static FuzzTarget byName(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no fuzz target '" + name + "'; known: "
                        + all().stream().map(FuzzTarget::name).toList()));
    }

    /** Loads a checkpoint directory as a model and releases it. */
    private static void loadModel(Path directory) {
        try (DecoderModel model = DecoderCheckpoints.load(directory, Device.cpu())) {
            model.config();
        }
    }

    /** {@code model.safetensors} (BF16 weights) opened and read alone, then loaded with its config as a model. */
    static final class Safetensors implements FuzzTarget {
        @Override
        public String name() {
            return "safetensors";
        }

        @Override
        public String fileName() {
            return HfCheckpoint.SINGLE_FILE;
        }

        @Override
        public FileFormat format() {
            return FileFormat.SAFETENSORS;
        }

        @Override
        public void prepare(Path directory) {
            TinySeeds.checkpoint(directory, SafetensorsDtype.BF16, Long.MAX_VALUE);
        }

        @Override
        public void load(Path file) {
            try (SafetensorsFile f = SafetensorsFile.open(file);
                    NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                f.readAll(manager);
            }
            loadModel(file.getParent());
        }
    }

    /** {@code config.json} beside a valid single-file checkpoint, loaded as a model. */
    static final class ConfigJson implements FuzzTarget {
        @Override
        public String name() {
            return "config.json";
        }

        @Override
        public String fileName() {
            return HfCheckpoint.CONFIG_FILE;
        }

        @Override
        public FileFormat format() {
            return FileFormat.JSON;
        }

        @Override
        public void prepare(Path directory) {
            TinySeeds.checkpoint(directory, SafetensorsDtype.F32, Long.MAX_VALUE);
        }

        @Override
        public void load(Path file) {
            loadModel(file.getParent());
        }
    }

    /** The index of a checkpoint of three F16 shards, loaded as a model. */
    static final class IndexJson implements FuzzTarget {
        @Override
        public String name() {
            return "index.json";
        }

        @Override
        public String fileName() {
            return HfCheckpoint.INDEX_FILE;
        }

        @Override
        public FileFormat format() {
            return FileFormat.JSON;
        }

        @Override
        public void prepare(Path directory) {
            TinySeeds.checkpoint(directory, SafetensorsDtype.F16, 4_000);
        }

        @Override
        public void load(Path file) {
            loadModel(file.getParent());
        }
    }

    /** A neuron mask file. */
    static final class Mask implements FuzzTarget {
        @Override
        public String name() {
            return "mask";
        }

        @Override
        public String fileName() {
            return "mask.bin";
        }

        @Override
        public FileFormat format() {
            return FileFormat.BINARY;
        }

        @Override
        public void prepare(Path directory) {
            TinySeeds.mask(directory.resolve(fileName()));
        }

        @Override
        public void load(Path file) {
            NeuronMask mask = NeuronMask.load(file);
            mask.toString();
        }

        @Override
        public byte[] repair(byte[] bytes) {
            return withChecksum(bytes);
        }

        @Override
        public byte[] mutateLayout(byte[] seed, Random rng, StringBuilder log) {
            return withChecksum(TensorEntryLayout.mutate(seed, true, rng, log));
        }
    }

    /** An importance scores file, loaded on the CPU. */
    static final class Scores implements FuzzTarget {
        @Override
        public String name() {
            return "scores";
        }

        @Override
        public String fileName() {
            return "scores.bin";
        }

        @Override
        public FileFormat format() {
            return FileFormat.BINARY;
        }

        @Override
        public void prepare(Path directory) {
            TinySeeds.scores(directory.resolve(fileName()));
        }

        @Override
        public void load(Path file) {
            try (ImportanceScores scores = ImportanceScores.load(file, Device.cpu())) {
                scores.asMap().values().forEach(a -> a.sum().close());
            }
        }

        @Override
        public byte[] repair(byte[] bytes) {
            return withChecksum(bytes);
        }

        @Override
        public byte[] mutateLayout(byte[] seed, Random rng, StringBuilder log) {
            return withChecksum(TensorEntryLayout.mutate(seed, false, rng, log));
        }
    }

    /**
     * JSON Lines preference pairs: read once skipping bad lines (which must never throw), then once failing on the
     * first bad line.
     */
    static final class Preferences implements FuzzTarget {
        @Override
        public String name() {
            return "jsonl";
        }

        @Override
        public String fileName() {
            return "pairs.jsonl";
        }

        @Override
        public FileFormat format() {
            return FileFormat.JSONL;
        }

        @Override
        public void prepare(Path directory) throws java.io.IOException {
            TinySeeds.preferences(directory.resolve(fileName()));
        }

        @Override
        public void load(Path file) {
            try {
                // Streaming in skip mode never throws for a bad line (readAll refuses a file with no pairs).
                try (JsonlPreferenceReader reader = JsonlPreferenceReader.open(file,
                        ReadOptions.defaults().withSkipBadLines(true))) {
                    reader.forEachRemaining(example -> { });
                }
            } catch (RuntimeException e) {
                throw new SkipModeFailure(file, e);
            }
            JsonlPreferenceReader.readAll(file, ReadOptions.defaults());
        }
    }

    /** A {@code tokenizer.json}, loaded and used to encode and decode a text. */
    static final class TokenizerJson implements FuzzTarget {
        @Override
        public String name() {
            return "tokenizer.json";
        }

        @Override
        public String fileName() {
            return "tokenizer.json";
        }

        @Override
        public FileFormat format() {
            return FileFormat.JSON;
        }

        @Override
        public void prepare(Path directory) throws java.io.IOException {
            TinySeeds.tokenizer(directory.resolve(fileName()));
        }

        @Override
        public void load(Path file) {
            try (HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(file)) {
                t.decode(t.encode("Hello there, the world! h\u00e9llo \ud83d\ude42 2 + 3 = 5"));
            }
        }
    }

    /** A skip-bad-lines read that threw: a failure whatever the exception, since such a read must go on. */
    static final class SkipModeFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        SkipModeFailure(Path file, RuntimeException cause) {
            super("reading " + file + " with skipBadLines threw " + cause, cause);
        }
    }

    /** The bytes with their last 8 replaced by the big-endian CRC32 of the others. */
    static byte[] withChecksum(byte[] bytes) {
        if (bytes.length < Long.BYTES) {
            return bytes;
        }
        byte[] out = bytes.clone();
        CRC32 crc = new CRC32();
        crc.update(out, 0, out.length - Long.BYTES);
        ByteBuffer.wrap(out, out.length - Long.BYTES, Long.BYTES).putLong(crc.getValue());
        return out;
    }
}
