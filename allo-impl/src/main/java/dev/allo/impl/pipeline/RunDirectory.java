package dev.allo.impl.pipeline;

import dev.allo.AlloException;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.pipeline.AlignmentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run's output directory, guarded so that no earlier result is damaged: a new run takes only a missing or empty
 * directory; {@code resume} continues the run whose {@value #CONFIG} equals this run's configuration;
 * {@code overwrite} replaces a directory that holds a run (it never deletes a directory without {@value #CONFIG}).
 * {@link #check} writes nothing, so a run can check everything before its first write; {@link #prepare} then
 * creates or clears the directory and writes the configuration.
 */
final class RunDirectory {
    /** The file that marks a directory as a run's and holds its configuration. */
    static final String CONFIG = "alignment-config.json";

    private final Path dir;
    private final boolean resume;
    private final boolean overwrite;

    RunDirectory(Path dir, boolean resume, boolean overwrite) {
        this.dir = dir;
        this.resume = resume;
        this.overwrite = overwrite;
    }

    /**
     * Checks that this run may use the directory; writes nothing.
     *
     * @param config this run's configuration
     * @throws IllegalArgumentException naming the directory, what it holds and what to do instead
     */
    void check(AlignmentConfig config) {
        Path configFile = dir.resolve(CONFIG);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output directory " + dir + " is a file, not a directory");
        }
        if (resume) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("cannot resume " + dir + ": it holds no " + CONFIG + " (no run"
                        + " was started there); run without resume() to start one");
            }
            AlignmentConfig saved = AlignmentConfigJson.read(configFile);
            if (!saved.equals(config)) {
                throw new IllegalArgumentException("cannot resume " + dir + ": its configuration " + configFile
                        + " differs from this run's; resume with the same configuration, or use a new output"
                        + " directory");
            }
            return;
        }
        List<String> entries = entries();
        if (entries.isEmpty()) {
            return;
        }
        if (!entries.contains(CONFIG)) {
            throw new IllegalArgumentException("output directory " + dir + " is not empty and holds no run ("
                    + CONFIG + " is missing; it holds " + sample(entries) + "): choose a new or empty directory");
        }
        if (!overwrite) {
            throw new IllegalArgumentException("output directory " + dir + " holds another run's results ("
                    + sample(entries) + "): call resume() to continue that run, overwrite() to replace it, or choose"
                    + " a new directory");
        }
    }

    /**
     * Creates the directory (deleting the earlier run's files when overwriting) and writes this run's
     * configuration, atomically; on resume only checks that the directory is there.
     *
     * @param config this run's configuration
     * @throws AlloException if the directory cannot be cleared or written
     */
    void prepare(AlignmentConfig config) {
        try {
            if (overwrite && Files.isDirectory(dir)) {
                // Delete the marker last, so that an interrupted clean-up still reads as a run directory.
                for (String entry : entries()) {
                    if (!entry.equals(CONFIG)) {
                        AtomicFiles.deleteTree(dir.resolve(entry));
                    }
                }
                Files.deleteIfExists(dir.resolve(CONFIG));
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AlloException("Cannot prepare output directory " + dir + ": " + e.getMessage(), e);
        }
        if (!resume) {
            AlignmentConfigJson.write(config, dir.resolve(CONFIG));
        }
    }

    private List<String> entries() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<String> names = new ArrayList<>();
            list.forEach(p -> names.add(p.getFileName().toString()));
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new AlloException("Cannot list output directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String sample(List<String> entries) {
        return entries.size() <= 5 ? String.join(", ", entries)
                : String.join(", ", entries.subList(0, 5)) + " and " + (entries.size() - 5) + " more";
    }
}
