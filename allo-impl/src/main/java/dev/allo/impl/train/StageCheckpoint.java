package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.allo.AlloException;
import dev.allo.data.BatchPosition;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.io.SafetensorsWriter;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.io.ChecksummedFile;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.OptimizerState;
import dev.allo.train.StepMetrics;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage checkpoint: everything needed to continue a stage after its process died, so that the resumed run ends
 * with the same weights, bit for bit on CPU, as an uninterrupted one. A directory:
 *
 * <ul>
 *   <li>{@code model/}: the policy's weights in Hugging Face layout (float32 {@code model.safetensors}; with
 *       {@code config.json} for a {@link DecoderModel});
 *   <li>{@code optimizer.safetensors}: the optimiser's state tensors ({@link MaskedOptimizer#state}), absent when it
 *       has none;
 *   <li>{@code mask.bin}: the optimiser's {@link NeuronMask};
 *   <li>{@code reference.reflogprobs}: the stage's reference log-probs (the starting model is gone by then), absent
 *       when the objective needs none;
 *   <li>{@code state.json} ({@link CheckpointState}): the step count, the position of the next batch, the data seed
 *       (the loop draws no other random numbers), the optimiser's scalar state, the objective's state, the last
 *       step's metrics, and the size and CRC32 of every other file. Written last, atomically, so a directory with a
 *       valid {@code state.json} whose files match their recorded checksums is complete.
 * </ul>
 *
 * <p>Writing: the files go into a fresh hidden sibling {@code .<name>.tmp-*}, are forced to disk and checksummed,
 * then {@code state.json} is written; the existing checkpoint is renamed to {@code .<name>.old-*}{@code /c}, the new
 * one renamed into place, and the old one and any other leftover {@code .<name>.tmp-*} or {@code .<name>.old-*}
 * siblings are deleted. A kill at any point leaves at least one complete checkpoint (or none before the first),
 * which {@link #recover} finds and puts back in place.
 *
 * <p>Reading checks everything before anything is restored: the state's fields and self-checksum, every file's size
 * and CRC32, and, when restoring, that no weight or optimiser state is NaN or infinite.
 */
public final class StageCheckpoint {
    /**
     * The system property naming a test-only crash point: when it is set to {@code <point>} or {@code <point>@<n>},
     * the JVM halts ({@link Runtime#halt}, exit code {@value #HALT_STATUS}, as a {@code kill -9} would) the first or
     * the n-th time a checkpoint write reaches that point. Points, in order: {@code files-written} (before
     * {@code state.json}), {@code state-written} (a complete temporary checkpoint), {@code after-old-rename} (no
     * checkpoint in place), {@code after-new-rename} (before the old one is deleted).
     */
    public static final String HALT_PROPERTY = "allo.test.checkpointHaltAt";
    /** The exit code of a halt at a crash point. */
    public static final int HALT_STATUS = 86;
    static final String MODEL = "model";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String MASK = "mask.bin";
    static final String REFERENCE = "reference.reflogprobs";
    static final String STATE = "state.json";
    private static final Logger LOG = LoggerFactory.getLogger(StageCheckpoint.class);
    private static final Map<String, AtomicInteger> REACHED = new ConcurrentHashMap<>();

    private StageCheckpoint() {}

    /**
     * Finds the newest complete checkpoint of {@code directory} after a kill, and puts it in place. Candidates are
     * {@code directory} itself, the temporary {@code .<name>.tmp-*} siblings and the set-aside
     * {@code .<name>.old-*}{@code /c} copies; a candidate is complete when its {@code state.json} is valid and every
     * file it lists has its recorded size and CRC32. The one with the most steps wins (the directory itself on a
     * tie); it is renamed into place if it is not already there, and the other candidates are deleted.
     *
     * @param directory the stage's checkpoint directory
     * @return the directory when it now holds a complete checkpoint; empty when there is no complete candidate and
     *     nothing but incomplete temporary ones (which are deleted)
     * @throws AlloException if {@code directory} or a set-aside copy exists but none of the candidates is complete
     *     (a corrupted checkpoint is never silently dropped), naming the directory's problem
     */
    public static Optional<Path> recover(Path directory) {
        Path target = directory.toAbsolutePath();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(target)) {
            candidates.add(target);
        }
        List<Path> leftovers = leftovers(target);
        for (Path p : leftovers) {
            if (p.getFileName().toString().contains(".tmp-")) {
                candidates.add(p);
            } else if (Files.isDirectory(p.resolve("c"))) {
                candidates.add(p.resolve("c"));
            }
        }
        Path best = null;
        long bestStep = -1;
        AlloException targetProblem = null;
        AlloException oldProblem = null;
        for (Path c : candidates) {
            try {
                CheckpointState state = readVerified(c);
                if (state.step() > bestStep) {
                    best = c;
                    bestStep = state.step();
                }
            } catch (AlloException e) {
                if (c.equals(target)) {
                    targetProblem = e;
                } else if (c.getFileName().toString().equals("c")) {
                    oldProblem = e;
                }
                LOG.warn("Checkpoint candidate {} is not usable: {}", c, e.getMessage());
            }
        }
        if (best == null) {
            if (targetProblem != null || oldProblem != null) {
                AlloException problem = targetProblem != null ? targetProblem : oldProblem;
                throw new AlloException("no usable checkpoint in " + target + " or its set-aside copies: "
                        + problem.getMessage(), problem);
            }
            leftovers.forEach(AtomicFiles::deleteQuietly);
            return Optional.empty();
        }
        try {
            if (!best.equals(target)) {
                LOG.warn("Recovering the checkpoint of step {} from {} into {}", bestStep, best, target);
                if (Files.exists(target)) {
                    Path aside = Files.createTempDirectory(parent, "." + target.getFileName() + ".old-");
                    AtomicFiles.move(target, aside.resolve("c"));
                }
                AtomicFiles.move(best, target);
            }
        } catch (IOException e) {
            throw new AlloException("cannot put the recovered checkpoint " + best + " in place at " + target + ": "
                    + e, e);
        }
        leftovers(target).forEach(AtomicFiles::deleteQuietly);
        return Optional.of(target);
    }

    /** Writes a checkpoint of a stage after {@code step} steps, the next batch at {@code next}. */
    static void write(Path directory, String stage, long step, BatchPosition next, int pairs, long dataSeed,
            String startFingerprint, StepMetrics lastStep, CausalLm policy, MaskedOptimizer optimizer,
            PreferenceObjective objective, ReferenceLogProbs reference) {
        Path target = directory.toAbsolutePath();
        Path parent = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            if (policy instanceof DecoderModel llama) {
                DecoderCheckpoints.save(llama, tmp.resolve(MODEL));
            } else {
                new HfCheckpointWriter().overwrite(true).write(tmp.resolve(MODEL), policy.parameters());
            }
            OptimizerState optimizerState;
            try (NDManager manager = NDManager.newBaseManager(policy.device())) {
                optimizerState = optimizer.state(manager);
                if (!optimizerState.tensors().isEmpty()) {
                    SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizerState.tensors(), SafetensorsDtype.F32);
                }
            }
            optimizer.mask().save(tmp.resolve(MASK));
            if (reference != null) {
                Files.write(tmp.resolve(REFERENCE), ReferenceCache.encode(reference).array());
            }
            forceAll(tmp);
            crashPoint("files-written");
            CheckpointState state = new CheckpointState(stage, step, next, pairs, dataSeed,
                    optimizerState.optimizer(), optimizerState.step(), optimizerState.maskFingerprint(),
                    reference == null ? null : reference.fingerprint(), startFingerprint, objective.saveState(),
                    lastStep, CheckpointFiles.compute(tmp, STATE));
            byte[] json = state.toJson();
            ChecksummedFile.writeAtomically(tmp.resolve(STATE), "checkpoint state", out -> out.write(json));
            force(tmp.resolve(STATE));
            crashPoint("state-written");
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(parent, "." + target.getFileName() + ".old-");
                AtomicFiles.move(target, old.resolve("c"));
                crashPoint("after-old-rename");
                AtomicFiles.move(tmp, target);
                tmp = null;
                crashPoint("after-new-rename");
            } else {
                AtomicFiles.move(tmp, target);
                tmp = null;
            }
            leftovers(target).forEach(AtomicFiles::deleteQuietly); // a newer checkpoint is complete
        } catch (IOException e) {
            throw new AlloException("cannot write stage checkpoint " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteQuietly(tmp); // a hidden leftover; the error that brought us here is what matters
            }
        }
    }

    /**
     * Reads {@code state.json} and checks every file against its recorded size and CRC32.
     *
     * @throws AlloException naming the file and field or the file and checksum on any problem
     */
    static CheckpointState readVerified(Path directory) {
        CheckpointState state = CheckpointState.read(directory.resolve(STATE));
        CheckpointFiles.verify(directory, STATE, state.files());
        return state;
    }

    /**
     * Restores weights, optimiser state and objective state in place, and returns the reference log-probs. Every
     * file is read and checked before the first change, so a refused checkpoint leaves the stage as it was.
     *
     * @throws IllegalArgumentException if the checkpoint's mask, tensors or optimiser do not match
     * @throws AlloException naming the file and tensor if a restored value is NaN or infinite
     */
    static ReferenceLogProbs restore(Path directory, CheckpointState state, CausalLm policy,
            MaskedOptimizer optimizer, PreferenceObjective objective) {
        NeuronMask mask = NeuronMask.load(directory.resolve(MASK));
        if (!mask.equals(optimizer.mask())) {
            throw new IllegalArgumentException("checkpoint " + directory + " was written with another mask ("
                    + mask + ") than the optimiser's (" + optimizer.mask() + ")");
        }
        Path modelDir = directory.resolve(MODEL);
        Path modelFile = Files.exists(modelDir.resolve(HfCheckpoint.SINGLE_FILE))
                ? modelDir.resolve(HfCheckpoint.SINGLE_FILE) : modelDir; // a sharded model is named by its directory
        ReferenceLogProbs reference = null;
        try (NDManager manager = NDManager.newBaseManager(policy.device());
                HfCheckpoint weights = HfCheckpoint.open(modelDir)) {
            Map<String, NDArray> sources = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> p : policy.parameters().entrySet()) {
                if (!weights.contains(p.getKey())) {
                    throw new IllegalArgumentException("checkpoint " + directory + " has no weights for tensor '"
                            + p.getKey() + "'");
                }
                NDArray source = weights.read(p.getKey(), manager);
                if (!source.getShape().equals(p.getValue().getShape())) {
                    throw new IllegalArgumentException("checkpoint " + directory + ": tensor '" + p.getKey()
                            + "' has shape " + source.getShape() + ", the policy's has " + p.getValue().getShape());
                }
                checkFinite(source, modelFile, p.getKey());
                sources.put(p.getKey(), source);
            }
            Map<String, NDArray> tensors = Map.of();
            Path optimizerFile = directory.resolve(OPTIMIZER);
            if (Files.exists(optimizerFile)) {
                try (SafetensorsFile file = SafetensorsFile.open(optimizerFile)) {
                    tensors = file.readAll(manager);
                }
                for (Map.Entry<String, NDArray> t : tensors.entrySet()) {
                    checkFinite(t.getValue(), optimizerFile, t.getKey());
                }
            }
            if (state.referenceFingerprint() != null) {
                try {
                    reference = ReferenceCache.read(directory.resolve(REFERENCE), state.referenceFingerprint());
                } catch (IOException e) {
                    throw new AlloException("cannot read " + directory.resolve(REFERENCE) + ": " + e.getMessage(),
                            e);
                }
            }
            // Everything is read and checked before the first change: the objective's state (which checks its
            // keys), then the optimiser's, then the weights.
            try {
                objective.restoreState(state.objectiveState());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("checkpoint " + directory + " (" + STATE
                        + ", field 'objectiveState'): " + e.getMessage(), e);
            }
            try {
                optimizer.restore(new OptimizerState(state.optimizer(), state.optimizerStep(),
                        state.maskFingerprint(), tensors));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("checkpoint " + directory + " (" + STATE + ", " + OPTIMIZER
                        + "): " + e.getMessage(), e);
            }
            policy.setTrainable(false); // in-place copies into leaf tensors outside autograd
            for (Map.Entry<String, NDArray> p : policy.parameters().entrySet()) {
                p.getValue().reshape(-1).set(new NDIndex(":"), sources.get(p.getKey()).reshape(-1));
            }
        }
        return reference;
    }

    private static void checkFinite(NDArray array, Path file, String tensor) {
        if (!array.getDataType().isFloating()) {
            return;
        }
        try (NDArray bad = array.isNaN().logicalOr(array.isInfinite())) {
            if (bad.any().getBoolean()) {
                long count = bad.countNonzero().getLong();
                throw new AlloException("stage checkpoint file " + file + ": tensor '" + tensor + "' holds " + count
                        + " NaN or infinite value(s); the checkpoint cannot be resumed");
            }
        }
    }

    /** The hidden {@code .<name>.tmp-*} and {@code .<name>.old-*} siblings of a checkpoint directory. */
    private static List<Path> leftovers(Path target) {
        String tmp = "." + target.getFileName() + ".tmp-";
        String old = "." + target.getFileName() + ".old-";
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            return siblings.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isDirectory(p) && (n.startsWith(tmp) || n.startsWith(old));
            }).sorted().toList();
        } catch (IOException e) {
            throw new AlloException("cannot list " + target.getParent() + ": " + e, e);
        }
    }

    private static void forceAll(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                force(f);
            }
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Halts the JVM at a named point when {@link #HALT_PROPERTY} asks for it (tests of crash recovery only). */
    static void crashPoint(String point) {
        String wanted = System.getProperty(HALT_PROPERTY);
        if (wanted == null || !wanted.startsWith(point)) {
            return;
        }
        int at = wanted.indexOf('@');
        if (!(at < 0 ? wanted.equals(point) : wanted.substring(0, at).equals(point))) {
            return;
        }
        int n = at < 0 ? 1 : Integer.parseInt(wanted.substring(at + 1));
        if (REACHED.computeIfAbsent(point, k -> new AtomicInteger()).incrementAndGet() == n) {
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
