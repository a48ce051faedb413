package dev.allo.examples.paper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one variant measured on one seed.
 *
 * @param variant the variant's id
 * @param seed the seed
 * @param testAccuracy greedy accuracy on the test problems
 * @param validationAccuracy greedy accuracy on the validation problems (what {@link Experiment#TUNE} selects by)
 * @param preferenceAccuracy held-out DPO reward accuracy against the SFT model; NaN for the SFT model itself
 * @param losses each stage's training loss per optimiser step, in stage order
 * @param seconds wall time of training (locate, stages) and evaluation
 */
record Outcome(String variant, long seed, double testAccuracy, double validationAccuracy, double preferenceAccuracy,
        Map<String, List<Double>> losses, double seconds) {

    /** Copies the losses, keeping the stage order. */
    Outcome {
        losses = Collections.unmodifiableMap(new LinkedHashMap<>(losses));
    }
}
