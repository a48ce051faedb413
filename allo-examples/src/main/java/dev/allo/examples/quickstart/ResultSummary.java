package dev.allo.examples.quickstart;

import dev.allo.examples.stats.Bootstrap;
import dev.allo.examples.stats.Interval;
import dev.allo.examples.task.SystematicMistake;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns per-seed, per-problem outcomes into the quick start's result: per method the mean and 95% bootstrap
 * interval over problems and seeds of test accuracy, mistake rate (overall and per class) and second-skill accuracy;
 * paired comparisons of each method with SFT, and of ALLO with DPO and RPO ({@link Bootstrap}).
 */
public final class ResultSummary {
    private ResultSummary() {}

    /**
     * Summarises.
     *
     * @param evaluations per method name (SFT first), one evaluation per seed, in seed order
     * @param preference per method name, the held-out preference accuracy per seed (NaN for SFT)
     * @param ceiling per seed, the clean-SFT model's evaluation; empty when not measured
     * @param seeds the seeds
     * @param bootstrapSeed the seed of the resampling
     * @param trainPairs first seed's training pairs
     * @param validationPairs first seed's held-out pairs
     * @param rewrites first seed's rewrites
     * @param source first seed's data recipe
     * @param seconds wall time per phase
     * @param out the output directory
     * @return the result
     */
    public static QuickStartResult summarise(Map<String, List<Evaluation>> evaluations,
            Map<String, List<Double>> preference, List<Evaluation> ceiling, List<Long> seeds, long bootstrapSeed,
            int trainPairs, int validationPairs, int rewrites, OnPolicyPairs.Source source,
            Map<String, Double> seconds, Path out) {
        Bootstrap bootstrap = new Bootstrap(Bootstrap.DEFAULT_RESAMPLES, bootstrapSeed);
        List<String> names = List.copyOf(evaluations.keySet());
        List<QuickStartResult.Row> rows = new ArrayList<>();
        for (String name : names) {
            List<Evaluation> e = evaluations.get(name);
            Map<String, Interval> byClass = new LinkedHashMap<>();
            for (SystematicMistake m : SystematicMistake.values()) {
                byClass.put(m.name(), interval(bootstrap, classOutcomes(e, m)));
            }
            double pref = preference.get(name).stream().mapToDouble(Double::doubleValue).average()
                    .orElse(Double.NaN);
            rows.add(new QuickStartResult.Row(name, bootstrap.mean(matrix(e, Evaluation::correct)),
                    bootstrap.mean(matrix(e, Evaluation::mistaken)), interval(bootstrap, matrix(e,
                            Evaluation::skillCorrect)), byClass, pref, dir(out, name)));
        }
        List<QuickStartResult.Contrast> contrasts = new ArrayList<>();
        for (String name : names.subList(1, names.size())) {
            contrasts.add(contrast(bootstrap, evaluations, name, names.get(0)));
        }
        for (String other : List.of("DPO", MethodTrainer.label("rpo"))) {
            if (evaluations.containsKey("ALLO") && evaluations.containsKey(other)) {
                contrasts.add(contrast(bootstrap, evaluations, "ALLO", other));
            }
        }
        Interval ceilingInterval = ceiling.isEmpty() ? null : bootstrap.mean(matrix(ceiling, Evaluation::correct));
        return new QuickStartResult(rows, contrasts, ceilingInterval, trainPairs, validationPairs, rewrites, source,
                seeds, seconds, out);
    }

    private static Path dir(Path out, String name) {
        String method = name.equals("SFT") ? "sft" : name.toLowerCase(Locale.ROOT).split(" ")[0];
        return out.resolve(method).resolve("model");
    }

    private static QuickStartResult.Contrast contrast(Bootstrap bootstrap, Map<String, List<Evaluation>> e,
            String a, String b) {
        double[][] skillA = matrix(e.get(a), Evaluation::skillCorrect);
        return new QuickStartResult.Contrast(a, b, bootstrap.compare(matrix(e.get(a), Evaluation::correct),
                matrix(e.get(b), Evaluation::correct)), skillA[0].length == 0 ? null
                        : bootstrap.compare(skillA, matrix(e.get(b), Evaluation::skillCorrect)));
    }

    private static double[][] matrix(List<Evaluation> evaluations, Function<Evaluation, double[]> field) {
        double[][] out = new double[evaluations.size()][];
        for (int s = 0; s < out.length; s++) {
            out[s] = field.apply(evaluations.get(s));
        }
        return out;
    }

    /** Per seed, over the test problems a class applies to: 1 where the model made that class's mistake. */
    private static double[][] classOutcomes(List<Evaluation> evaluations, SystematicMistake m) {
        double[][] out = new double[evaluations.size()][];
        for (int s = 0; s < out.length; s++) {
            Evaluation e = evaluations.get(s);
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < e.correct().length; i++) {
                if (e.triggered().get(i).contains(m)) {
                    values.add(e.mistakes().get(i).contains(m) ? 1.0 : 0.0);
                }
            }
            out[s] = values.stream().mapToDouble(Double::doubleValue).toArray();
        }
        return out;
    }

    /** The bootstrap interval, or NaNs when some seed has no value (no second skill, a class never triggered). */
    private static Interval interval(Bootstrap bootstrap, double[][] values) {
        for (double[] row : values) {
            if (row.length == 0) {
                return new Interval(Double.NaN, Double.NaN, Double.NaN);
            }
        }
        return bootstrap.mean(values);
    }
}
