package dev.allo.examples.fuzz;

import dev.allo.AlloException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Runs fuzz cases: for each target, writes its seed once, then for each case mutates the seed (deterministically from
 * the run's seed, the target's name and the case index), writes it with the target's companion files into a fresh
 * directory, loads it on a worker thread with a time limit, and classifies the outcome (see {@link Outcome}). A case
 * that does not end in time is abandoned on its thread (which is a daemon) and counted as a hang.
 */
public final class FuzzRunner implements AutoCloseable {
    private final Path workDir;
    private final Duration timeout;
    private final Path failuresDir;
    private ExecutorService worker = newWorker();

    /**
     * Creates a runner.
     *
     * @param workDir an empty directory for seeds and cases
     * @param timeout how long one case may take before it counts as a hang
     * @param failuresDir where the files of failing cases are copied, or {@code null} to keep none
     */
    public FuzzRunner(Path workDir, Duration timeout, Path failuresDir) {
        this.workDir = workDir;
        this.timeout = timeout;
        this.failuresDir = failuresDir;
    }

    /**
     * Runs {@code cases} cases of every target.
     *
     * @param targets the targets
     * @param cases the cases per target
     * @param seed the run's seed
     * @param progress called after each case (for a long run's progress line)
     * @return the report
     * @throws IOException if a seed or case cannot be written
     */
    public FuzzReport run(List<FuzzTarget> targets, int cases, long seed, Consumer<CaseResult> progress)
            throws IOException {
        FuzzReport report = new FuzzReport();
        for (FuzzTarget target : targets) {
            runTarget(target, 0, cases, seed, i -> { }, r -> {
                report.add(r);
                progress.accept(r);
            });
        }
        return report;
    }

    /**
     * Runs the cases {@code [from, to)} of one target.
     *
     * @param target the target
     * @param from the first case index
     * @param to one past the last case index
     * @param seed the run's seed
     * @param starting called with each case index before the case runs (a child JVM journals it, so that the
     *     parent can name the case that crashed it)
     * @param done called with each result
     * @throws IOException if a seed or case cannot be written
     */
    public void runTarget(FuzzTarget target, int from, int to, long seed, IntConsumer starting,
            Consumer<CaseResult> done) throws IOException {
        Path template = workDir.resolve(target.name()).resolve("template");
        if (!Files.isDirectory(template)) {
            target.prepare(Files.createDirectories(template));
        }
        byte[] seedBytes = Files.readAllBytes(template.resolve(target.fileName()));
        List<Path> companions = companions(template, target.fileName());
        for (int i = from; i < to; i++) {
            starting.accept(i);
            done.accept(runCase(target, i, seedBytes, companions, caseRandom(seed, target.name(), i)));
        }
    }

    /**
     * The random source of one case, so that any case can be rerun alone.
     *
     * @param seed the run's seed
     * @param target the target's name
     * @param index the case index
     * @return a generator seeded from all three
     */
    public static Random caseRandom(long seed, String target, int index) {
        long h = seed * 0x9E3779B97F4A7C15L + target.hashCode();
        return new Random(h * 0xBF58476D1CE4E5B9L + index);
    }

    private CaseResult runCase(FuzzTarget target, int index, byte[] seedBytes, List<Path> companions, Random rng)
            throws IOException {
        Mutation m = Mutator.mutate(seedBytes, target, rng);
        byte[] bytes = rng.nextBoolean() ? target.repair(m.bytes()) : m.bytes();
        Path caseDir = workDir.resolve(target.name()).resolve("case-" + index);
        if (Files.exists(caseDir)) {
            deleteTree(caseDir); // left by a JVM that crashed on this case
        }
        Files.createDirectories(caseDir);
        for (Path c : companions) {
            copyTree(c, caseDir.resolve(c.getFileName().toString()));
        }
        Path file = caseDir.resolve(target.fileName());
        Files.write(file, bytes);
        CaseResult r = execute(target, index, file, caseDir, m.description());
        if (r.outcome().isFailure() && failuresDir != null) {
            Path dir = Files.createDirectories(failuresDir.resolve(target.name() + "-case-" + index));
            Files.write(dir.resolve(target.fileName()), bytes);
            // getBytes replaces a lone surrogate (quoted from a mutated file) where writeString would throw.
            Files.write(dir.resolve("outcome.txt"), (r.outcome() + "\n" + r.error() + "\n" + r.where() + "\n"
                    + r.mutation() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (r.outcome() != Outcome.HANG) {
            deleteTree(caseDir);
        }
        return r;
    }

    private CaseResult execute(FuzzTarget target, int index, Path file, Path caseDir, String mutation) {
        Future<?> f = worker.submit(() -> {
            target.load(file);
            return null;
        });
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new CaseResult(target.name(), index, Outcome.OK, null, null, mutation);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return new CaseResult(target.name(), index, Outcome.HANG, "no answer within " + timeout, null, mutation);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fuzzing", e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            return new CaseResult(target.name(), index, classify(t, file, caseDir), t.getClass().getName() + ": "
                    + t.getMessage(), frames(t), mutation);
        }
    }

    /**
     * Classifies an exception thrown by a load.
     *
     * @param t the exception
     * @param file the loaded file
     * @param caseDir its directory
     * @return {@link Outcome#CLEAN_ERROR} for an {@code IllegalArgumentException} or {@code AlloException} whose
     *     message names the file or its directory; {@link Outcome#UNNAMED_ERROR} for one that does not;
     *     {@link Outcome#OUT_OF_MEMORY}; else {@link Outcome#UNEXPECTED}
     */
    public static Outcome classify(Throwable t, Path file, Path caseDir) {
        if (t instanceof OutOfMemoryError) {
            return Outcome.OUT_OF_MEMORY;
        }
        if (t instanceof IllegalArgumentException || t instanceof AlloException) {
            String msg = t.getMessage();
            boolean named = msg != null && (msg.contains(file.getFileName().toString())
                    || msg.contains(caseDir.toString()));
            return named ? Outcome.CLEAN_ERROR : Outcome.UNNAMED_ERROR;
        }
        return Outcome.UNEXPECTED;
    }

    private static String frames(Throwable t) {
        StringBuilder b = new StringBuilder();
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            b.append(st[i]).append('\n');
        }
        return b.toString().trim();
    }

    private static List<Path> companions(Path template, String fileName) throws IOException {
        try (Stream<Path> s = Files.list(template)) {
            return new ArrayList<>(s.filter(p -> !p.getFileName().toString().equals(fileName))
                    .sorted().toList());
        }
    }

    /** Copies a file, or a directory with everything under it. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    /** Stops the worker thread. */
    @Override
    public void close() {
        worker.shutdownNow();
    }
}
