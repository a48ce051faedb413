package dev.allo.examples.bench;

import dev.allo.examples.bench.BenchmarkFigure.Comparison;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every benchmark of this package once, in one JVM, except {@link Qwen25ScaleBenchmark} (7 minutes and a peak
 * resident size of 18-20 GiB on its own, too much to share a JVM with the others on a small machine), and prints one
 * Markdown table of the key figures measured in that run: benchmark, figure, measured, target, met.
 *
 * <p>Order and scale. Quick (the default, a few minutes on 2 quiet cores): {@link ModelBenchmark} 2 rounds (both MLP
 * widths), {@link ObjectiveBenchmark} 100 iterations after 20 warm-up (8 x 512), {@link CheckpointLoadBenchmark} 3
 * loads per variant, {@link OptimizerBenchmark} 5 rounds, {@link DataBenchmark} 100,000 pairs of ~1 KB read twice,
 * {@link TrainingBenchmark} 5 rounds after 2 warm-up, {@link StageMemoryBenchmark} a 20,000-step stage.
 * {@code --full} uses each benchmark's own defaults instead (5 rounds, 200 + 30 iterations, 5 loads, 9 rounds,
 * 3 reads, 9 + 2 rounds, 30,000 steps). The problem sizes are the same in both modes: the targets are stated for
 * them (the memory stage's length differs, but its target is a rate per 10,000 steps).
 *
 * <p>The objective's share, its forward+backward time as a share of the model's forward+backward step
 * (target: under 2%), is computed here from the two benchmarks' medians of this run: each objective over the
 * shortest model step measured (the smaller MLP; the conservative choice, since it gives the largest share). The
 * objective runs at 8 x 512 tokens and the model at 8 x 128, so at equal lengths the share would be smaller still.
 *
 * <p>Run: {@code ./mvnw -q -B -pl allo-examples -am -DskipTests compile exec:java
 * -Dexec.mainClass=dev.allo.examples.bench.AllBenchmarks} (add {@code -Dexec.args=--full} for the full scale).
 * Each benchmark prints its own report first; the table comes last, with the date, the load average before and
 * after, and the elapsed time, since other processes may share the cores.
 */
public final class AllBenchmarks {

    private AllBenchmarks() {}

    /**
     * Runs every benchmark and prints the table.
     *
     * @param args {@code --full} for each benchmark's default repeats; nothing else is accepted
     * @throws IOException if a benchmark's temporary files cannot be written or deleted
     */
    public static void main(String[] args) throws IOException {
        for (String a : args) {
            if (!a.equals("--full")) {
                throw new IllegalArgumentException("unknown argument '" + a + "': the only option is --full");
            }
        }
        boolean full = BenchArgs.flag(args, "--full");
        String started = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT));
        String loadBefore = BenchStats.loadAverage();
        long t0 = System.nanoTime();
        List<BenchmarkFigure> figures = new ArrayList<>();

        section("ModelBenchmark");
        List<BenchmarkFigure> model = ModelBenchmark.run(full ? 5 : 2, 256, 1024, 688);
        figures.addAll(model);
        section("ObjectiveBenchmark");
        List<BenchmarkFigure> objective = ObjectiveBenchmark.run(full ? 200 : 100, full ? 30 : 20, 8, 512);
        figures.addAll(objectiveShares(objective, model));
        section("CheckpointLoadBenchmark");
        figures.addAll(CheckpointLoadBenchmark.run(full ? 5 : 3));
        section("OptimizerBenchmark");
        figures.addAll(OptimizerBenchmark.run(full ? 9 : 5));
        section("DataBenchmark");
        figures.addAll(DataBenchmark.run(100_000, 1000, full ? 3 : 2));
        section("TrainingBenchmark");
        figures.addAll(TrainingBenchmark.run(full ? 9 : 5, 2));
        section("StageMemoryBenchmark");
        figures.addAll(StageMemoryBenchmark.run(full ? 30_000 : 20_000, 2_000, 10_000));

        System.out.printf(Locale.ROOT, "%n## All benchmarks, %s scale: started %s, %.1f min%n%n", full ? "full"
                : "quick", started, BenchStats.secondsSince(t0) / 60);
        System.out.printf(Locale.ROOT, "Load average (/proc/loadavg) before: %s; after: %s. Cores: %d.%n%n",
                loadBefore, BenchStats.loadAverage(), Runtime.getRuntime().availableProcessors());
        System.out.print(FigureTable.markdown(figures));
    }

    /**
     * Each objective's forward+backward median as a percentage of the shortest model forward+backward median of
     * the same run (target: under 2%).
     */
    static List<BenchmarkFigure> objectiveShares(List<BenchmarkFigure> objective, List<BenchmarkFigure> model) {
        BenchmarkFigure step = model.stream().filter(f -> f.figure().startsWith(ModelBenchmark.STEP_FIGURE))
                .min((a, b) -> Double.compare(a.measured(), b.measured()))
                .orElseThrow(() -> new IllegalStateException("the model figures hold no figure starting with '"
                        + ModelBenchmark.STEP_FIGURE + "', got " + model));
        String stepText = step.figure().substring(ModelBenchmark.STEP_FIGURE.length()).trim();
        List<BenchmarkFigure> shares = new ArrayList<>();
        for (BenchmarkFigure f : objective) {
            if (f.figure().startsWith(ObjectiveBenchmark.STEP_FIGURE)) {
                String objectiveText = f.figure().substring(ObjectiveBenchmark.STEP_FIGURE.length()).trim();
                shares.add(BenchmarkFigure.checked("objective", String.format(Locale.ROOT,
                        "%s fwd+bwd (%s) / model fwd+bwd step (%s, %s)", objectiveText, f.measuredText(), stepText,
                        step.measuredText()), 100 * f.measured() / step.measured(), "%", Comparison.BELOW, 2));
            }
        }
        return shares;
    }

    private static void section(String name) {
        System.out.printf(Locale.ROOT, "%n### %s (load average %s)%n", name, BenchStats.loadAverage());
    }
}
