package dev.allo.examples.fuzz;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Runs each target's cases in a child JVM, so that a native library that aborts the process (a Rust panic inside a
 * JNI call cannot unwind into Java) ends one case, not the campaign: the child journals every case (see
 * {@link Journal}); when it dies, the case it had begun is counted as a {@link Outcome#JVM_CRASH}, its file and the
 * child's last error lines are kept, and a new child goes on from the next case.
 */
final class ChildJvmCampaign {
    private final Path work;
    private final Path failuresDir;
    private final String heap;

    /**
     * Creates a campaign.
     *
     * @param work the work directory shared with the children
     * @param failuresDir where failing cases' files go
     * @param heap the children's maximum heap, e.g. {@code "2g"}
     */
    ChildJvmCampaign(Path work, Path failuresDir, String heap) {
        this.work = work;
        this.failuresDir = failuresDir;
        this.heap = heap;
    }

    /**
     * Runs {@code cases} cases of a target, in as many children as crashes require.
     *
     * @param target the target
     * @param cases the number of cases
     * @param seed the run's seed
     * @param timeoutS the time limit of one case, in seconds
     * @param report where the results go
     * @throws IOException if a child cannot be started or its journal read
     * @throws InterruptedException if interrupted while waiting for a child
     */
    void run(FuzzTarget target, int cases, long seed, int timeoutS, FuzzReport report)
            throws IOException, InterruptedException {
        Path journal = work.resolve(target.name() + ".journal");
        int start = 0;
        int child = 0;
        while (start < cases) {
            Path log = work.resolve(target.name() + ".child-" + child++ + ".log");
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + heap, "-Dai.djl.offline=true",
                    "-cp", classpath(), FuzzMain.class.getName(), "--child", "--targets", target.name(),
                    "--cases", Integer.toString(cases), "--start", Integer.toString(start), "--seed",
                    Long.toString(seed), "--timeout-s", Integer.toString(timeoutS), "--work", work.toString(),
                    "--journal", journal.toString(), "--out", failuresDir.toString()));
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(log.toFile()).start();
            int status = p.waitFor();
            OptionalInt crashed = Journal.unfinished(journal);
            if (crashed.isEmpty()) {
                if (status != 0) {
                    throw new IllegalStateException("the child JVM for " + target.name() + " exited with status "
                            + status + " outside any case; its error output is in " + log + ":\n" + tail(log));
                }
                break;
            }
            int index = crashed.getAsInt();
            CaseResult r = new CaseResult(target.name(), index, Outcome.JVM_CRASH, "the JVM exited with status "
                    + status + "; last error output: " + tail(log), null, "see " + log);
            try (Journal j = Journal.append(journal)) {
                j.result(r);
            }
            keepFile(target, index, r);
            System.out.printf("FAILURE %s case %d: %s%n", target.name(), index, r.error());
            start = index + 1;
        }
        Journal.results(journal).forEach(report::add);
    }

    private void keepFile(FuzzTarget target, int index, CaseResult r) throws IOException {
        Path file = work.resolve(target.name()).resolve("case-" + index).resolve(target.fileName());
        Path dir = Files.createDirectories(failuresDir.resolve(target.name() + "-case-" + index));
        if (Files.exists(file)) {
            Files.copy(file, dir.resolve(target.fileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.write(dir.resolve("outcome.txt"), (r.outcome() + "\n" + r.error() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The classpath of this program, from its class loader when that is a URL class loader (as under Maven). */
    private static String classpath() {
        ClassLoader cl = FuzzMain.class.getClassLoader();
        if (cl instanceof URLClassLoader u && u.getURLs().length > 0) {
            List<String> paths = new ArrayList<>();
            for (URL url : u.getURLs()) {
                try {
                    paths.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException("cannot turn " + url + " into a path", e);
                }
            }
            return String.join(File.pathSeparator, paths);
        }
        return System.getProperty("java.class.path");
    }
}
