package dev.allo.examples.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allo.AlloException;
import dev.allo.data.MalformedDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz harness in CI: a seeded corpus of mutated files of every kind loads without an unexpected exception type,
 * an error that does not name the file, running out of memory or hanging; and the harness itself tells those
 * outcomes apart.
 */
class FuzzHarnessTest {
    private static final int CASES_PER_TARGET = 40;
    private static final long SEED = 20_260_101L;

    @TempDir
    Path dir;

    @Test
    void everyLoaderEndsEveryMutatedFileCleanly() throws IOException {
        FuzzReport report;
        try (FuzzRunner runner = new FuzzRunner(dir.resolve("work"), Duration.ofSeconds(10), dir.resolve("fail"))) {
            report = runner.run(LoaderTargets.all(), CASES_PER_TARGET, SEED, r -> { });
        }
        String failures = report.failures().stream()
                .map(f -> f.target() + " case " + f.index() + ": " + f.outcome() + " " + f.error() + "\n  "
                        + f.mutation() + "\n  " + f.where())
                .collect(Collectors.joining("\n"));
        assertThat(report.failures()).as("failing cases:\n%s", failures).isEmpty();
        assertThat(report.targets()).containsExactly("safetensors", "config.json", "index.json", "mask", "scores",
                "jsonl", "tokenizer.json", "checkpoint state.json");
        for (String t : report.targets()) {
            assertThat(report.count(t, Outcome.OK) + report.count(t, Outcome.CLEAN_ERROR)).as(t)
                    .isEqualTo(CASES_PER_TARGET);
            // The mutations reach the loaders' checks: most files are refused, not silently accepted.
            assertThat(report.count(t, Outcome.CLEAN_ERROR)).as(t).isGreaterThan(CASES_PER_TARGET / 2);
        }
    }

    @Test
    void classifierTellsCleanErrorsFromUnnamedAndUnexpectedOnes() {
        Path caseDir = dir.resolve("case-3");
        Path file = caseDir.resolve("config.json");
        assertThat(FuzzRunner.classify(new AlloException(file + ": bad"), file, caseDir))
                .isEqualTo(Outcome.CLEAN_ERROR);
        assertThat(FuzzRunner.classify(new IllegalArgumentException("checkpoint " + caseDir + " is odd"), file,
                caseDir)).isEqualTo(Outcome.CLEAN_ERROR);
        assertThat(FuzzRunner.classify(new MalformedDataException(file, 3, "prompt", "empty"), file, caseDir))
                .isEqualTo(Outcome.CLEAN_ERROR);
        assertThat(FuzzRunner.classify(new AlloException("bad value"), file, caseDir))
                .isEqualTo(Outcome.UNNAMED_ERROR);
        assertThat(FuzzRunner.classify(new IllegalArgumentException((String) null), file, caseDir))
                .isEqualTo(Outcome.UNNAMED_ERROR);
        assertThat(FuzzRunner.classify(new NullPointerException(file.toString()), file, caseDir))
                .isEqualTo(Outcome.UNEXPECTED);
        assertThat(FuzzRunner.classify(new ArithmeticException("integer overflow"), file, caseDir))
                .isEqualTo(Outcome.UNEXPECTED);
        assertThat(FuzzRunner.classify(new IllegalStateException(file.toString()), file, caseDir))
                .isEqualTo(Outcome.UNEXPECTED);
        assertThat(FuzzRunner.classify(new OutOfMemoryError("Java heap space"), file, caseDir))
                .isEqualTo(Outcome.OUT_OF_MEMORY);
    }

    @Test
    void aLoaderThatThrowsOrHangsIsCaughtAndItsFileKept() throws IOException {
        FuzzTarget throwing = new FakeTarget("throws", () -> {
            throw new NullPointerException("boom");
        });
        FuzzTarget hanging = new FakeTarget("hangs", () -> Thread.sleep(60_000));
        FuzzReport report;
        try (FuzzRunner runner = new FuzzRunner(dir.resolve("work"), Duration.ofMillis(300), dir.resolve("fail"))) {
            report = runner.run(List.of(throwing, hanging), 2, 1, r -> { });
        }
        assertThat(report.count("throws", Outcome.UNEXPECTED)).isEqualTo(2);
        assertThat(report.count("hangs", Outcome.HANG)).isEqualTo(2);
        assertThat(report.unexpectedTypes()).singleElement().asString()
                .startsWith("java.lang.NullPointerException at dev.allo.examples.fuzz.FuzzHarnessTest");
        assertThat(dir.resolve("fail").resolve("throws-case-1").resolve("data.bin")).exists();
        assertThat(Files.readString(dir.resolve("fail").resolve("hangs-case-0").resolve("outcome.txt")))
                .startsWith("HANG");
    }

