package dev.allo.examples.ila;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The knobs of {@link LayerSignificanceExperiment}, read from {@code --key=value} arguments. Every knob has a default
 * sized so that the whole run (three seeds) takes a few minutes on a shared 2-core CPU; {@link #toy(Path)} is the
 * smoke-test size.
 *
 * @param out output directory (default {@code allo-output/ila})
 * @param seeds number of seeds, {@code 1, 2, ...} (default 3)
 * @param hidden model width {@code H} (default 64)
 * @param intermediate MLP width (default 128)
 * @param layers decoder blocks (default 2)
 * @param heads attention heads (default 4; key/value heads are half of them)
 * @param pretrainProblems problems of the base model's pre-training (default 4096)
 * @param pretrainEpochs pre-training epochs (default 6)
 * @param pretrainLr pre-training peak learning rate (default 5e-3)
 * @param trainProblems fine-tuning problems per seed (default 512)
 * @param testProblems held-out problems, the same for every seed (default 256)
 * @param epochs fine-tuning epochs (default 4)
 * @param lr fine-tuning peak learning rate (default 1e-3)
 * @param batch pairs per optimiser step, one micro-batch (default 64)
 * @param warmUp ILA's update source: {@code full} or {@code lora} (default full)
 * @param warmUpSteps the most warm-up steps (default 16); the stability rule may stop it earlier
 * @param warmUpLr the warm-up's AdamW learning rate (default 1e-3)
 * @param stabilityEpsilon the warm-up's stability threshold on {@code ||U_t - U_prev|| / ||U_t||} (default 0.2)
 * @param gateEpochs epochs of gate training (default 2)
 * @param gateLr the gates' AdamW learning rate (default 0.05)
 * @param lambda the gate penalty {@code lambda} (default 0.01)
 * @param freezeFraction fraction of matrices frozen by the ILA-freeze variant (default 0.25)
 * @param topFraction fraction of matrices trained by the ILA-top variant (default 0.30)
 * @param maxNewTokens tokens generated per test answer (default 64)
 * @param base a saved base model to start from instead of pre-training one (a Hugging Face model directory such
 *     as an earlier run's {@code base/model}); empty (the default) pre-trains
 */
public record ExperimentOptions(Path out, int seeds, int hidden, int intermediate, int layers, int heads,
        int pretrainProblems, int pretrainEpochs, double pretrainLr, int trainProblems, int testProblems, int epochs,
        double lr, int batch, String warmUp, int warmUpSteps, double warmUpLr, double stabilityEpsilon,
        int gateEpochs, double gateLr, double lambda, double freezeFraction, double topFraction,
        int maxNewTokens, String base) {

    private static final Set<String> WARM_UPS = Set.of("full", "lora");

    /** Validates every knob; a bad one is an {@link IllegalArgumentException} naming it and its value. */
    public ExperimentOptions {
        positive("seeds", seeds);
        positive("hidden", hidden);
        positive("intermediate", intermediate);
        positive("layers", layers);
        positive("heads", heads);
        if (heads % 2 != 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("heads must be even and divide hidden=" + hidden + ", got " + heads);
        }
        positive("pretrainEpochs", pretrainEpochs);
        positive("testProblems", testProblems);
        positive("epochs", epochs);
        positive("batch", batch);
        if (pretrainProblems < 0) {
            throw new IllegalArgumentException("pretrainProblems must be >= 0 (0 = no pre-training), got "
                    + pretrainProblems);
        }
        if (pretrainProblems > 0 && pretrainProblems < batch) {
            throw new IllegalArgumentException("pretrainProblems must be 0 or >= batch=" + batch + ", got "
                    + pretrainProblems);
        }
        if (trainProblems < batch) {
            throw new IllegalArgumentException("trainProblems must be >= batch=" + batch + ", got " + trainProblems);
        }
        if (!WARM_UPS.contains(warmUp)) {
            throw new IllegalArgumentException("warmUp must be one of " + WARM_UPS + ", got " + warmUp);
        }
        positive("warmUpSteps", warmUpSteps);
        positive("gateEpochs", gateEpochs);
        positive("maxNewTokens", maxNewTokens);
        rate("pretrainLr", pretrainLr);
        rate("lr", lr);
        rate("warmUpLr", warmUpLr);
        rate("gateLr", gateLr);
        rate("stabilityEpsilon", stabilityEpsilon);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        fraction("freezeFraction", freezeFraction);
        fraction("topFraction", topFraction);
        if (base == null) {
            throw new IllegalArgumentException("base must be a path or empty, got null");
        }
    }

    /**
     * The defaults listed on the record components.
     *
     * @return the default options
     */
    public static ExperimentOptions defaults() {
        return new ExperimentOptions(Path.of("allo-output/ila"), 3, 64, 128, 2, 4, 4096, 6, 5e-3, 512, 256, 4, 1e-3,
                64, "full", 16, 1e-3, 0.2, 2, 0.05, 0.01, 0.25, 0.30, 64, "");
    }

    /**
     * The smoke-test size: two seeds, a 16-wide one-block model, a few steps everywhere.
     *
     * @param out the output directory
     * @return the toy options
     */
    public static ExperimentOptions toy(Path out) {
        return new ExperimentOptions(out, 2, 16, 32, 1, 2, 16, 1, 3e-3, 16, 8, 1, 2e-3, 8, "full", 2, 2e-3, 0.2, 1,
                0.05, 0.01, 0.25, 0.30, 12, "");
    }

    /**
     * Reads {@code --key=value} arguments over the defaults; {@code --help} is refused with the list of keys.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException for an argument not of the form {@code --key=value}, an unknown key, a value
     *     that does not parse, or a value out of range
     */
    public static ExperimentOptions parse(String... args) {
        Map<String, String> values = defaults().asMap();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("arguments must look like --key=value, got '" + arg + "'; keys: "
                        + values.keySet());
            }
            String key = arg.substring(2, eq);
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "; keys: " + values.keySet());
            }
            values.put(key, arg.substring(eq + 1));
        }
        Reader r = new Reader(values);
        return new ExperimentOptions(Path.of(values.get("out")), r.integer("seeds"), r.integer("hidden"),
                r.integer("intermediate"), r.integer("layers"), r.integer("heads"), r.integer("pretrainProblems"),
                r.integer("pretrainEpochs"), r.real("pretrainLr"), r.integer("trainProblems"),
                r.integer("testProblems"), r.integer("epochs"), r.real("lr"), r.integer("batch"),
                values.get("warmUp"), r.integer("warmUpSteps"), r.real("warmUpLr"), r.real("stabilityEpsilon"),
                r.integer("gateEpochs"), r.real("gateLr"), r.real("lambda"), r.real("freezeFraction"),
                r.real("topFraction"), r.integer("maxNewTokens"), values.get("base"));
    }

    /**
     * These options as {@code key -> value} text, in declaration order (the keys {@link #parse} accepts).
     *
     * @return the map
     */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("out", out.toString());
        m.put("seeds", Integer.toString(seeds));
        m.put("hidden", Integer.toString(hidden));
        m.put("intermediate", Integer.toString(intermediate));
        m.put("layers", Integer.toString(layers));
        m.put("heads", Integer.toString(heads));
        m.put("pretrainProblems", Integer.toString(pretrainProblems));
        m.put("pretrainEpochs", Integer.toString(pretrainEpochs));
        m.put("pretrainLr", Double.toString(pretrainLr));
        m.put("trainProblems", Integer.toString(trainProblems));
        m.put("testProblems", Integer.toString(testProblems));
        m.put("epochs", Integer.toString(epochs));
        m.put("lr", Double.toString(lr));
        m.put("batch", Integer.toString(batch));
        m.put("warmUp", warmUp);
        m.put("warmUpSteps", Integer.toString(warmUpSteps));
        m.put("warmUpLr", Double.toString(warmUpLr));
        m.put("stabilityEpsilon", Double.toString(stabilityEpsilon));
        m.put("gateEpochs", Integer.toString(gateEpochs));
        m.put("gateLr", Double.toString(gateLr));
        m.put("lambda", Double.toString(lambda));
        m.put("freezeFraction", Double.toString(freezeFraction));
        m.put("topFraction", Double.toString(topFraction));
        m.put("maxNewTokens", Integer.toString(maxNewTokens));
        m.put("base", base);
        return m;
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    private static void rate(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
    }

    private static void fraction(String name, double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1), got " + value);
        }
    }

    /** Parses the text values, naming the option on failure. */
    private record Reader(Map<String, String> values) {
        int integer(String key) {
            try {
                return Integer.parseInt(values.get(key).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be an integer, got '" + values.get(key) + "'",
                        e);
            }
        }

        double real(String key) {
            try {
                return Double.parseDouble(values.get(key).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a number, got '" + values.get(key) + "'",
                        e);
            }
        }
    }
}
