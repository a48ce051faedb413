package dev.allo.examples.fuzz;

import dev.allo.examples.bench.BenchArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A long fuzz campaign over every file kind the library loads; see {@link FuzzRunner} for how a case runs and
 * {@link Outcome} for how it is classified.
 *
 * <pre>
 * ./mvnw -q -B -pl allo-examples -am -DskipTests compile exec:java \
 *     -Dexec.mainClass=dev.allo.examples.fuzz.FuzzMain -Dexec.args="--cases 2100 --seed 1"
 * </pre>
 *
 * <p>Options: {@code --cases N} in all, shared evenly by the targets (default 2100); {@code --seed S} (default 1);
 * {@code --timeout-s T} per case (default 10); {@code --targets a,b} to fuzz some targets only (default all:
 * safetensors, config.json, index.json, mask, scores, jsonl, tokenizer.json, checkpoint state.json); {@code --out DIR}
 * for the report ({@code report.md}) and the files of failing cases (default {@code target/fuzz}); {@code --heap 2g},
 * the child JVMs' maximum heap; {@code --in-process} to run every case in this JVM rather than one child JVM per
 * target (a native abort then ends the run instead of counting as a {@link Outcome#JVM_CRASH}). Prints the counts per
 * target and outcome, the distinct unexpected exception types, and sample clean messages; exits with status 1 when
 * any case failed.
 */
public final class FuzzMain {
    private FuzzMain() {}

    /**
     * Runs the campaign (or, with {@code --child}, one child's share of it).
     *
     * @param args the options above
     * @throws Exception if the work directory or report cannot be written, or a child cannot be run
     */
    public static void main(String[] args) throws Exception {
        if (BenchArgs.flag(args, "--child")) {
            child(args);
            return;
        }
        int cases = BenchArgs.intOption(args, "--cases", 2100);
        int seed = BenchArgs.intOption(args, "--seed", 1);
        int timeoutS = BenchArgs.intOption(args, "--timeout-s", 10);
        String out = BenchArgs.option(args, "--out");
        String heap = BenchArgs.option(args, "--heap");
        Path outDir = Files.createDirectories(Path.of(out == null ? "target/fuzz" : out)).toAbsolutePath();
        List<FuzzTarget> targets = targets(args);
        int perTarget = (cases + targets.size() - 1) / targets.size();
        Path work = Files.createTempDirectory("allo-fuzz");
        boolean inProcess = BenchArgs.flag(args, "--in-process");
        System.out.printf("fuzzing %d targets x %d cases, seed %d, %d s per case, %s; work directory %s%n",
                targets.size(), perTarget, seed, timeoutS, inProcess ? "in this JVM" : "one child JVM per target",
                work);
        long start = System.nanoTime();
        FuzzReport report;
        if (inProcess) {
            try (FuzzRunner runner = new FuzzRunner(work, Duration.ofSeconds(timeoutS), outDir.resolve("failures"))) {
                report = runner.run(targets, perTarget, seed, FuzzMain::printFailure);
            }
        } else {
            report = new FuzzReport();
            ChildJvmCampaign campaign = new ChildJvmCampaign(work, outDir.resolve("failures"),
                    heap == null ? "2g" : heap);
            for (FuzzTarget t : targets) {
                campaign.run(t, perTarget, seed, timeoutS, report);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = summary(report, seconds, seed, timeoutS, inProcess);
        Files.write(outDir.resolve("report.md"), text.getBytes(StandardCharsets.UTF_8));
        System.out.print(text);
        if (!report.failures().isEmpty()) {
            System.exit(1);
        }
    }

    private static List<FuzzTarget> targets(String[] args) {
        String only = BenchArgs.option(args, "--targets");
        return only == null ? LoaderTargets.all()
                : Arrays.stream(only.split(",")).map(String::trim).map(LoaderTargets::byName).toList();
    }

    /** One child JVM: the cases {@code [--start, --cases)} of one target, journalled. */
    private static void child(String[] args) throws IOException {
        FuzzTarget target = targets(args).get(0);
        int cases = BenchArgs.intOption(args, "--cases", 1);
        String startText = BenchArgs.option(args, "--start");
        int start = startText == null ? 0 : Integer.parseInt(startText);
        int seed = BenchArgs.intOption(args, "--seed", 1);
        int timeoutS = BenchArgs.intOption(args, "--timeout-s", 10);
        Path work = Path.of(BenchArgs.option(args, "--work"));
        Path failures = Path.of(BenchArgs.option(args, "--out"));
        int[] done = {0};
        try (Journal journal = Journal.append(Path.of(BenchArgs.option(args, "--journal")));
                FuzzRunner runner = new FuzzRunner(work, Duration.ofSeconds(timeoutS), failures)) {
            runner.runTarget(target, start, cases, seed, journal::begin, r -> {
                journal.result(r);
                printFailure(r);
                if (++done[0] % 100 == 0) {
                    System.out.printf("%s: %d cases%n", target.name(), start + done[0]);
                }
            });
        }
        // Abandoned (hung) case threads are daemons, but the engine's may not be.
        System.exit(0);
    }

    private static void printFailure(CaseResult r) {
        if (r.outcome().isFailure()) {
            System.out.printf("FAILURE %s case %d: %s %s%n    mutation: %s%n    %s%n", r.target(), r.index(),
                    r.outcome(), r.error(), r.mutation(), r.where());
        }
    }

    private static String summary(FuzzReport report, double seconds, int seed, int timeoutS, boolean inProcess) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("%d cases in %.0f s (seed %d, %d s per case, %s)%n%n", report.cases(), seconds,
                seed, timeoutS, inProcess ? "in one JVM" : "one child JVM per target"));
        text.append(report.table()).append('\n');
        List<String> types = report.unexpectedTypes();
        text.append("Unexpected exception types: ").append(types.isEmpty() ? "none" : "").append('\n');
        types.forEach(t -> text.append("- ").append(t).append('\n'));
        text.append("\nSample clean errors:\n");
        for (Map.Entry<String, List<String>> e : report.cleanMessageSamples().entrySet()) {
            for (String m : e.getValue()) {
                text.append("- ").append(e.getKey()).append(": ").append(JsonMutations.abbreviate300(m)).append('\n');
            }
        }
        return text.append("\nrun completed\n").toString();
    }
}