    @Test
    void eachCaseIsReproducibleFromTheSeedTargetAndIndex() {
        byte[] seed = "{\"a\": [1, 2, {\"b\": \"text\"}], \"c\": null}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 50; i++) {
            Mutation first = Mutator.mutate(seed, FileFormat.JSON, FuzzRunner.caseRandom(9, "config.json", i));
            Mutation again = Mutator.mutate(seed, FileFormat.JSON, FuzzRunner.caseRandom(9, "config.json", i));
            assertThat(again.bytes()).isEqualTo(first.bytes());
            assertThat(again.description()).isEqualTo(first.description());
        }
        long distinct = java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> new String(Mutator.mutate(seed, FileFormat.JSON,
                        FuzzRunner.caseRandom(9, "config.json", i)).bytes(), StandardCharsets.ISO_8859_1))
                .distinct().count();
        assertThat(distinct).isGreaterThan(40);
    }

    @Test
    void jsonMutationsCoverTheHostileShapes() {
        String seed = "{\"n\": 3, \"s\": \"x\", \"o\": {\"k\": [1, 2]}}";
        List<String> out = new ArrayList<>();
        Random rng = new Random(5);
        for (int i = 0; i < 2_000; i++) {
            String m = JsonMutations.mutate(seed, rng, new StringBuilder());
            out.add(m);
        }
        assertThat(out).anyMatch(m -> m.contains("[".repeat(1_001)) || m.contains("{\"a\":".repeat(1_001)));
        assertThat(out).anyMatch(m -> longestDigitRun(m) >= 1_000);
        assertThat(out).anyMatch(m -> m.contains("\"" + "x".repeat(20_001)));
        assertThat(out).anyMatch(m -> m.contains("\"" + "n".repeat(50_001) + "\":"));
        assertThat(out).anyMatch(m -> m.contains("\\ud800"));
        assertThat(out).anyMatch(m -> m.contains("4294967295") || m.contains("2147483648"));
        assertThat(out).anyMatch(m -> m.contains(":null"));
        assertThat(out).anyMatch(m -> !m.contains("\"n\"") && m.startsWith("{"));
        assertThat(out).anyMatch(m -> m.indexOf("\"s\"") != m.lastIndexOf("\"s\""));
    }

    @Test
    void journalRoundTripsResultsAndNamesTheCaseACrashInterrupted() throws IOException {
        Path file = dir.resolve("t.journal");
        CaseResult tricky = new CaseResult("jsonl", 4, Outcome.CLEAN_ERROR, "a\tb\nc\\d \ud800 e", null, "m");
        try (Journal j = Journal.append(file)) {
            j.begin(4);
            j.result(tricky);
            j.begin(5);
        }
        assertThat(Journal.unfinished(file)).isEqualTo(OptionalInt.of(5));
        assertThat(Journal.results(file)).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(4);
            assertThat(r.outcome()).isEqualTo(Outcome.CLEAN_ERROR);
            assertThat(r.error()).isEqualTo("a\tb\nc\\d <U+D800> e");
            assertThat(r.where()).isNull();
        });
    }

    private static int longestDigitRun(String s) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = Character.isDigit(s.charAt(i)) ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    /** A loader body for the fake targets. */
    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /** A target whose load does whatever the test needs. */
    private static final class FakeTarget implements FuzzTarget {
        private final String name;
        private final Body body;

        FakeTarget(String name, Body body) {
            this.name = name;
            this.body = body;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String fileName() {
            return "data.bin";
        }

        @Override
        public FileFormat format() {
            return FileFormat.BINARY;
        }

        @Override
        public void prepare(Path directory) throws IOException {
            Files.write(directory.resolve(fileName()), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        }

        @Override
        public void load(Path file) throws Exception {
            body.run();
        }
    }
}
