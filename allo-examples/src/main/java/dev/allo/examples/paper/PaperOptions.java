package dev.allo.examples.paper;

import dev.allo.examples.quickstart.QuickStartOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The knobs of {@link PaperExperiments}: its own keys, and every key of {@link QuickStartOptions}, which sizes the
 * task, the SFT model, the preference data and the rewriter of each seed exactly as in the quick start.
 *
 * @param base the quick-start options of seed 1 (each seed {@code s} uses {@code base.withSeed(s)}); its
 *     {@code dpo-lr} is the learning rate of every preference baseline and of Figure 1's runs, its {@code allo-lr},
 *     {@code forget-lr} and {@code warmup-lr} those of ALLO's learning stage, forgetting stage and locate warm-up
 * @param seeds how many seeds, {@code 1..seeds} (default 3)
 * @param experiments which experiments (default table2, figure1, table4, figure4)
 * @param grid the learning rates {@link Experiment#TUNE} tries (default 1e-5, 3e-5, 1e-4, 3e-4)
 * @param progress whether to draw a progress bar for every stage (default false)
 */
public record PaperOptions(QuickStartOptions base, int seeds, Set<Experiment> experiments, List<Double> grid,
        boolean progress) {

    /** The default output directory. */
    public static final Path DEFAULT_OUT = Path.of("allo-output", "paper");

    private static final List<String> KEYS = List.of("seeds", "experiments", "grid", "progress");

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException naming the option, its constraint and its value
     */
    public PaperOptions {
        if (base == null) {
            throw new IllegalArgumentException("base options must be set");
        }
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
        }
        if (experiments == null || experiments.isEmpty()) {
            throw new IllegalArgumentException("--experiments must name at least one of "
                    + List.of(Experiment.values()));
        }
        experiments = Set.copyOf(experiments);
        grid = List.copyOf(grid);
        if (grid.isEmpty()) {
            throw new IllegalArgumentException("--grid must hold at least one learning rate");
        }
        grid.forEach(lr -> positive("grid", lr));
    }

    /**
     * Reads {@code --key=value} arguments: this record's keys, the rest passed to {@link QuickStartOptions#parse}.
     *
     * @param args the command-line arguments
     * @param properties system properties ({@code quickstart.*} keys are honoured as in the quick start)
     * @return the options
     * @throws IllegalArgumentException for an unknown key, a malformed argument or a bad value
     */
    public static PaperOptions parse(String[] args, Properties properties) {
        List<String> rest = new ArrayList<>();
        String seeds = "3";
        String experiments = "table2,figure1,table4,figure4";
        String grid = "1e-5,3e-5,1e-4,3e-4";
        String progress = "false";
        boolean outGiven = false;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String key = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : "";
            String value = eq > 0 ? arg.substring(eq + 1) : "";
            switch (key) {
                case "seeds" -> seeds = value;
                case "experiments" -> experiments = value;
                case "grid" -> grid = value;
                case "progress" -> progress = value;
                default -> {
                    outGiven |= key.equals("out");
                    rest.add(arg);
                }
            }
        }
        QuickStartOptions base;
        try {
            base = QuickStartOptions.parse(rest.toArray(String[]::new), properties);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (or one of " + KEYS + ")", e);
        }
        if (!outGiven && properties.getProperty(QuickStartOptions.PROPERTY_PREFIX + "out") == null) {
            base = base.withOut(DEFAULT_OUT);
        }
        return new PaperOptions(base, integer("seeds", seeds), experiments(experiments), reals("grid", grid),
                bool("progress", progress));
    }

    private static Set<Experiment> experiments(String value) {
        Set<Experiment> out = EnumSet.noneOf(Experiment.class);
        for (String name : value.split(",")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (n.equals("ALL")) {
                out.addAll(EnumSet.complementOf(EnumSet.of(Experiment.TUNE)));
                continue;
            }
            try {
                out.add(Experiment.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--experiments: unknown experiment '" + name.trim()
                        + "'; known: tune, table2, figure1, table4, figure4, all", e);
            }
        }
        return out;
    }

    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + value + "'", e);
        }
    }

    private static double real(String key, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + value + "'", e);
        }
    }

    private static List<Double> reals(String key, String value) {
        List<Double> out = new ArrayList<>();
        for (String v : value.split(",")) {
            out.add(real(key, v));
        }
        return out;
    }

    private static boolean bool(String key, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--" + key + " must be true or false, got '" + value
                    + "'");
        };
    }

    private static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("--" + key + " must be finite and > 0, got " + value);
        }
    }
}
